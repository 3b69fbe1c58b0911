"""Model backends. Each module imports its heavy library only when a model is used."""

from thinkdial.models.base import (
    Completion,
    Message,
    Model,
    ModelCapabilities,
    ModelRequest,
    Pricing,
    Probe,
    TokenAlternative,
    TokenInfo,
    ToolCall,
    ToolSpec,
    Usage,
)
from thinkdial.models.embedded import embedded_model_path
from thinkdial.models.litellm_model import LiteLLMModel
from thinkdial.models.llamacpp import LlamaCppModel
from thinkdial.models.resolve import resolve_model
from thinkdial.models.scripted import ScriptedModel, ScriptedReply, tool_call

__all__ = [
    "Completion",
    "LiteLLMModel",
    "LlamaCppModel",
    "Message",
    "Model",
    "ModelCapabilities",
    "ModelRequest",
    "Pricing",
    "Probe",
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
