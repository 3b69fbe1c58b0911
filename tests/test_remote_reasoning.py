"""Remote thinking models, tested: LiteLLMModel and the Agent against a loopback reasoning API.

The server (tests/servers/reasoning.py) streams ``reasoning_content``, reports
``completion_tokens_details.reasoning_tokens``, refuses logprobs on reasoning
models and thinks as long as ``reasoning_effort`` / ``thinking.budget_tokens`` say.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from servers.reasoning import EFFORT_TOKENS, ReasoningServer

from thinkdial.models import LiteLLMModel, Message, ModelRequest
from thinkdial.policies.routing import DEFAULT_LEVEL_TOKENS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server() -> Iterator[ReasoningServer]:
    with ReasoningServer() as srv:
        yield srv


def ask(text: str, **kw: object) -> ModelRequest:
    return ModelRequest(messages=[Message(role="user", content=text)], **kw)  # type: ignore[arg-type]


def test_reasoning_stream_is_split_and_billed_as_output(server: ReasoningServer) -> None:
    model = LiteLLMModel("openai/o3-mini", api_base=server.base, api_key="sk-local")
    assert model.capabilities.reasoning and not model.capabilities.logprobs
    kinds: list[str] = []
    c = asyncio.run(model.complete(ask("What is 37 + 48?", max_tokens=2000, thinking_budget=512), on_delta=lambda k, s: kinds.append(k)))
    assert c.text == "The answer is 85."
    assert c.thinking.startswith("hmm") and "hmm" not in c.text
    assert kinds.index("thinking") < kinds.index("answer")  # reasoning_content streamed first, kept apart
    assert c.usage.thinking_tokens == EFFORT_TOKENS["low"]
    assert c.tokens is None  # no logprobs asked (the server would refuse them)
    billed_output = c.usage.output_tokens + c.usage.thinking_tokens
    expected = model.pricing.cost(c.usage.input_tokens, billed_output)
    assert c.usage.cost_usd == pytest.approx(expected) and c.usage.cost_usd > model.pricing.cost(c.usage.input_tokens, c.usage.output_tokens)
    body = server.requests[-1].body
    assert "logprobs" not in body and body["reasoning_effort"] == "low"


def test_thinking_budgets_map_to_anthropic_budget_tokens(server: ReasoningServer) -> None:
    model = LiteLLMModel("anthropic/claude-sonnet-4-5", api_base=server.root, api_key="sk-local")
    c = asyncio.run(model.complete(ask("What is 37 + 48?", max_tokens=4000, thinking_budget=2048), on_delta=lambda k, s: None))
    sent = server.requests[-1]
    assert sent.path.endswith("/messages")
    assert sent.body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert c.text == "The answer is 85." and c.thinking
    assert c.usage.output_tokens + c.usage.thinking_tokens == 2048 + 4  # every thinking token billed as output
    assert c.usage.cost_usd == pytest.approx(model.pricing.cost(c.usage.input_tokens, 2052))


def test_each_budget_level_maps_to_its_own_reasoning_effort(server: ReasoningServer) -> None:
    model = LiteLLMModel("openai/o3-mini", api_base=server.base, api_key="sk-local")
    sent = []
    for level in ("low", "medium", "high"):
        asyncio.run(model.complete(ask("What is 2 + 3?", max_tokens=8000, thinking_budget=DEFAULT_LEVEL_TOKENS[level])))
        sent.append(server.requests[-1].body.get("reasoning_effort"))
    assert sent == ["low", "medium", "high"]


def test_reasoning_model_answers_without_a_thinking_budget(server: ReasoningServer) -> None:
    model = LiteLLMModel("openai/o3-mini", api_base=server.base, api_key="sk-local")
    c = asyncio.run(model.complete(ask("What is 37 + 48?", max_tokens=500)))
    assert c.text == "The answer is 85."


def test_self_hosted_reasoning_model_can_be_declared(server: ReasoningServer) -> None:
    from thinkdial.models import ModelCapabilities

    model = LiteLLMModel("openai/my-reasoner", api_base=server.base, api_key="sk-local",
                         capabilities=ModelCapabilities(reasoning=True))
    assert model.capabilities.reasoning and not model.capabilities.logprobs
    c = asyncio.run(model.complete(ask("What is 37 + 48?", max_tokens=2000, thinking_budget=4096)))
    assert c.text == "The answer is 85." and c.usage.thinking_tokens > 0


def test_agent_thinks_remotely_within_the_token_ceiling(server: ReasoningServer) -> None:
    """Fast model without logprobs, o3-mini thinker: difficulty still works, thinking counts before and after."""
    from thinkdial import Agent, Budget

    agent = Agent(fast="openai/plain-model", thinker="openai/o3-mini", api_base=server.base, api_key="sk-local", policy="think")
    events: list[object] = []
    result = agent.run_sync("Who wrote Hamlet?", budget=Budget(max_tokens=3000), on_event=events.append)
    assert result.stop_reason == "final", result.message
    step = result.steps[0]
    assert step.route == "think" and 0.0 <= step.difficulty <= 1.0 and step.signals  # estimated without logprobs
    assert result.usage.thinking_tokens > 0
    assert result.usage.total_tokens <= 3000
    think_calls = [e for e in events if getattr(e, "type", "") == "model_called" and e.purpose == "think"]  # type: ignore[attr-defined]
    checks = [e for e in events if getattr(e, "type", "") == "budget_check" and e.purpose == "think"]  # type: ignore[attr-defined]
    assert think_calls and checks
    # before the call: the thinking tokens were reserved inside max_tokens; after: booked as spent
    assert checks[0].allowed_tokens >= think_calls[0].usage.thinking_tokens + think_calls[0].usage.output_tokens  # type: ignore[attr-defined]
    assert server.requests[-1].body.get("reasoning_effort") in {"low", "medium", "high"}


def test_a_tight_ceiling_caps_the_thinking(server: ReasoningServer) -> None:
    """The ledger shrinks max_tokens so thinking cannot push the run over the ceiling."""
    from thinkdial import Agent, Budget

    agent = Agent(fast="openai/plain-model", thinker="openai/o3-mini", api_base=server.base, api_key="sk-local",
                  policy="think", thinking={"levels": {"low": 2048, "medium": 4096, "high": 8192}})
    result = agent.run_sync("Who wrote Hamlet?", budget=Budget(max_tokens=900))
    assert result.usage.total_tokens <= 900
    assert result.stop_reason in {"final", "budget"}


def test_side_by_side_task_from_python(server: ReasoningServer) -> None:
    """The issue's side-by-side task, unchanged, against a remote OpenAI-compatible server."""
    from thinkdial import Agent
    from thinkdial.tools import calculator

    agent = Agent(fast="openai/plain-model", api_base=server.base, api_key="sk-local", tools=[calculator])
    result = agent.run_sync("What is 37 + 48?")
    assert result.stop_reason == "final" and result.output == "The answer is 85."
    calls = [c for s in result.steps for c in s.tool_calls]
    assert calls and calls[0]["name"] == "calculator" and calls[0]["result"] == "85"
