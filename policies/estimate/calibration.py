"""Calibrating uncertainty signals against labelled runs.

* :func:`auroc` measures how well one score separates two classes, e.g. "the
  fast draft was wrong" (label 1) from "it was right" (label 0).
* :class:`LogisticCalibration` combines several signals into one probability
  (the controller's difficulty in [0, 1]) with a small L2-regularised logistic
  regression, fitted by Newton's method in pure Python and stored as JSON.

No numpy: datasets here are tens to hundreds of rows and a handful of
features, and ``policies`` must import instantly.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "LogisticCalibration",
    "auroc",
    "calibration_dir",
    "calibration_path",
    "model_key",
    "read_calibration_file",
    "save_calibration_file",
]


def auroc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve of ``scores`` for predicting ``labels == 1``.

    Equals the probability that a random positive scores higher than a random
    negative, ties counting one half (the Mann-Whitney U statistic with
    average ranks for ties). 1.0 is a perfect ranking, 0.5 chance, 0.0 a
    perfectly reversed one.

    Raises ValueError when the lengths differ, a label is not 0/1, a score is
    NaN, or only one class is present.
    """
    if len(scores) != len(labels):
        raise ValueError(f"scores and labels differ in length ({len(scores)} != {len(labels)})")
    ys = [int(y) for y in labels]
    if any(y not in (0, 1) for y in ys):
        raise ValueError("labels must be 0 or 1")
    xs = [float(s) for s in scores]
    if any(math.isnan(x) for x in xs):
        raise ValueError("scores must not be NaN")
    n_pos = sum(ys)
    n_neg = len(ys) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("auroc needs at least one positive and one negative label")

    order = sorted(range(len(xs)), key=lambda i: xs[i])
    ranks = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        average = (i + j) / 2.0 + 1.0  # 1-based average rank of the tie group
        for k in range(i, j + 1):
            ranks[order[k]] = average
        i = j + 1
    rank_sum = sum(r for r, y in zip(ranks, ys, strict=False) if y == 1)
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _log1pexp(z: float) -> float:
    """log(1 + exp(z)) without overflow."""
    return z + math.log1p(math.exp(-z)) if z > 0 else math.log1p(math.exp(z))


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Solve the small dense system ``a x = b`` (Gaussian elimination, partial pivoting)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        if abs(m[pivot][col]) < 1e-300:
            raise ArithmeticError("singular system")
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            if f:
                for c in range(col, n + 1):
                    m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def _value(signals: Mapping[str, Any], name: str) -> float | None:
    """A usable float for feature ``name``, or None when missing / None / NaN / inf."""
    v = signals.get(name)
    if v is None:
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


