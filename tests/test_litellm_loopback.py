"""The remote path for real: litellm over HTTP to llama-cpp-python's OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest

from thinkdial.errors import APIUnreachableError
from thinkdial.models import LiteLLMModel, Message, ModelRequest

pytestmark = pytest.mark.slow


def ask(text: str, **kw) -> ModelRequest:
    return ModelRequest(messages=[Message(role="user", content=text)], **kw)


def test_answer_with_logprobs_and_usage(loopback_server):
    model = LiteLLMModel("openai/smol", api_base=loopback_server, api_key="sk-local")
    assert model.gives_logprobs
    c = asyncio.run(model.complete(ask("What is the capital of France?", max_tokens=16)))
    assert c.text
    assert c.usage.input_tokens > 0 and 0 < c.usage.output_tokens <= 16
    assert c.tokens, "the server returns logprobs"
    assert all(t.logprob <= 0 for t in c.tokens)
    assert any(t.top for t in c.tokens)
    assert c.usage.cost_usd == 0.0  # an unknown self-hosted model is free unless priced


def test_streaming_through_litellm(loopback_server):
    model = LiteLLMModel("openai/smol", api_base=loopback_server, api_key="sk-local")
    pieces: list[str] = []
    c = asyncio.run(model.complete(ask("Name a fruit.", max_tokens=12), on_delta=lambda k, s: pieces.append(s)))
    assert pieces and "".join(pieces).strip() == c.text
    assert c.usage.output_tokens > 0
    # The server sends no usage when streaming; what gets booked must not be less than the truth.
    exact = asyncio.run(model.complete(ask("Name a fruit.", max_tokens=12)))
    assert c.usage.input_tokens >= exact.usage.input_tokens
    assert c.usage.output_tokens >= len(c.tokens or [])


def test_agent_runs_on_the_remote_path_within_budget(loopback_server):
    from thinkdial import Agent, Budget

    agent = Agent(fast="openai/smol", api_base=loopback_server, api_key="sk-local", estimate="tokens", policy="fast")
    result = agent.run_sync("What is the capital of France?", budget=Budget(max_tokens=400))
    assert result.stop_reason == "final"
    assert result.output
    assert 0 < result.usage.total_tokens <= 400
    assert result.steps[0].signals  # token signals came back over HTTP


def test_unreachable_api_base_is_a_clear_error():
    model = LiteLLMModel("openai/smol", api_base="http://127.0.0.1:9/v1", api_key="sk-local", max_retries=2)
    with pytest.raises(APIUnreachableError, match="Cannot reach"):
        asyncio.run(model.complete(ask("hi", max_tokens=4)))
