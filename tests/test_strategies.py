"""Thinking strategies: voting, early stop, probe-in-the-middle early exit, routing policies."""

from __future__ import annotations

import pytest

from thinkdial import Agent
from thinkdial.models import ScriptedModel, ScriptedReply
from thinkdial.policies.routing import AdaptivePolicy, FastPolicy, RouteContext, ThinkPolicy, get_policy
from thinkdial.policies.voting import Vote, split_cot, vote_is_settled, weighted_vote
from thinkdial.prompts import PROBE_SUFFIX


def test_weighted_vote_prefers_confident_agreement_and_drops_the_least_confident():
    votes = [Vote("42", 5.0), Vote("42", 4.0), Vote("41", 1.0), Vote("41", 0.5), Vote("41", 0.4)]
    assert weighted_vote(votes, keep_fraction=0.6).answer == "42"
    assert weighted_vote([Vote(None, 1.0)]).answer is None


def test_vote_is_settled_only_when_the_rest_cannot_change_the_winner():
    assert vote_is_settled([Vote("a", 1), Vote("a", 1)], remaining=1)
    assert not vote_is_settled([Vote("a", 1), Vote("a", 1)], remaining=2)
    assert not vote_is_settled([Vote("a", 1), Vote("b", 1)], remaining=0)


def test_split_cot_reads_the_final_answer_line():
    assert split_cot("First 6*7. That is 42.\nAnswer: 42") == ("42", "First 6*7. That is 42.")


def test_parallel_cot_stops_early_once_the_vote_is_settled():
    fast = ScriptedModel([ScriptedReply("hmm 41", confidence=0.1)], name="fast")
    thinker = ScriptedModel(["Six sevens. Answer: 42"], name="thinker", repeat_last=True)
    agent = Agent(fast=fast, thinker=thinker, estimate="tokens", thinking={"strategy": "parallel", "probe_every": 0})
    result = agent.run_sync("six times seven?", policy="think")
    # policy "think" buys the medium level: 3 samples; after 2 identical votes the third cannot change the winner
    assert result.steps[0].level == "medium"
    assert result.output == "42"
    assert len(thinker.requests) == 2


def test_probe_in_the_middle_exits_long_thinking_when_probes_agree():
    fast = ScriptedModel([ScriptedReply("hmm 41", confidence=0.1)], name="fast")
    thinker = ScriptedModel([ScriptedReply(" ".join(["reasoning"] * 200), probes=["41", "42"])], name="thinker")
    agent = Agent(fast=fast, thinker=thinker, estimate="tokens", thinking={"strategy": "cot", "probe_every": 16, "probe_agreement": 3})
    result = agent.run_sync("six times seven?", policy="think")
    assert result.output == "42"
    # one request: the probes ride on the same generation instead of re-sending the growing context
    assert len(thinker.requests) == 1
    probe = thinker.requests[0].probe
    assert probe is not None and probe.every == 16 and probe.suffix == PROBE_SUFFIX
    # probes at 16, 32, 48 and 64 tokens: "41", then "42" three times in a row
    step = result.steps[0]
    assert step.usage.thinking_tokens + step.usage.output_tokens < 100
    assert result.usage.total_tokens < 1024  # far less than the medium budget


def test_builtin_policies():
    ctx = RouteContext(difficulty=0.8, signals={}, remaining=None)
    assert FastPolicy().decide(ctx).action == "keep"
    assert ThinkPolicy().decide(ctx).action == "escalate"
    action = AdaptivePolicy(threshold=0.5).decide(ctx)
    assert action.action == "escalate" and action.level == "medium"
    assert AdaptivePolicy().decide(RouteContext(0.95, {}, None)).level == "high"
    assert AdaptivePolicy().decide(RouteContext(0.2, {}, None)).action == "keep"
    with pytest.raises(ValueError):
        get_policy("bogus")


def test_a_grammar_squeezed_answer_or_an_invented_tool_call_is_set_aside_for_real_thinking():
    from thinkdial.models import tool_call
    from thinkdial.tools import calculator

    invented = ScriptedReply(tool_calls=[tool_call("calculator", {"expression": "0 - 1"})])
    for first in (ScriptedReply("final_a_nh"), ScriptedReply(""), invented):
        fast = ScriptedModel([ScriptedReply("hmm", confidence=0.1)], name="fast")
        thinker = ScriptedModel([first, "Canada's capital is Ottawa.\nAnswer: Ottawa"], name="thinker", repeat_last=True)
        agent = Agent(fast=fast, thinker=thinker, tools=[calculator], estimate="tokens", thinking="cot")
        result = agent.run_sync("What is the capital of Canada?", policy="think")
        assert result.output == "Ottawa"
        assert not result.steps[0].tool_calls  # the invented call was never run
        assert thinker.requests[0].tools and not thinker.requests[1].tools


def test_a_grounded_grammar_tool_call_is_used():
    from thinkdial.models import tool_call
    from thinkdial.tools import calculator

    fast = ScriptedModel([ScriptedReply("hmm", confidence=0.1), ScriptedReply("85", confidence=0.99)], name="fast")
    thinker = ScriptedModel([ScriptedReply(tool_calls=[tool_call("calculator", {"expression": "37 + 48"})])], name="thinker")
    agent = Agent(fast=fast, thinker=thinker, tools=[calculator], estimate="tokens")
    result = agent.run_sync("What is 37 + 48?", policy="think")
    assert [c["result"] for c in result.steps[0].tool_calls] == ["85"]
    assert result.output == "85"


def test_a_grammar_forced_call_is_capped_so_a_runaway_string_cannot_spend_the_thinking_budget():
    from thinkdial.phases.think import GRAMMAR_CALL_TOKENS
    from thinkdial.tools import calculator

    fast = ScriptedModel([ScriptedReply("hmm", confidence=0.1)], name="fast")
    runaway = ScriptedReply('{"tool": "calculator", "arguments": {"expression": "' + "1234567890" * 300)
    thinker = ScriptedModel([runaway, "Canberra is the capital.\nAnswer: Canberra"], name="thinker", repeat_last=True)
    agent = Agent(fast=fast, thinker=thinker, tools=[calculator], estimate="tokens", thinking="cot")
    result = agent.run_sync("What is the capital of Australia?", policy="think")
    assert result.output == "Canberra"
    first = thinker.requests[0]
    assert first.tools and first.max_tokens == GRAMMAR_CALL_TOKENS
    assert not thinker.requests[1].tools and thinker.requests[1].max_tokens > GRAMMAR_CALL_TOKENS
