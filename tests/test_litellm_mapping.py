"""How LiteLLMModel maps thinkdial requests onto litellm's parameters (no network)."""

from __future__ import annotations

from thinkdial.models import LiteLLMModel, Message, ModelRequest, ToolSpec
from thinkdial.models.litellm_model import effort_for_budget


def req(**kw) -> ModelRequest:
    return ModelRequest(messages=[Message(role="user", content="hi")], **kw)


def test_thinking_budget_maps_to_anthropic_budget_tokens():
    model = LiteLLMModel("anthropic/claude-sonnet-4-5", api_key="sk-test")
    kwargs = model._kwargs(req(max_tokens=4000, thinking_budget=2048))
    assert kwargs["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert "temperature" not in kwargs
    assert model.pricing.input_per_mtok > 0  # priced from litellm's bundled cost map


def test_thinking_budget_maps_to_reasoning_effort_for_openai_reasoning_models():
    model = LiteLLMModel("openai/o3-mini", api_key="sk-test")
    assert model.supports_reasoning and not model.gives_logprobs  # OpenAI reasoning models refuse logprobs
    kwargs = model._kwargs(req(max_tokens=8000, thinking_budget=1024))
    assert kwargs["reasoning_effort"] == "medium"
    assert "logprobs" not in kwargs
    assert [effort_for_budget(n) for n in (256, 1024, 4096)] == ["low", "medium", "high"]


def test_plain_models_get_logprobs_and_native_tools():
    model = LiteLLMModel("openai/gpt-4o-mini", api_key="sk-test")
    tool = ToolSpec(name="add", description="Add.", parameters={"type": "object", "properties": {}})
    kwargs = model._kwargs(req(tools=[tool], top_logprobs=3))
    assert kwargs["logprobs"] is True and kwargs["top_logprobs"] == 3
    assert kwargs["tools"][0]["function"]["name"] == "add"
    assert kwargs["num_retries"] == 0  # tenacity is the only retry layer


def test_litellm_is_imported_with_the_local_cost_map():
    import os

    LiteLLMModel("openai/gpt-4o-mini", api_key="sk-test")
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
