"""The ledger and the sacred ceiling: unit checks plus a randomized run of many tasks."""

from __future__ import annotations

import random

import pytest

from thinkdial import Agent, Budget
from thinkdial.budget import Ledger
from thinkdial.models import ModelCapabilities, Pricing, ScriptedModel, ScriptedReply, Usage, tool_call
from thinkdial.tools import tool


def test_plan_shrinks_max_tokens_to_fit_the_token_ceiling():
    ledger = Ledger(Budget(max_tokens=100))
    plan = ledger.plan(Pricing(), prompt_tokens=30, max_tokens=200)
    assert plan.allowed and plan.max_tokens == 70
    assert "shrunk" in plan.reason


def test_plan_shrinks_to_fit_the_cost_ceiling():
    ledger = Ledger(Budget(max_cost_usd=0.001))
    pricing = Pricing(input_per_mtok=10.0, output_per_mtok=20.0)  # 30 input tokens cost $0.0003
    plan = ledger.plan(pricing, prompt_tokens=30, max_tokens=1000)
    assert plan.allowed
    assert pricing.cost(30, plan.max_tokens) <= 0.001
    assert pricing.cost(30, plan.max_tokens + 2) > 0.001  # nearly all of the ceiling is usable


def test_plan_refuses_when_nothing_fits():
    ledger = Ledger(Budget(max_tokens=10))
    assert not ledger.plan(Pricing(), prompt_tokens=10, max_tokens=50).allowed
    ledger = Ledger(Budget(max_cost_usd=0.0))
    assert not ledger.plan(Pricing(input_per_mtok=1.0), prompt_tokens=1, max_tokens=5).allowed


def test_remaining_counts_thinking_tokens():
    ledger = Ledger(Budget(max_tokens=100, max_cost_usd=1.0))
    ledger.record(Usage(input_tokens=10, output_tokens=5, thinking_tokens=20, cost_usd=0.25))
    left = ledger.remaining()
    assert left.tokens == 65
    assert left.cost_usd == pytest.approx(0.75)


def test_invalid_budget_is_rejected():
    with pytest.raises(ValueError):
        Budget(max_cost_usd=-1)


@tool
def echo(text: str) -> str:
    """Echo the text."""
    return text


@tool
def explode() -> str:
    """Always fails."""
    raise RuntimeError("boom")


def _random_reply(rng: random.Random) -> ScriptedReply | Exception:
    roll = rng.random()
    words = " ".join(rng.choice(["alpha", "beta", "42", "gamma", "x"]) for _ in range(rng.randint(0, 60)))
    if roll < 0.05:
        from thinkdial.errors import ModelCallError

        return ModelCallError("flaky backend", "")
    if roll < 0.35:
        name = rng.choice(["echo", "explode", "missing"])
        args = {"text": words[:20]} if name == "echo" else {}
        raw = rng.choice([args, '{"text": '])
        return ScriptedReply(words, tool_calls=[tool_call(name, raw)], confidence=rng.random())
    return ScriptedReply(words or "Answer: 1", thinking=words if rng.random() < 0.3 else "", confidence=rng.random())


def test_randomized_runs_never_spend_past_the_ceiling():
    rng = random.Random(1234)
    for trial in range(150):
        def price() -> Pricing:
            return Pricing(input_per_mtok=rng.uniform(0, 50), output_per_mtok=rng.uniform(0, 200))

        fast = ScriptedModel([_random_reply(rng) for _ in range(40)], name="fast", pricing=price(), repeat_last=True)
        fast.capabilities = ModelCapabilities(tools=True, logprobs=True, prefill=True, probes=True)
        thinker = ScriptedModel([_random_reply(rng) for _ in range(40)], name="thinker", pricing=price(), repeat_last=True)
        budget = Budget(
            max_cost_usd=rng.choice([None, rng.uniform(0, 0.05)]),
            max_tokens=rng.choice([None, rng.randint(0, 3000)]),
            max_steps=rng.choice([None, rng.randint(1, 6)]),
        )
        if budget.max_cost_usd is None and budget.max_tokens is None:
            budget.max_tokens = rng.randint(0, 3000)
        agent = Agent(
            fast=fast,
            thinker=thinker,
            tools=[echo, explode],
            policy=rng.choice(["adaptive", "fast", "think"]),
            verify=rng.choice(["never", "always", 0.5]),
            estimate={"mode": rng.choice(["tokens", "staged"]), "draft_tokens": rng.randint(1, 120)},
        )
        result = agent.run_sync("task", budget=budget)
        assert result.stop_reason in {"final", "budget", "max_steps", "error"}
        if budget.max_tokens is not None:
            assert result.usage.total_tokens <= budget.max_tokens, (trial, result.usage)
        if budget.max_cost_usd is not None:
            assert result.usage.cost_usd <= budget.max_cost_usd + 1e-12, (trial, result.usage)
