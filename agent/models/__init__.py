"""Model backends. Each module imports its heavy library only when a model is used."""

from agent.models.base import (
    Completion,
    Message,
    Model,
    ModelRequest,
    Pricing,
    TokenAlternative,
    TokenInfo,
    ToolCall,
    ToolSpec,
    Usage,
)
from agent.models.embedded import embedded_model_path
from agent.models.litellm_model import LiteLLMModel
from agent.models.llamacpp import LlamaCppModel
from agent.models.resolve import resolve_model
from agent.models.scripted import ScriptedModel, ScriptedReply, tool_call

__all__ = [
    "Completion",
    "LiteLLMModel",
    "LlamaCppModel",
    "Message",
    "Model",
    "ModelRequest",
    "Pricing",
    "ScriptedModel",
    "ScriptedReply",
    "TokenAlternative",
    "TokenInfo",
    "ToolCall",
    "ToolSpec",
    "Usage",
    "embedded_model_path",
    "resolve_model",
    "tool_call",
]
