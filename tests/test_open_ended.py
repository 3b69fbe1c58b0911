"""Open-ended steps (explain, write, list, code): whole answers, never a worse fragment, bounded spend."""

from __future__ import annotations

import pytest

from thinkdial import Agent, Budget
from thinkdial.models import ModelCapabilities, ScriptedModel, ScriptedReply
from thinkdial.policies.estimate.long_form import answer_quality, long_form_estimate, repetition, trim_loop
from thinkdial.policies.reading.answer_shape import request_shape, step_shape
from thinkdial.settings import DEFAULT_BUDGET
from thinkdial.tools import calculator
from thinkdial.trace import RouteDecision, RunStarted

GOOD = (
    "Photosynthesis is the process by which plants, algae and some bacteria turn light into chemical energy. "
    "Chlorophyll in the chloroplasts absorbs light. The plant uses that energy to turn carbon dioxide and water "
    "into glucose, and releases oxygen."
)
LOOP = "The sea is wide and blue,\n" + "A cruel mistress, who rules the waves,\n" * 12


@pytest.mark.parametrize(
    "request_text, shape",
    [
        ("Explain how photosynthesis works.", "long"),
        ("Write a short poem about the sea.", "long"),
        ("Write a Python function that reverses a string.", "long"),
        ("List three primary colours.", "long"),
        ("Summarize the plot of Romeo and Juliet in two sentences.", "long"),
        ("Give me three tips for sleeping better.", "long"),
        ("What are the benefits of exercise?", "long"),
        ("Name the days of the weekend.", "long"),
        ("Name a colour.", "short"),
        ("Name the capital of France.", "short"),
        ("What is 37 + 48?", "short"),
        ("What is the capital of France? Answer in one word.", "short"),
        ("Explain briefly, then answer with just the number: what is 6 * 7?", "short"),
        ("Is the sun a star?", "short"),
    ],
)
def test_request_shape(request_text, shape):
    assert request_shape(request_text) == shape


def test_a_short_request_answered_with_a_list_or_code_is_long():
    assert step_shape("Which colours are primary?", "- red\n- blue\n- yellow") == "long"
    assert step_shape("Which colours are primary?", "Red, blue and yellow.") == "short"


def test_repetition_sees_loops_not_prose():
    assert repetition(GOOD) < 0.05
    assert repetition(LOOP) > 0.5
    assert trim_loop(LOOP) == "The sea is wide and blue,\nA cruel mistress, who rules the waves,"
    assert trim_loop(GOOD) == GOOD
    week = "The days of the week are: " + "Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday, " * 8
    assert trim_loop(week) == "The days of the week are: Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday"


def test_long_form_difficulty_is_low_for_a_fluent_draft_and_high_for_a_loop_or_nothing():
    model = ScriptedModel([ScriptedReply(GOOD, confidence=0.8), ScriptedReply(LOOP, confidence=0.9), ""], name="m")
    import asyncio

    from thinkdial.models import Message, ModelRequest

    def complete():
        return asyncio.run(model.complete(ModelRequest(messages=[Message(role="user", content="x")], max_tokens=400)))

    fluent, looping, empty = complete(), complete(), complete()
    assert long_form_estimate(fluent).difficulty < 0.5
    assert long_form_estimate(looping).difficulty > 0.9
    assert long_form_estimate(empty).difficulty == 1.0
    assert answer_quality(fluent) > answer_quality(looping) > answer_quality(empty)


def _thinker_requests(thinker: ScriptedModel) -> list:
    return list(thinker.requests)


def test_a_good_open_ended_draft_is_kept_whole():
    fast = ScriptedModel([ScriptedReply(GOOD, confidence=0.8)], name="fast")
    thinker = ScriptedModel(["tips"], name="thinker")
    agent = Agent(fast=fast, thinker=thinker, tools=[calculator])
    result = agent.run_sync("Explain how photosynthesis works.")
    step = result.steps[0]
    assert step.shape == "long" and step.estimate_stage == "long_form"
    assert step.route == "fast" and result.output == GOOD
    assert thinker.requests == []
    # the draft was allowed to finish: the long-answer cap, not the short-answer one
    assert fast.requests[0].max_tokens == agent.estimate.long_draft_tokens


