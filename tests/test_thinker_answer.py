"""A capable thinker's answer is returned whole: no text rule vetoes it, no strategy cuts a span out of it.

Each case (``tests/fixtures/thinker_cases.json``, written before the checks were run on it) has a fast draft that
is wrong, and a thinker that answers correctly in ordinary wording. Through the public API with default settings
and ``policy="think"``, the thinker's answer must come back, whole.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from thinkdial import Agent
from thinkdial.models import ScriptedModel, ScriptedReply

CASES = json.loads((Path(__file__).parent / "fixtures" / "thinker_cases.json").read_text(encoding="utf-8"))


def test_the_table_covers_the_families():
    families = {c["family"] for c in CASES}
    assert len(CASES) >= 40
    assert {"yes_no", "calendar", "choice", "compare_numbers", "worked_math"} <= families


@pytest.mark.parametrize("case", CASES, ids=[f"{c['family']}:{c['question'][:40]}" for c in CASES])
@pytest.mark.parametrize("strategy", ["auto", "cot", "native"])
def test_the_thinkers_answer_is_returned_whole(case, strategy):
    fast = ScriptedModel([ScriptedReply(case["draft"], confidence=0.4)], name="fast", repeat_last=True)
    thinker = ScriptedModel([case["thinker"]], name="thinker", repeat_last=True)
    result = Agent(fast=fast, thinker=thinker, thinking=strategy).run_sync(case["question"], policy="think")
    assert result.stop_reason == "final"
    assert result.output.strip() == case["thinker"].strip(), result.steps[0].decision_reason
    assert case["expect"] in result.output
    assert result.steps[0].kept_draft_by is None


def test_a_marked_final_answer_is_returned_as_a_whole_section():
    thinker = ScriptedModel(["2x + 1 = 7, so 2x = 6.\nAnswer: x = 3, because 2 * 3 + 1 = 7."], name="thinker", repeat_last=True)
    fast = ScriptedModel([ScriptedReply("x = 4", confidence=0.4)], name="fast", repeat_last=True)
    result = Agent(fast=fast, thinker=thinker, thinking="cot").run_sync("Solve 2x + 1 = 7.", policy="think")
    assert result.output == "x = 3, because 2 * 3 + 1 = 7."
    assert result.steps[0].thinking == "2x + 1 = 7, so 2x = 6."


@pytest.mark.parametrize(
    ("thinker_text", "finish", "rule"),
    [
        ("", "stop", "empty"),
        ("Let me work this out step by step: first", "length", "cut_short"),
        ("Step one: 37 + 48 = 75, so the answer is 75.", "stop", "false_arithmetic"),
    ],
)
def test_the_draft_stays_only_when_the_thinker_failed_without_reading_its_meaning(thinker_text, finish, rule):
    from thinkdial.models.base import Completion

    thinker = ScriptedModel([Completion(text=thinker_text, finish_reason=finish)], name="thinker", repeat_last=True)
    fast = ScriptedModel([ScriptedReply("85", confidence=0.4)], name="fast", repeat_last=True)
    result = Agent(fast=fast, thinker=thinker, thinking="native", tools=[]).run_sync("What is 37 + 48?", policy="think")
    assert result.output == "85"
    assert result.steps[0].kept_draft_by == rule
    assert "kept the draft" in result.steps[0].decision_reason


def test_a_looping_thinker_answer_keeps_the_draft():
    loop = "The answer is the answer and the answer is the answer. " * 20
    thinker = ScriptedModel([loop], name="thinker", repeat_last=True)
    fast = ScriptedModel([ScriptedReply("Paris", confidence=0.4)], name="fast", repeat_last=True)
    result = Agent(fast=fast, thinker=thinker, thinking="native").run_sync("What is the capital of France?", policy="think")
    assert result.output == "Paris"
    assert result.steps[0].kept_draft_by == "looping"
