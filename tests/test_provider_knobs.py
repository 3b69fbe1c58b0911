"""Provider knobs on the wire: what one escalated step at each level sends, family by family.

litellm runs for real against loopback servers that record each request body (OpenAI and Anthropic:
tests/servers/reasoning.py; Gemini: tests/servers/gemini.py). For every family in
``thinkdial.models.knobs`` and every level, one step escalates to the thinker (native thinking) and the
test asserts the knob, its value, the output cap, and that the run stays within its token ceiling.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from servers.gemini import GeminiServer
from servers.reasoning import ReasoningServer

from thinkdial import Agent, Budget
from thinkdial.models import LiteLLMModel, Message, ModelCapabilities, ModelRequest, Pricing, ScriptedModel
from thinkdial.models.knobs import ThinkingKnobs, effort_for
from thinkdial.policies.routing import DEFAULT_LEVEL_TOKENS, RouteAction

pytestmark = pytest.mark.slow

LEVELS = ("low", "medium", "high")
ANSWER_TOKENS = 128
"""ThinkingSettings.answer_tokens: the native think call asks the level budget plus this."""
PRICE = Pricing(input_per_mtok=1.0, output_per_mtok=4.0)


@pytest.fixture(scope="module")
def reasoning() -> Iterator[ReasoningServer]:
    with ReasoningServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def gemini() -> Iterator[GeminiServer]:
    with GeminiServer() as srv:
        yield srv


@dataclass
class LevelPolicy:
    """Escalates every step at one level."""

    level: str
    name: str = "level"

    def decide(self, ctx: Any) -> RouteAction:
        return RouteAction("escalate", level=self.level, reason=f"escalate at {self.level}")  # type: ignore[arg-type]


def escalate(thinker: LiteLLMModel, level: str, ceiling: int = 20_000, **thinking: Any) -> Any:
    """One task whose first step escalates to ``thinker`` at ``level``; returns the run's result."""
    fast = ScriptedModel("85", name="fast", pricing=Pricing.free(), repeat_last=True)
    agent = Agent(fast=fast, thinker=thinker, tools=[], policy=LevelPolicy(level),
                  thinking={"strategy": "native", **thinking}, estimate="tokens")
    return agent.run_sync("What is 37 + 48?", budget=Budget(max_tokens=ceiling, max_steps=1))


def sent(server: Any, suffix: str) -> dict[str, Any]:
    """The body of the latest request whose path contains ``suffix``."""
    return next(r.body for r in reversed(server.requests) if suffix in r.path)


# -- OpenAI reasoning models -----------------------------------------------------------------------


@pytest.mark.parametrize("model", ["openai/o3-mini", "openai/gpt-5", "openai/gpt-5.2"])
@pytest.mark.parametrize("level", LEVELS)
def test_openai_reasoning_effort_by_level(reasoning: ReasoningServer, model: str, level: str) -> None:
    thinker = LiteLLMModel(model, api_base=reasoning.base, api_key="sk-local")
    assert thinker.knobs.family == "openai"
    result = escalate(thinker, level)
    body = sent(reasoning, "/chat/completions")
    assert body["model"] == model.split("/")[1]
    assert body["reasoning_effort"] == level
    assert body["max_completion_tokens"] == DEFAULT_LEVEL_TOKENS[level] + ANSWER_TOKENS and "max_tokens" not in body
    assert "logprobs" not in body and "temperature" not in body
    assert result.steps[0].route == "think" and result.usage.total_tokens <= 20_000


@pytest.mark.parametrize(("model", "lowest", "biggest"),
                         [("openai/o3-mini", "low", "high"), ("openai/gpt-5", "minimal", "high"), ("openai/gpt-5.2", "none", "xhigh")])
def test_openai_effort_beyond_low_and_high_where_the_model_takes_it(reasoning: ReasoningServer, model: str, lowest: str,
                                                                      biggest: str) -> None:
    """No thinking asked (a draft) sends the model's lowest effort; a budget above 16k tokens its highest."""
    thinker = LiteLLMModel(model, api_base=reasoning.base, api_key="sk-local")
    asyncio.run(thinker.complete(ModelRequest(messages=[Message(role="user", content="What is 2 + 3?")], max_tokens=64)))
    assert sent(reasoning, "/chat/completions")["reasoning_effort"] == lowest
    result = escalate(thinker, "high", ceiling=60_000, levels={"high": 32_768})
    body = sent(reasoning, "/chat/completions")
    assert body["reasoning_effort"] == biggest and body["max_completion_tokens"] == 32_768 + ANSWER_TOKENS
    assert result.usage.total_tokens <= 60_000


