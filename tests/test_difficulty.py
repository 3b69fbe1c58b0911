"""The difficulty estimator, per-model calibration, `thinkdial calibrate` and the target-share policy (scripted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from thinkdial.calibrate import calibrate, read_prompts
from thinkdial.models.base import ModelRequest
from thinkdial.models.scripted import ScriptedModel, ScriptedReply
from thinkdial.policies.estimate.calibration import LogisticCalibration, calibration_path, save_calibration_file
from thinkdial.policies.estimate.difficulty import DifficultyEstimator, hand_set_calibration
from thinkdial.policies.routing import RouteContext, TargetSharePolicy, get_policy, share_threshold


def draft(text: str, confidence: float = 0.95, name: str = "scripted"):
    import asyncio

    model = ScriptedModel(ScriptedReply(text, confidence=confidence), name=name)
    return asyncio.run(model.complete(ModelRequest(messages=[], max_tokens=64)))


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    return tmp_path


def test_hedged_answer_is_uncertain_not_unanswered() -> None:
    est = DifficultyEstimator(calibration=hand_set_calibration())
    e = est.from_draft(draft('The opposite of "hot" is "cold" or ...'), "stop", prompt='What is the opposite of "hot"?')
    assert e.stage == "tokens"
    assert e.answer == "cold"
    assert e.signals["hedged"] == 1.0
    assert e.difficulty < 1.0


def test_answer_span_signals_follow_the_answer_tokens() -> None:
    est = DifficultyEstimator(calibration=hand_set_calibration())
    sure = est.from_draft(draft("The capital of France is Paris.", [0.99]), prompt="Capital of France?")
    unsure = est.from_draft(draft("The capital of France is Paris.", [0.99] * 5 + [0.2, 0.99]), prompt="Capital of France?")
    assert sure.signals["answer_logprob"] > unsure.signals["answer_logprob"]
    assert unsure.signals["answer_first_prob"] == pytest.approx(0.2, rel=1e-3)


def test_no_answer_is_maximal() -> None:
    e = DifficultyEstimator(calibration=hand_set_calibration()).from_draft(draft("To solve this we need to add the"), "length")
    assert (e.stage, e.difficulty, e.answer) == ("no_answer", 1.0, None)


def test_samples_agree_by_equivalence_and_hedges_split_votes() -> None:
    est = DifficultyEstimator(calibration=hand_set_calibration())
    e = est.from_draft(draft("The answer is 1,000 meters."))
    agreeing = est.with_samples(e, ["1000", "It is 1000 m.", "The answer is 1000."])
    assert agreeing.signals["agreement"] == 1.0 and agreeing.signals["draft_agrees"] == 1.0
    split = est.with_samples(est.from_draft(draft("cold or warm")), ["cold", "warm", "hot"])
    assert split.signals["agreement"] == pytest.approx(1.5 / 4)
    assert agreeing.difficulty < split.difficulty


def test_stored_calibration_is_picked_up_by_model_name() -> None:
    always_hard = LogisticCalibration(features=["hedged"], weights=[0.0], bias=5.0)
    models = {**hand_set_calibration(), "tokens": always_hard}
    save_calibration_file(calibration_path("my/model"), models)
    est = DifficultyEstimator()
    mine = est.from_draft(draft("Paris", name="my/model"))
    other = est.from_draft(draft("Paris", name="someone-else"))
    assert mine.difficulty > 0.99
    assert other.difficulty < 0.99
    assert DifficultyEstimator(calibration=hand_set_calibration()).from_draft(draft("Paris", name="my/model")).difficulty < 0.99


def test_self_check_stage_only_when_calibrated() -> None:
    est = DifficultyEstimator(calibration=hand_set_calibration())
    e = est.from_draft(draft("Paris"))
    assert not est.has_self_check()
    assert est.with_self_check(e, draft("No")) is e
    check = LogisticCalibration(features=["self_check_yes"], weights=[-3.0], bias=0.0, means=[0.5], scales=[0.5])
    est2 = DifficultyEstimator(calibration={**hand_set_calibration(), "self_check": check})
    no = est2.with_self_check(est2.from_draft(draft("Paris")), draft("No", 0.99))
    yes = est2.with_self_check(est2.from_draft(draft("Paris")), draft("Yes", 0.99))
    assert no.stage == "self_check" and no.difficulty > yes.difficulty
    assert "Paris" in est2.self_check_messages("Capital of France?", "Paris")[0].content


def test_share_policy_escalates_the_chosen_share() -> None:
    quantiles = [i / 20 for i in range(21)]
    assert share_threshold(quantiles, 0.3) == pytest.approx(0.7)
    policy = TargetSharePolicy(share=0.3, quantiles=quantiles)
    difficulties = [i / 100 for i in range(100)]
    escalated = sum(policy.decide(RouteContext(d, {}, None)).action == "escalate" for d in difficulties)
    assert escalated == 30
    import random

    stream = difficulties * 4
    random.Random(0).shuffle(stream)
    online = TargetSharePolicy(share=0.25, warmup=40)
    acts = [online.decide(RouteContext(d, {}, None)).action for d in stream]
    assert 0.2 <= acts[100:].count("escalate") / 300 <= 0.3
    assert isinstance(get_policy("share:0.2"), TargetSharePolicy)
    with pytest.raises(ValueError):
        TargetSharePolicy(share=1.5)


def _labelled_tasks():
    from thinkdial.benchmark.tasks import parse_task

    return [parse_task({"id": f"t{i}", "prompt": f"What is {i} + {i}?", "kind": "add",
                        "check": {"type": "number", "value": 2 * i, "tolerance": 0}}) for i in range(1, 13)]


def test_calibrate_labelled_stores_per_model(config_home: Path) -> None:
    def reply(request: ModelRequest):
        q = request.messages[-1].content
        i = int(q.split()[2])
        if request.temperature > 0:
            return str(2 * i) if i % 2 else str(2 * i + (request.seed or 0))
        # even questions: wrong and unsure; odd: right and sure
        return ScriptedReply(f"The answer is {2 * i}.", confidence=0.97) if i % 2 else \
            ScriptedReply(f"The answer is {2 * i + 1}.", confidence=[0.97, 0.97, 0.3])

    model = ScriptedModel(reply, name="tiny")
    fit, path = calibrate(model, tasks=_labelled_tasks(), samples=2)
    assert path == calibration_path("tiny") and path.exists()
    assert fit.label == "wrong" and fit.n == 12 and fit.positives == 6
    assert fit.auroc is not None and fit.auroc > 0.9
    est = DifficultyEstimator()
    right = est.from_draft(draft("The answer is 4.", 0.97, name="tiny"))
    wrong = est.from_draft(draft("The answer is 5.", [0.97, 0.97, 0.3], name="tiny"))
    assert wrong.difficulty > right.difficulty


def test_calibrate_label_free(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("\n".join(f"What is {i} + {i}?" for i in range(1, 13)) + "\n")

    def reply(request: ModelRequest):
        i = int(request.messages[-1].content.split()[2])
        if request.temperature > 0:  # samples disagree exactly where the draft was unsure
            return str(2 * i) if i % 2 else str(100 + (request.seed or 0))
        return ScriptedReply(f"The answer is {2 * i}.", confidence=0.97 if i % 2 else [0.97, 0.97, 0.3])

    out = tmp_path / "cal.json"
    fit, path = calibrate(ScriptedModel(reply, name="tiny"), prompts=read_prompts(prompts), samples=3, out=out)
    assert path == out and fit.label == "samples_disagree" and fit.positives == 6
    with pytest.raises(ValueError):
        calibrate(ScriptedModel(reply, name="tiny"), prompts=read_prompts(prompts), samples=1)


def test_a_draft_whose_arithmetic_is_false_is_harder_than_the_same_draft_with_true_arithmetic() -> None:
    est = DifficultyEstimator()  # the shipped calibration, which uses the claim checks
    prompt = "What is 23 * 14?"
    wrong = est.from_draft(draft("23 * 14 = 312", confidence=0.9), "stop", prompt=prompt)
    right = est.from_draft(draft("23 * 14 = 322", confidence=0.9), "stop", prompt=prompt)
    assert wrong.signals["claim_false"] == 1.0 and right.signals["claim_true"] == 1.0
    assert {"claim_false", "claim_true"} <= set(wrong.used)
    assert wrong.difficulty > right.difficulty + 0.3