def test_a_thinker_cut_short_never_replaces_a_complete_draft():
    # The draft is unsure (escalated) but complete; the thinker runs out of budget mid-answer.
    fast = ScriptedModel([ScriptedReply(GOOD, confidence=0.2)], name="fast")
    thinker = ScriptedModel([ScriptedReply("Photosynthesis is a fundamental " + "process " * 600)], name="thinker")
    events: list = []
    agent = Agent(fast=fast, thinker=thinker)
    result = agent.run_sync("Explain in detail how photosynthesis works, step by step.", on_event=events.append)
    step = result.steps[0]
    assert result.output == GOOD
    assert step.route == "fast"
    assert "kept the draft" in step.decision_reason and "cut short" in step.decision_reason
    assert any(isinstance(e, RouteDecision) and e.action == "escalate" for e in events)
    assert any(isinstance(e, RouteDecision) and "kept the draft" in e.reason for e in events)


def test_a_complete_thought_replaces_a_looping_draft_and_comes_back_whole():
    fast = ScriptedModel([ScriptedReply(LOOP, confidence=0.9)], name="fast")
    thinker = ScriptedModel([ScriptedReply(GOOD, confidence=0.7)], name="thinker", repeat_last=True)
    result = Agent(fast=fast, thinker=thinker, tools=[calculator]).run_sync("Write a short poem about the sea.")
    assert result.steps[0].route == "think"
    assert result.output == GOOD  # whole, not an extracted fragment
    # open-ended thinking on a local-style thinker gets no grammar-forced tools and no answer schema
    assert all(not r.tools and r.json_schema is None for r in thinker.requests)


def test_open_ended_spend_is_a_predictable_multiple_of_the_caps():
    # Every candidate loops, so the thinker tries all of its 3 (high level) and the spend is at its bound.
    fast = ScriptedModel([ScriptedReply(LOOP * 20, confidence=0.3)], name="fast")
    thinker = ScriptedModel([ScriptedReply(LOOP * 20, confidence=0.3)], name="thinker", repeat_last=True)
    agent = Agent(fast=fast, thinker=thinker)
    result = agent.run_sync("Write a long poem about the sea.", budget=Budget())
    step = result.steps[0]
    bound = agent.estimate.long_draft_tokens + 3 * agent.thinking.long_answer_tokens
    assert step.level == "high" and len(thinker.requests) == 3
    assert step.usage.output_tokens + step.usage.thinking_tokens <= bound
    assert result.output.count("A cruel mistress") == 1  # the loop is trimmed from what the user gets


def test_a_model_without_probes_thinks_in_one_capped_call():
    # A remote API cannot continue a cached context: no chunked requests that re-send the growing thought.
    fast = ScriptedModel([ScriptedReply("maybe 41", confidence=0.1)], name="fast")
    thinker = ScriptedModel(["Six sevens are 42.\nAnswer: 42"], name="thinker", repeat_last=True,
                            capabilities=ModelCapabilities(logprobs=True))
    agent = Agent(fast=fast, thinker=thinker, estimate="tokens", thinking="cot")
    result = agent.run_sync("What is six times seven?", policy="think")
    assert result.output == "42"
    assert len(thinker.requests) == 1
    request = thinker.requests[0]
    assert request.probe is None and request.prefill == ""
    assert request.max_tokens <= agent.thinking.levels["medium"] + agent.thinking.answer_tokens


def test_with_no_budget_a_default_ceiling_applies_and_budget_lifts_it():
    events: list = []
    agent = Agent(fast=ScriptedModel("Paris.", name="fast"))
    agent.run_sync("Capital of France?", on_event=events.append)
    started = next(e for e in events if isinstance(e, RunStarted))
    assert started.budget == DEFAULT_BUDGET.model_dump(exclude_none=True)
    events.clear()
    agent.run_sync("Capital of France?", budget=Budget(), on_event=events.append)
    assert next(e for e in events if isinstance(e, RunStarted)).budget == {"strict": False}