@dataclass
class LogisticCalibration:
    """``p = sigmoid(bias + sum_j weights[j] * (x_j - means[j]) / scales[j])``.

    Features are standardised with the training means and standard deviations,
    so a missing feature (absent, None or NaN) is replaced by its mean and
    contributes nothing. ``meta`` holds free-form notes (training size,
    training AUROC, what label 1 means, ...) and is saved with the model.
    """

    features: list[str]
    weights: list[float]
    bias: float = 0.0
    means: list[float] = field(default_factory=list)
    scales: list[float] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.features)
        if not self.means:
            self.means = [0.0] * n
        if not self.scales:
            self.scales = [1.0] * n
        if not (len(self.weights) == len(self.means) == len(self.scales) == n):
            raise ValueError("features, weights, means and scales must have the same length")
        if any(not s > 0 for s in self.scales):
            raise ValueError("scales must be positive")

    # ------------------------------------------------------------------ prediction

    def standardize(self, signals: Mapping[str, Any]) -> list[float]:
        """The standardised feature vector of one row (0.0 for missing features)."""
        out = []
        for name, mean, scale in zip(self.features, self.means, self.scales, strict=False):
            x = _value(signals, name)
            out.append(0.0 if x is None else (x - mean) / scale)
        return out

    def logit(self, signals: Mapping[str, Any]) -> float:
        """The linear score before the sigmoid."""
        return self.bias + sum(w * z for w, z in zip(self.weights, self.standardize(signals), strict=False))

    def predict(self, signals: Mapping[str, Any]) -> float:
        """Probability in [0, 1] that the row is positive (label 1)."""
        return _sigmoid(self.logit(signals))

    # ------------------------------------------------------------------ fitting

    @classmethod
    def fit(
        cls,
        rows: Sequence[Mapping[str, Any]],
        labels: Sequence[int],
        features: Sequence[str],
        l2: float = 1.0,
        iters: int = 50,
        tol: float = 1e-9,
    ) -> LogisticCalibration:
        """Fit on ``rows`` (signal dicts) and 0/1 ``labels``.

        Minimises the negative log-likelihood plus ``l2/2 * ||weights||^2``
        (the bias is not penalised) over standardised features, with Newton's
        method and step halving; deterministic, converges in a few
        iterations. ``l2 > 0`` keeps the weights finite on separable data.
        Missing values are imputed with the feature's mean. A feature that is
        constant (or always missing) gets scale 1 and weight 0.

        Raises ValueError on mismatched lengths, labels other than 0/1, a
        negative ``l2`` or a single class.
        """
        features = list(features)
        if len(rows) != len(labels):
            raise ValueError(f"rows and labels differ in length ({len(rows)} != {len(labels)})")
        ys = [int(y) for y in labels]
        if any(y not in (0, 1) for y in ys):
            raise ValueError("labels must be 0 or 1")
        if 0 in (sum(ys), len(ys) - sum(ys)):
            raise ValueError("fit needs at least one positive and one negative label")
        if l2 < 0:
            raise ValueError("l2 must be >= 0")

        means: list[float] = []
        scales: list[float] = []
        for name in features:
            present = [x for x in (_value(r, name) for r in rows) if x is not None]
            mean = sum(present) / len(present) if present else 0.0
            var = sum((x - mean) ** 2 for x in present) / len(present) if present else 0.0
            std = math.sqrt(var)
            means.append(mean)
            scales.append(std if std > 1e-12 else 1.0)

        model = cls(features=features, weights=[0.0] * len(features), bias=0.0, means=means, scales=scales)
        xs = [model.standardize(r) for r in rows]
        d = len(features)
        # Constant features carry no information: pin their weight to zero.
        active = [j for j in range(d) if any(x[j] != 0.0 for x in xs)]
        rate = sum(ys) / len(ys)
        theta = [math.log(rate / (1.0 - rate))] + [0.0] * len(active)  # [bias, active weights]

        def design(x: list[float]) -> list[float]:
            return [1.0] + [x[j] for j in active]

        zs = [design(x) for x in xs]

        def objective(t: list[float]) -> float:
            loss = 0.0
            for z, y in zip(zs, ys, strict=False):
                s = sum(a * b for a, b in zip(t, z, strict=False))
                loss += _log1pexp(s) - y * s
            return loss + 0.5 * l2 * sum(w * w for w in t[1:])

        current = objective(theta)
        n_par = len(theta)
        for _ in range(iters):
            grad = [0.0] * n_par
            hess = [[0.0] * n_par for _ in range(n_par)]
            for z, y in zip(zs, ys, strict=False):
                p = _sigmoid(sum(a * b for a, b in zip(theta, z, strict=False)))
                r = p - y
                w = p * (1.0 - p)
                for i in range(n_par):
                    grad[i] += r * z[i]
                    wz = w * z[i]
                    for j in range(i, n_par):
                        hess[i][j] += wz * z[j]
            for i in range(n_par):
                for j in range(i):
                    hess[i][j] = hess[j][i]
            for i in range(1, n_par):
                grad[i] += l2 * theta[i]
                hess[i][i] += l2
            hess[0][0] += 1e-9  # keeps the system solvable when l2 == 0 and p saturates
            for i in range(1, n_par):
                hess[i][i] += 1e-9
            try:
                step = _solve(hess, grad)
            except ArithmeticError:
                break
            scale = 1.0
            improved = False
            while scale > 1e-6:
                candidate = [t - scale * s for t, s in zip(theta, step, strict=False)]
                value = objective(candidate)
                if value <= current:
                    improved = True
                    break
                scale *= 0.5
            if not improved:
                break
            decrease = current - value
            theta, current = candidate, value
            if decrease <= tol * (1.0 + abs(current)):
                break

        weights = [0.0] * d
        for k, j in enumerate(active):
            weights[j] = theta[k + 1]
        model.weights = weights
        model.bias = theta[0]
        model.meta = {"n": len(ys), "positives": sum(ys), "l2": l2}
        return model

    # ------------------------------------------------------------------ persistence

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "logistic", "version": 1, **asdict(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LogisticCalibration:
        kind = data.get("kind", "logistic")
        if kind != "logistic":
            raise ValueError(f"not a logistic calibration: kind={kind!r}")
        return cls(
            features=[str(f) for f in data["features"]],
            weights=[float(w) for w in data["weights"]],
            bias=float(data.get("bias", 0.0)),
            means=[float(m) for m in data.get("means", [])],
            scales=[float(s) for s in data.get("scales", [])],
            meta=dict(data.get("meta", {})),
        )

    def save(self, path: str | Path) -> None:
        """Write the model as JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> LogisticCalibration:
        """Read a model written by :meth:`save`."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


# ----------------------------------------------------------------------------- per-model storage


def calibration_dir() -> Path:
    """Where per-model calibrations live: ``$XDG_CONFIG_HOME/thinkdial/calibration`` (``~/.config`` by default)."""
    import os

    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "thinkdial" / "calibration"


def model_key(model_name: str) -> str:
    """A file-safe key for a model name ("openai/gpt-4o-mini" -> "openai--gpt-4o-mini")."""
    import re

    key = re.sub(r"[^A-Za-z0-9._-]+", "--", model_name.strip()).strip("-.")
    return key or "default"


def calibration_path(model_name: str) -> Path:
    """The calibration file of one model under :func:`calibration_dir`."""
    return calibration_dir() / f"{model_key(model_name)}.json"


def save_calibration_file(
    path: str | Path, models: Mapping[str, LogisticCalibration], meta: Mapping[str, Any] | None = None
) -> Path:
    """Write a calibration file (``{"source", "meta", "models": {name: logistic}}``); returns its path."""
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    data = {**dict(meta or {}), "models": {k: v.to_dict() for k, v in models.items()}}
    file.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return file


def read_calibration_file(path: str | Path) -> tuple[dict[str, LogisticCalibration], dict[str, Any]]:
    """The models and the other top-level keys (source, AUROC, threshold table, ...) of a calibration file."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    models = {k: LogisticCalibration.from_dict(v) for k, v in data.get("models", {}).items()}
    meta = {k: v for k, v in data.items() if k != "models"}
    return models, meta