def test_openai_compatible_server_takes_plain_effort_and_max_tokens(reasoning: ReasoningServer) -> None:
    thinker = LiteLLMModel("openai/my-reasoner", api_base=reasoning.base, api_key="sk-local", pricing=Pricing.free(),
                           capabilities=ModelCapabilities(reasoning=True))
    assert thinker.knobs.family == "openai-compatible"
    for level in LEVELS:
        escalate(thinker, level)
        body = sent(reasoning, "/chat/completions")
        assert body["reasoning_effort"] == level and body["max_tokens"] == DEFAULT_LEVEL_TOKENS[level] + ANSWER_TOKENS
        assert "max_completion_tokens" not in body


# -- Anthropic ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_anthropic_budget_thinking_before_adaptive(reasoning: ReasoningServer, level: str) -> None:
    thinker = LiteLLMModel("anthropic/claude-sonnet-4-5", api_base=reasoning.root, api_key="sk-local")
    assert thinker.knobs.family == "anthropic"
    result = escalate(thinker, level)
    body = sent(reasoning, "/messages")
    cap = DEFAULT_LEVEL_TOKENS[level] + ANSWER_TOKENS
    assert body["max_tokens"] == cap
    if cap <= 1024:  # the API's minimum budget does not fit: the step answers without extended thinking
        assert "thinking" not in body
    else:
        assert body["thinking"] == {"type": "enabled", "budget_tokens": max(1024, DEFAULT_LEVEL_TOKENS[level])}
        assert body["thinking"]["budget_tokens"] < body["max_tokens"]
    assert "output_config" not in body and result.usage.total_tokens <= 20_000


@pytest.mark.parametrize("model", ["anthropic/claude-opus-4-7", "anthropic/claude-opus-4-9"])
@pytest.mark.parametrize("level", LEVELS)
def test_anthropic_adaptive_thinking_with_an_effort(reasoning: ReasoningServer, model: str, level: str) -> None:
    """Opus 4.7 and later refuse budget_tokens; a model newer than litellm's map (4.9) is recognised by name."""
    thinker = LiteLLMModel(model, api_base=reasoning.root, api_key="sk-local", pricing=PRICE,
                           capabilities=None if model.endswith("4-7") else ModelCapabilities(reasoning=True, tools=True, prefill=True))
    assert thinker.knobs.family == "anthropic-adaptive"
    result = escalate(thinker, level)
    body = sent(reasoning, "/messages")
    assert body["thinking"] == {"type": "adaptive"}
    assert body["output_config"] == {"effort": level}
    assert "budget_tokens" not in str(body) and body["max_tokens"] == DEFAULT_LEVEL_TOKENS[level] + ANSWER_TOKENS
    assert result.usage.total_tokens <= 20_000


def test_anthropic_adaptive_xhigh_for_a_big_budget(reasoning: ReasoningServer) -> None:
    thinker = LiteLLMModel("anthropic/claude-opus-4-7", api_base=reasoning.root, api_key="sk-local")
    escalate(thinker, "high", ceiling=60_000, levels={"high": 32_768})
    assert sent(reasoning, "/messages")["output_config"] == {"effort": "xhigh"}


# -- Gemini -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_gemini_2_5_takes_the_token_budget(gemini: GeminiServer, level: str) -> None:
    thinker = LiteLLMModel("gemini/gemini-2.5-flash", api_base=gemini.base, api_key="k")
    assert thinker.knobs.family == "gemini-2.5"
    result = escalate(thinker, level)
    config = sent(gemini, "gemini-2.5-flash:")["generationConfig"]
    assert config["thinkingConfig"] == {"includeThoughts": True, "thinkingBudget": DEFAULT_LEVEL_TOKENS[level]}
    assert config["max_output_tokens"] == DEFAULT_LEVEL_TOKENS[level] + ANSWER_TOKENS  # thinking counts inside it
    assert result.usage.thinking_tokens == DEFAULT_LEVEL_TOKENS[level] and result.usage.total_tokens <= 20_000


