"""The staged difficulty estimate of one step, in [0, 1].

Stage 1 (free): the draft's own token signals. A draft that states no answer
(cut off by its token cap, or rambling) is maximally uncertain. Stage 2
(paid, only when stage 1 is ambiguous or the backend gives no logprobs): k
cheap samples from the fast model and their agreement with the draft.

Both stages map signals to a probability that the fast answer is wrong with
a logistic model. The defaults ship in ``policies/calibration_default.json``
(fitted by ``bench/difficulty.py`` on the embedded model); fit your own with
``LogisticCalibration.fit`` on labelled runs and pass it in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from thinkdial.policies.answers import extract_answer, normalize_answer
from thinkdial.policies.calibration import LogisticCalibration
from thinkdial.policies.signals import CompletionLike, agreement, compute_token_signals

DEFAULT_CALIBRATION_FILE = Path(__file__).with_name("calibration_default.json")

TOKEN_FEATURES = ["mean_entropy", "min_token_prob", "group_confidence", "tail_confidence", "answer_entropy"]
SAMPLE_FEATURES = ["agreement", "draft_agrees", "tokens_difficulty"]


@dataclass
class Estimate:
    """A difficulty and the signals it came from."""

    difficulty: float
    signals: dict[str, float]
    used: list[str]
    stage: str
    """"tokens" (draft only), "no_answer", or "samples" (draft + k samples)."""
    answer: str | None = None


def _fallback_tokens_model() -> LogisticCalibration:
    # Hand-set before any fit: high entropy and low confidence mean "probably wrong".
    return LogisticCalibration(
        features=["mean_entropy", "min_token_prob"],
        weights=[1.2, -0.8],
        bias=0.0,
        means=[0.8, 0.2],
        scales=[0.5, 0.2],
    )


def _fallback_samples_model() -> LogisticCalibration:
    return LogisticCalibration(
        features=["agreement", "draft_agrees", "tokens_difficulty"],
        weights=[-2.0, -0.8, 0.8],
        bias=0.0,
        means=[0.6, 0.6, 0.5],
        scales=[0.3, 0.5, 0.25],
    )


def hand_set_calibration() -> dict[str, LogisticCalibration]:
    """The hand-set models used before any fit (tests use them to stay independent of the shipped fit)."""
    return {"tokens": _fallback_tokens_model(), "samples": _fallback_samples_model()}


def load_calibration(path: str | Path | None = None) -> dict[str, LogisticCalibration]:
    """The ``tokens`` and ``samples`` models from a calibration file (the shipped defaults when None)."""
    file = Path(path) if path is not None else DEFAULT_CALIBRATION_FILE
    if file.exists():
        data = json.loads(file.read_text())
        return {k: LogisticCalibration.from_dict(v) for k, v in data["models"].items()}
    return hand_set_calibration()


def answer_span_entropy(completion: CompletionLike, answer: str | None) -> float | None:
    """Mean entropy of the tokens that spell the extracted answer (the part that matters most)."""
    tokens = getattr(completion, "tokens", None)
    if not tokens or not answer:
        return None
    text = ""
    spans: list[tuple[int, int]] = []
    for t in tokens:
        spans.append((len(text), len(text) + len(t.token)))
        text += t.token
    start = text.rfind(answer)
    if start < 0:
        return None
    end = start + len(answer)
    ents = [t.entropy for t, (a, b) in zip(tokens, spans) if b > start and a < end and t.entropy is not None]
    return sum(ents) / len(ents) if ents else None


@dataclass
class DifficultyEstimator:
    """Estimates a step's difficulty in stages.

    Args:
        calibration: models keyed ``"tokens"`` and ``"samples"``; the shipped defaults when None.
        ambiguous: stage-1 difficulties in this closed band trigger stage 2.
        samples: k, the number of extra fast samples in stage 2.
    """

    calibration: dict[str, LogisticCalibration] | None = None
    ambiguous: tuple[float, float] = (0.2, 0.8)
    samples: int = 4
    sample_temperature: float = 0.8
    models: dict[str, LogisticCalibration] = field(init=False)

    def __post_init__(self) -> None:
        self.models = self.calibration or load_calibration()

    def from_draft(self, draft: CompletionLike, finish_reason: str = "stop") -> Estimate:
        """Stage 1: the draft alone."""
        answer = extract_answer(getattr(draft, "text", ""))
        if answer is None:
            return Estimate(1.0, {"has_answer": 0.0}, ["has_answer"], "no_answer", None)
        signals = compute_token_signals(draft)
        span = answer_span_entropy(draft, answer)
        if span is not None:
            signals["answer_entropy"] = span
        if not signals:
            return Estimate(0.5, {"has_answer": 1.0}, ["has_answer"], "no_logprobs", answer)
        model = self.models["tokens"]
        d = model.predict(signals)
        used = [f for f in model.features if f in signals]
        signals["tokens_difficulty"] = d
        return Estimate(d, signals, used, "tokens", answer)

    def needs_samples(self, estimate: Estimate) -> bool:
        """True when stage 1 cannot decide on its own."""
        if estimate.stage == "no_answer":
            return False
        if estimate.stage == "no_logprobs":
            return True
        lo, hi = self.ambiguous
        return lo <= estimate.difficulty <= hi

    def with_samples(self, estimate: Estimate, sample_texts: Sequence[str]) -> Estimate:
        """Stage 2: add the agreement of k samples with each other and with the draft."""
        answers = [extract_answer(t) for t in sample_texts]
        pool = [estimate.answer, *answers]
        signals = dict(estimate.signals)
        signals["agreement"] = agreement(pool) or 0.0
        draft_norm = normalize_answer(estimate.answer)
        same = sum(1 for a in answers if a is not None and normalize_answer(a) == draft_norm)
        signals["draft_agrees"] = same / len(answers) if answers else 0.0
        signals.setdefault("tokens_difficulty", 0.5)
        model = self.models["samples"]
        d = model.predict(signals)
        used = [f for f in model.features if f in signals]
        return Estimate(d, signals, used, "samples", estimate.answer)

