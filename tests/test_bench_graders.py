"""Graders on real replies of the embedded model, against labels checked by hand.

``tests/fixtures/bench_drafts.json`` holds replies that SmolLM2-135M-Instruct gave through
the real ``Agent`` (policies ``fast`` and ``think``) to the built-in quick suite, collected
once, each with a label a person gave it ("is this a right answer to the prompt?").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from thinkdial.benchmark.graders import grade_detail
from thinkdial.benchmark.tasks import parse_task

FIXTURE = Path(__file__).parent / "fixtures" / "bench_drafts.json"
DRAFTS = json.loads(FIXTURE.read_text())["drafts"]


def test_fixture_has_both_verdicts_over_many_kinds() -> None:
    assert len(DRAFTS) >= 30
    assert {d["label"] for d in DRAFTS} == {True, False}
    assert len({d["task"]["kind"] for d in DRAFTS}) >= 5


@pytest.mark.parametrize("draft", DRAFTS, ids=[f"{d['task']['id']}-{d['policy']}" for d in DRAFTS])
def test_grader_agrees_with_the_hand_label(draft: dict) -> None:
    task = parse_task(draft["task"])
    verdict = grade_detail(task, draft["output"])
    assert verdict.correct is draft["label"], f"{draft['output']!r} read as {verdict.answer!r}; {draft.get('note', '')}"


@pytest.mark.parametrize(
    ("prompt", "answers", "output", "correct"),
    [  # real drafts of the difficulty corpus, labelled by hand
        ("Is 100 divisible by 3?", ["no"], "100 is not divisible by 3.", True),
        ("Is the Earth round?", ["yes"], "The Earth is indeed round. It's a perfect sphere.", True),
        ("Is lead lighter than feathers? Explain briefly.", ["no"], "Lead is a heavy metal that is lighter than feathers.", False),
        ("Is 10 an odd number? Reply with yes or no only.", ["no"], "10 is indeed an odd number.", False),
        ("Is Tokyo in China?", ["no"], "No, Tokyo is not China.", True),
        ("Is the Sun a star?", ["yes"], "Stars are massive balls of gas.", False),  # no restatement: not read as yes
        ("What is the last letter of 'banana'?", ["a"], "The last letter of 'banana' is 'a'.", True),
        ("What is the last letter of 'banana'?", ["a"], "The last letter of 'banana' is 'n'.", False),
    ],
)
def test_yes_no_restatements_and_one_letter_answers(prompt: str, answers: list[str], output: str, correct: bool) -> None:
    task = parse_task({"id": "t", "prompt": prompt, "kind": "k", "check": {"type": "exact", "answers": answers}})
    assert grade_detail(task, output).correct is correct
