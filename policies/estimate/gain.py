"""Whether thinking will pay: the calibrated probability that the thinker's answer is right.

The difficulty estimate gives P(draft wrong). Escalating pays only when the
thinker is likely to do better, so a pair (fast model, thinker) may carry a
second calibration, fitted from labelled runs of both routes
(``bench/gain_eval.py``; ``thinkdial calibrate --pair`` for your own pair):

* ``before``: P(thinker right) from what is known before thinking: the draft's
  difficulty and signals, and whether the question is a computation a tool can
  do exactly. The adaptive policy escalates for the expected gain
  ``P(thinker right) - P(draft right)`` (RouteLLM's "will the strong model win",
  asked per step, from the draft).
* ``after``: the same, with what the think route measured of its own answer
  (vote share of its chains, token confidence, whether it finished, whether it
  agrees with the draft, whether tools grounded it). After thinking the answer
  more likely right is kept.

A pair without a calibration trusts its thinker: people choose a thinker
because it is stronger. The shipped file fits the embedded pair (the same 135M
model drafting and thinking).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thinkdial.policies.estimate.calibration import LogisticCalibration, calibration_dir, model_key

__all__ = ["AFTER_FEATURES", "BEFORE_FEATURES", "GainCalibration", "fit_gain", "gain_features", "load_gain", "pair_path"]

DEFAULT_GAIN_FILE = Path(__file__).with_name("gain_default.json")
BEFORE_FEATURES = ["difficulty", "computable", "claim_false", "claim_true", "hedged", "cut_off"]
"""What the before-thinking model reads: the draft's difficulty and signals, and whether a tool can compute the answer."""
AFTER_FEATURES = [*BEFORE_FEATURES, "vote_share", "thinker_confidence", "thinker_finished", "agrees_with_draft",
                  "tool_grounded"]
"""The after-thinking model reads the think route's own measurements as well."""


@dataclass
class GainCalibration:
    """P(thinker right) for one (fast, thinker) pair, before and after thinking."""

    before: LogisticCalibration
    after: LogisticCalibration
    pair: tuple[str, str] = ("", "")
    meta: dict[str, Any] = field(default_factory=dict)

    def thinker_right_before(self, difficulty: float, signals: Mapping[str, float]) -> float:
        """P(thinker right) before thinking, from the draft's ``difficulty`` and ``signals``."""
        return self.before.predict({**signals, "difficulty": difficulty})

    def thinker_right_after(self, difficulty: float, signals: Mapping[str, float], think: Mapping[str, float]) -> float:
        """P(thinker right) after thinking, with the think route's measurements ``think``."""
        return self.after.predict({**signals, **think, "difficulty": difficulty})

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``pair``, ``before``, ``after``, ``meta``)."""
        return {"pair": list(self.pair), "before": self.before.to_dict(), "after": self.after.to_dict(), "meta": self.meta}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GainCalibration:
        """Read :meth:`to_dict`'s form."""
        pair = tuple(data.get("pair") or ("", ""))
        return cls(LogisticCalibration.from_dict(data["before"]), LogisticCalibration.from_dict(data["after"]),
                   (str(pair[0]), str(pair[1])), dict(data.get("meta") or {}))

    def save(self, path: str | Path) -> Path:
        """Write the calibration as JSON; returns the path."""
        file = Path(path)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return file


def pair_path(fast: str, thinker: str) -> Path:
    """Where ``thinkdial calibrate --pair`` stores a pair's calibration."""
    return calibration_dir() / f"gain--{model_key(fast)}--{model_key(thinker)}.json"


def load_gain(fast: str, thinker: str) -> GainCalibration | None:
    """The pair's stored calibration, else the shipped one when it was fitted for this very pair, else None."""
    for file in (pair_path(fast, thinker), DEFAULT_GAIN_FILE):
        if not file.exists():
            continue
        try:
            gain = GainCalibration.from_dict(json.loads(file.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if file != DEFAULT_GAIN_FILE or (model_key(gain.pair[0]), model_key(gain.pair[1])) == (model_key(fast), model_key(thinker)):
            return gain
    return None


def gain_features(run: Mapping[str, Any]) -> dict[str, float]:
    """The before- and after-thinking features of one paired run (a row of ``thinkdial calibrate --thinker``)."""
    f = {k: float(v) for k, v in (run.get("signals") or {}).items() if isinstance(v, (int, float))}
    f.update({k: float(v) for k, v in (run.get("think") or {}).items() if isinstance(v, (int, float))})
    f["difficulty"] = float(run["difficulty"])
    if run.get("tool_calls"):
        f["tool_grounded"] = 1.0
    return f


def fit_gain(runs: Sequence[Mapping[str, Any]], pair: tuple[str, str] = ("", ""), l2: float = 2.0) -> GainCalibration:
    """Fit a pair's calibration from paired runs: label 1 where the thinker's own answer was right.

    Runs where a failure rule kept the draft (``kept_draft_by``) say nothing about the thinker's answer and are left
    out. Raises ValueError when the thinker was always right or always wrong (nothing to learn).
    """
    usable = [r for r in runs if not r.get("kept_draft_by")]
    xs = [gain_features(r) for r in usable]
    ys = [int(bool(r["think_correct"])) for r in usable]
    before = LogisticCalibration.fit(xs, ys, BEFORE_FEATURES, l2=l2)
    after = LogisticCalibration.fit(xs, ys, AFTER_FEATURES, l2=l2)
    return GainCalibration(before, after, pair, {"n": len(ys), "thinker_right": sum(ys)})