@pytest.mark.parametrize(("model", "levels"), [("gemini/gemini-3-flash-preview", ("low", "medium", "high")),
                                               ("gemini/gemini-3-pro-preview", ("low", "high", "high"))])
def test_gemini_3_takes_a_thinking_level(gemini: GeminiServer, model: str, levels: tuple[str, ...]) -> None:
    """Gemini 3 Pro takes low and high only: the medium level asks for high."""
    thinker = LiteLLMModel(model, api_base=gemini.base, api_key="k", pricing=PRICE,
                           capabilities=ModelCapabilities(reasoning=True, tools=True))
    assert thinker.knobs.family == "gemini-3"
    for level, expected in zip(LEVELS, levels, strict=True):
        result = escalate(thinker, level)
        config = sent(gemini, model.split("/")[1] + ":")["generationConfig"]
        assert config["thinkingConfig"]["thinkingLevel"] == expected and "thinkingBudget" not in config["thinkingConfig"]
        assert config["max_output_tokens"] == DEFAULT_LEVEL_TOKENS[level] + ANSWER_TOKENS
        assert result.usage.total_tokens <= 20_000


# -- the ceiling bounds the call -----------------------------------------------------------------------


@pytest.mark.parametrize(("model", "where", "server"), [
    ("openai/gpt-5.2", "/chat/completions", "reasoning"), ("anthropic/claude-sonnet-4-5", "/messages", "reasoning"),
    ("anthropic/claude-opus-4-7", "/messages", "reasoning"), ("gemini/gemini-2.5-flash", "gemini-2.5-flash:", "gemini"),
])
def test_a_tight_ceiling_shrinks_the_call_and_its_knob(request: pytest.FixtureRequest, model: str, where: str, server: str) -> None:
    srv = request.getfixturevalue(server)
    base = srv.root if model.startswith("anthropic") else srv.base
    thinker = LiteLLMModel(model, api_base=base, api_key="sk-local")
    ceiling = 1500
    result = escalate(thinker, "high", ceiling=ceiling)
    body = sent(srv, where)
    cap = body.get("max_completion_tokens") or body.get("max_tokens") or body["generationConfig"]["max_output_tokens"]
    assert cap < DEFAULT_LEVEL_TOKENS["high"] + ANSWER_TOKENS  # shrunk to what the ceiling can pay for
    assert result.usage.total_tokens <= ceiling
    thinking = body.get("thinking") or {}
    if "budget_tokens" in thinking:
        assert thinking["budget_tokens"] < cap
    gemini_config = (body.get("generationConfig") or {}).get("thinkingConfig") or {}
    if "thinkingBudget" in gemini_config:
        assert gemini_config["thinkingBudget"] < cap


# -- the table itself -----------------------------------------------------------------------------------


def test_the_table_maps_default_levels_and_recognises_families() -> None:
    assert [effort_for(DEFAULT_LEVEL_TOKENS[lv]) for lv in LEVELS] == list(LEVELS)
    assert effort_for(20_000) == "high" and effort_for(20_000, xhigh=True) == "xhigh"
    cases = {
        ("anthropic/claude-sonnet-4-5", "anthropic"): "anthropic", ("anthropic/claude-3-7-sonnet-20250219", "anthropic"): "anthropic",
        ("anthropic/claude-sonnet-4-6", "anthropic"): "anthropic-adaptive", ("anthropic/claude-opus-5-0", "anthropic"): "anthropic-adaptive",
        ("gemini/gemini-2.5-pro", "gemini"): "gemini-2.5", ("gemini/gemini-3.1-pro-preview", "gemini"): "gemini-3",
        ("hosted_vllm/qwen3", "hosted_vllm"): "openai-compatible",
    }
    for (model, provider), family in cases.items():
        assert ThinkingKnobs.for_model(model, provider, {}, listed=False).family == family, model
    knobs = ThinkingKnobs.for_model("anthropic/claude-sonnet-4-5", "anthropic", {}, listed=True)
    assert knobs.params(256, 384) == {} and knobs.params(256, 2000) == {"thinking": {"type": "enabled", "budget_tokens": 1024}}
    assert knobs.params(4096, 3000)["thinking"]["budget_tokens"] == 2999
