"""Fallbacks: a model that is a list of models. The next member takes a call only when the first is down."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from faults.server import FaultServer

from thinkdial.errors import APIUnreachableError, AuthenticationError, ModelCallError, StreamInterruptedError
from thinkdial.models import Message, ModelRequest, Pricing, ScriptedModel, ScriptedReply, Usage
from thinkdial.models.fallback import FallbackModel
from thinkdial.models.resolve import resolve_model


def ask(text: str = "hi") -> ModelRequest:
    return ModelRequest(messages=[Message(role="user", content=text)], max_tokens=32)


def down() -> APIUnreachableError:
    return APIUnreachableError("Cannot reach the API at http://127.0.0.1:9/v1.", "Check the server.")


def test_unreachable_member_hands_the_call_on() -> None:
    first = ScriptedModel([ScriptedReply(error=down())], name="first")
    second = ScriptedModel(["The answer is 4."], name="second")
    model = FallbackModel([first, second])
    c = asyncio.run(model.complete(ask()))
    assert c.text == "The answer is 4." and c.model == "second"
    assert model.last_used is second and model.failures and model.failures[0][0] == "first"


def test_a_down_member_is_skipped_while_it_cools_down() -> None:
    first = ScriptedModel([ScriptedReply(error=down()), "back up"], name="first")
    second = ScriptedModel(["one", "two"], name="second")
    model = FallbackModel([first, second], cooldown=60)
    assert asyncio.run(model.complete(ask())).text == "one"
    assert asyncio.run(model.complete(ask())).text == "two"  # first is not asked again yet
    assert len(first.requests) == 1
    model.cooldown = 0
    model._down_until.clear()
    assert asyncio.run(model.complete(ask())).text == "back up"


@pytest.mark.parametrize(
    "error",
    [
        AuthenticationError("The key was rejected.", "Check it."),
        ModelCallError("bad request", ""),  # not retryable: a mistake in the request, not a down endpoint
        StreamInterruptedError("stream broke", "", usage=Usage(input_tokens=10, output_tokens=3)),  # billed
    ],
    ids=["auth", "bad-request", "billed"],
)
def test_other_failures_are_not_hidden(error: Exception) -> None:
    second = ScriptedModel(["never used"], name="second")
    model = FallbackModel([ScriptedModel([ScriptedReply(error=error)], name="first"), second])
    with pytest.raises(type(error)):
        asyncio.run(model.complete(ask()))
    assert not second.requests


def test_last_failure_is_raised_when_all_are_down() -> None:
    model = FallbackModel([ScriptedModel([ScriptedReply(error=down())], name=n) for n in ("a", "b")])
    with pytest.raises(APIUnreachableError):
        asyncio.run(model.complete(ask()))


def test_ledger_worst_case_uses_the_dearest_member_and_capabilities_are_shared() -> None:
    cheap = ScriptedModel(["x"], name="cheap", pricing=Pricing(input_per_mtok=1, output_per_mtok=2))
    dear = ScriptedModel(["x"], name="dear", pricing=Pricing(input_per_mtok=5, output_per_mtok=1))
    model = FallbackModel([cheap, dear])
    assert (model.pricing.input_per_mtok, model.pricing.output_per_mtok) == (5, 2)
    assert model.name == "cheap | dear"
    assert model.capabilities == cheap.capabilities  # scripted members share theirs


def test_lists_resolve_to_fallbacks() -> None:
    a, b = ScriptedModel(["x"], name="a"), ScriptedModel(["y"], name="b")
    model = resolve_model([a, b])
    assert isinstance(model, FallbackModel) and model.models == [a, b]
    assert resolve_model([a]) is a
    with pytest.raises(ValueError, match="at least one"):
        resolve_model([])


@pytest.fixture(scope="module")
def up() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


@pytest.mark.slow
def test_two_loopback_servers_one_down_bills_what_was_used(up: FaultServer) -> None:
    """The priced primary is down (nothing listens on its port); the cheaper backup answers and is what is billed."""
    from thinkdial import Agent, Budget
    from thinkdial.models import LiteLLMModel

    with FaultServer() as gone:
        dead_base = gone.base
    primary = LiteLLMModel("openai/normal", api_base=dead_base, api_key="sk-x", max_retries=2,
                           pricing=Pricing(input_per_mtok=100.0, output_per_mtok=100.0))
    backup = LiteLLMModel("openai/normal", api_base=up.base, api_key="sk-x",
                          pricing=Pricing(input_per_mtok=1.0, output_per_mtok=2.0))
    before = len(up.requests)
    agent = Agent(fast=[primary, backup], policy="fast")
    result = agent.run_sync("What is 2 + 2?", budget=Budget(max_cost_usd=1.0))
    assert result.stop_reason == "final", result.message
    assert result.output == "The answer is 4."
    assert len(up.requests) > before
    u = result.usage
    assert u.cost_usd == pytest.approx(backup.pricing.cost(u.input_tokens, u.output_tokens + u.thinking_tokens))
    assert agent.fast.last_used is backup  # type: ignore[attr-defined]


@pytest.mark.slow
def test_a_list_of_names_falls_back_past_a_5xx_endpoint(up: FaultServer) -> None:
    from thinkdial import Agent, Budget
    from thinkdial.trace import ModelCalled

    agent = Agent(fast=["openai/error500", "openai/normal"], api_base=up.base, api_key="sk-x", policy="fast")
    calls: list[ModelCalled] = []
    result = agent.run_sync("What is 2 + 2?", budget=Budget(max_tokens=2000),
                            on_event=lambda e: calls.append(e) if isinstance(e, ModelCalled) else None)
    assert result.stop_reason == "final" and result.output == "The answer is 4."
    assert up.count("error500") >= 1 and up.count("normal") >= 1
    assert calls and {c.model for c in calls} == {"openai/normal"}, "the trace names the member that answered"
