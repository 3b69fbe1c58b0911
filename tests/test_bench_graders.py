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
