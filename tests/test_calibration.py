"""AUROC and the logistic calibration, in pure Python."""

from __future__ import annotations

import json
import math
import random

import pytest

from thinkdial.policies.estimate.calibration import LogisticCalibration, auroc

# ----------------------------------------------------------------------------- auroc


def test_auroc_perfect_reversed_and_ties():
    assert auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == 1.0
    assert auroc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]) == 0.0
    assert auroc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]) == 0.5


def test_auroc_known_value_with_partial_ties():
    # Pairs (pos, neg): (0.8,0.3)=1 (0.8,0.8)=0.5 (0.4,0.3)=1 (0.4,0.8)=0 -> 2.5/4
    assert auroc([0.8, 0.4, 0.3, 0.8], [1, 1, 0, 0]) == pytest.approx(0.625)
    # Unbalanced: pairs (0.6,{0.1,0.7,0.2}) -> 2 of 3
    assert auroc([0.6, 0.1, 0.7, 0.2], [1, 0, 0, 0]) == pytest.approx(2 / 3)


def test_auroc_matches_brute_force():
    rng = random.Random(0)
    scores = [round(rng.random(), 1) for _ in range(60)]  # coarse, so lots of ties
    labels = [int(rng.random() < 0.4) for _ in range(60)]
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    brute = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))
    assert auroc(scores, labels) == pytest.approx(brute)


def test_auroc_errors():
    with pytest.raises(ValueError):
        auroc([0.1, 0.2], [1, 1])
    with pytest.raises(ValueError):
        auroc([0.1, 0.2], [0, 0])
    with pytest.raises(ValueError):
        auroc([0.1], [0, 1])
    with pytest.raises(ValueError):
        auroc([0.1, 0.2], [0, 2])
    with pytest.raises(ValueError):
        auroc([], [])


# ----------------------------------------------------------------------------- logistic


def _toy(n: int = 60, seed: int = 1):
    """Entropy high and confidence low <=> the fast answer was wrong (label 1)."""
    rng = random.Random(seed)
    rows, labels = [], []
    for i in range(n):
        wrong = i % 2
        entropy = (1.5 if wrong else 0.4) + rng.uniform(-0.3, 0.3)
        conf = (3.0 if wrong else 8.0) + rng.uniform(-1.0, 1.0)
        rows.append({"mean_entropy": entropy, "group_confidence": conf, "noise": rng.gauss(0, 1)})
        labels.append(wrong)
    return rows, labels


def test_fit_separates_a_separable_set():
    rows, labels = _toy()
    model = LogisticCalibration.fit(rows, labels, ["mean_entropy", "group_confidence"], l2=0.1)
    probs = [model.predict(r) for r in rows]
    assert all((p > 0.5) == bool(y) for p, y in zip(probs, labels, strict=True))
    assert auroc(probs, labels) == 1.0
    assert all(0.0 <= p <= 1.0 for p in probs)
    # Signs make sense: entropy pushes up, confidence pushes down.
    assert model.weights[0] > 0 and model.weights[1] < 0
    assert all(math.isfinite(w) for w in model.weights)


def test_fit_is_deterministic_and_l2_shrinks():
    rows, labels = _toy()
    feats = ["mean_entropy", "group_confidence", "noise"]
    a = LogisticCalibration.fit(rows, labels, feats, l2=1.0)
    b = LogisticCalibration.fit(rows, labels, feats, l2=1.0)
    assert a.weights == b.weights and a.bias == b.bias
    strong = LogisticCalibration.fit(rows, labels, feats, l2=50.0)
    assert sum(w * w for w in strong.weights) < sum(w * w for w in a.weights)


def test_fit_recovers_a_known_model():
    # Labels drawn from p = sigmoid(2 x - 1) with x ~ N(0, 1); l2 ~ 0 -> close to the truth.
    rng = random.Random(7)
    rows, labels = [], []
    for _ in range(400):
        x = rng.gauss(0.0, 1.0)
        rows.append({"x": x})
        labels.append(int(rng.random() < 1 / (1 + math.exp(-(2 * x - 1)))))
    model = LogisticCalibration.fit(rows, labels, ["x"], l2=1e-6)
    slope = model.weights[0] / model.scales[0]
    intercept = model.bias - slope * model.means[0]
    assert slope == pytest.approx(2.0, abs=0.5)
    assert intercept == pytest.approx(-1.0, abs=0.4)


def test_missing_features_use_the_mean():
    rows, labels = _toy()
    model = LogisticCalibration.fit(rows, labels, ["mean_entropy", "group_confidence"])
    at_mean = {"mean_entropy": model.means[0], "group_confidence": model.means[1]}
    assert model.predict({}) == pytest.approx(model.predict(at_mean))
    assert model.predict({"mean_entropy": None, "group_confidence": float("nan")}) == pytest.approx(
        model.predict({})
    )
    only_entropy = {"mean_entropy": 2.0}
    assert model.predict(only_entropy) == pytest.approx(model.predict({**only_entropy, "group_confidence": model.means[1]}))
    # Extra keys are ignored.
    assert model.predict({**only_entropy, "unrelated": 99.0}) == pytest.approx(model.predict(only_entropy))


def test_fit_with_missing_values_and_constant_feature():
    rows, labels = _toy(40)
    for i, r in enumerate(rows):
        r["constant"] = 3.0
        if i % 5 == 0:
            del r["mean_entropy"]
    model = LogisticCalibration.fit(rows, labels, ["mean_entropy", "group_confidence", "constant", "absent"])
    assert model.weights[2] == 0.0 and model.weights[3] == 0.0
    assert model.scales[2] == 1.0 and model.scales[3] == 1.0
    assert auroc([model.predict(r) for r in rows], labels) > 0.95


def test_fit_errors():
    rows, labels = _toy(10)
    with pytest.raises(ValueError):
        LogisticCalibration.fit(rows, [0] * 10, ["mean_entropy"])
    with pytest.raises(ValueError):
        LogisticCalibration.fit(rows, labels[:-1], ["mean_entropy"])
    with pytest.raises(ValueError):
        LogisticCalibration.fit(rows, [2] * 10, ["mean_entropy"])
    with pytest.raises(ValueError):
        LogisticCalibration.fit(rows, labels, ["mean_entropy"], l2=-1)
    with pytest.raises(ValueError):
        LogisticCalibration(features=["a", "b"], weights=[1.0])


def test_predict_is_stable_for_extreme_inputs():
    model = LogisticCalibration(features=["x"], weights=[10.0], bias=0.0)
    assert model.predict({"x": 1e6}) == 1.0
    assert model.predict({"x": -1e6}) == 0.0
    assert model.predict({"x": 0.0}) == 0.5


def test_save_load_round_trip(tmp_path):
    rows, labels = _toy()
    model = LogisticCalibration.fit(rows, labels, ["mean_entropy", "group_confidence"])
    model.meta["label"] = "fast answer wrong"
    path = tmp_path / "calibration.json"
    model.save(path)
    data = json.loads(path.read_text())
    assert data["kind"] == "logistic" and data["features"] == ["mean_entropy", "group_confidence"]
    loaded = LogisticCalibration.load(path)
    assert loaded == model
    for r in rows:
        assert loaded.predict(r) == model.predict(r)
    with pytest.raises(ValueError):
        LogisticCalibration.from_dict({**data, "kind": "isotonic"})
