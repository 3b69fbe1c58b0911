"""Escalating for gain: the pair's calibration of P(thinker right) decides before and after thinking."""

from __future__ import annotations

import json

import pytest

from thinkdial import Agent
from thinkdial.benchmark.tasks import load_tasks
from thinkdial.calibrate import calibrate_pair
from thinkdial.models import ScriptedModel, ScriptedReply
from thinkdial.policies.estimate.calibration import LogisticCalibration
from thinkdial.policies.estimate.difficulty import DifficultyEstimator, hand_set_calibration
from thinkdial.policies.estimate.gain import DEFAULT_GAIN_FILE, GainCalibration, fit_gain, load_gain, pair_path


def constant(p_logit: float, features: list[str] | None = None) -> LogisticCalibration:
    names = features or ["difficulty"]
    return LogisticCalibration(features=names, weights=[0.0] * len(names), bias=p_logit)


def agent_with(gain: GainCalibration | None, draft: str = "maybe 41", thought: str = "Answer: 42"):
    fast = ScriptedModel([ScriptedReply(draft, confidence=0.15)], name="fast", repeat_last=True)
    thinker = ScriptedModel([thought], name="thinker", repeat_last=True)
    agent = Agent(fast=fast, thinker=thinker, estimate="tokens", estimator=DifficultyEstimator(calibration=hand_set_calibration()))
    agent.gain = gain
    return agent, thinker


def test_without_a_calibration_for_the_pair_the_thinker_is_trusted():
    agent, thinker = agent_with(None)
    result = agent.run_sync("What is six times seven?")
    assert result.steps[0].route == "think" and result.output == "42"
    assert result.steps[0].thinker_right is None


def test_a_weak_thinker_is_not_asked_when_the_expected_gain_is_negative():
    agent, thinker = agent_with(GainCalibration(constant(-4.0), constant(-4.0)))
    result = agent.run_sync("What is six times seven?")
    step = result.steps[0]
    assert step.route == "fast" and thinker.requests == []
    assert "expected gain" in step.decision_reason and step.thinker_right is not None and step.thinker_right < 0.05


def test_a_strong_thinker_is_asked_and_its_answer_kept():
    agent, thinker = agent_with(GainCalibration(constant(4.0), constant(4.0)))
    result = agent.run_sync("What is six times seven?")
    assert result.steps[0].route == "think" and result.output == "42" and result.steps[0].kept_draft_by is None


def test_after_thinking_the_answer_more_likely_right_is_kept():
    # Worth asking before thinking, but what the thinker produced rates below the draft.
    agent, _ = agent_with(GainCalibration(constant(4.0), constant(-6.0)))
    result = agent.run_sync("What is six times seven?", policy="think")
    step = result.steps[0]
    assert result.output == "maybe 41" and step.kept_draft_by == "calibrated"
    assert "calibration rates the draft" in step.decision_reason
    assert {"vote_share", "thinker_confidence", "agrees_with_draft"} <= set(step.think_signals)


def test_the_shipped_calibration_applies_to_its_own_pair_only(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_gain("fast", "thinker") is None
    if DEFAULT_GAIN_FILE.exists():
        pair = json.loads(DEFAULT_GAIN_FILE.read_text())["pair"]
        assert load_gain(pair[0], pair[1]) is not None
        assert load_gain(pair[0], "openai/some-reasoning-model") is None


def test_calibrate_pair_fits_and_the_agent_picks_it_up(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    tasks_file = tmp_path / "tasks.jsonl"
    rows = [{"id": f"t{i}", "prompt": f"What is {i} + {i}?", "kind": "add", "check": {"type": "number", "value": 2 * i}}
            for i in range(1, 9)]
    tasks_file.write_text("\n".join(json.dumps(r) for r in rows) + "\n")

    def thinker_reply(request):
        n = int(request.messages[-1].content.split()[2])
        return f"Answer: {2 * n if n % 2 else 2 * n + 1}"  # right on odd questions, wrong on even ones

    fast = ScriptedModel([ScriptedReply("I am not sure", confidence=0.3)], name="fast", repeat_last=True)
    thinker = ScriptedModel([thinker_reply], name="thinker", repeat_last=True)
    agent = Agent(fast=fast, thinker=thinker, estimate="tokens")
    gain, path, runs = calibrate_pair(agent, load_tasks(tasks_file))
    assert path == pair_path("fast", "thinker") and path.exists()
    assert len(runs) == 8 and sum(r["think_correct"] for r in runs) == 4
    assert gain.meta["n"] == 8 and gain.pair == ("fast", "thinker")
    assert Agent(fast=fast, thinker=thinker).gain is not None


def test_fit_gain_needs_both_outcomes():
    run = {"signals": {}, "think": {}, "difficulty": 0.5, "think_correct": True}
    with pytest.raises(ValueError):
        fit_gain([run, run, run])
