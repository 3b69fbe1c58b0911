"""The staged difficulty estimate of one step, in [0, 1].

Stage 1 (free): the draft's own token signals. A draft that states no answer
(cut off by its token cap, or rambling) is maximally uncertain. Stage 2
(paid, only when stage 1 is ambiguous or the backend gives no logprobs): k
cheap samples from the fast model and their agreement with the draft.

Stage 1 reads the answer out of the draft (:func:`read_answer`: quoted
answers, hedges, "The answer is ...", first sentences) and measures the
tokens that spell it (probability, first-token margin, entropy), next to the
whole draft's signals and whether it hedges. A hedge ("cold or warm") is
uncertain, not unanswered. Stage 2's agreement compares answers by
equivalence, and a hedge splits its vote between its candidates.

Both stages map signals to a probability that the fast answer is wrong with
a logistic model. Which calibration is used: the one passed in; else the
model's own, written by ``thinkdial calibrate`` under the config directory
(``$XDG_CONFIG_HOME/thinkdial/calibration/<model>.json``, looked up by the
draft's ``Completion.model``); else the shipped default for the embedded
model, ``policies/estimate/calibration_default.json`` (fitted by
``bench/difficulty_eval.py --save``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thinkdial.policies.checks import Check, default_checks, run_checks
from thinkdial.policies.estimate.calibration import LogisticCalibration, calibration_path, read_calibration_file
from thinkdial.policies.estimate.signals import (
    CompletionLike,
    answer_span_signals,
    candidate_agreement,
    compute_token_signals,
    verifier_yes_probability,
)
from thinkdial.policies.reading.answers import AnswerReading, answers_equivalent, read_answer

DEFAULT_CALIBRATION_FILE = Path(__file__).with_name("calibration_default.json")

TOKEN_FEATURES = [
    "hedged", "answer_logprob", "answer_first_margin", "answer_entropy", "mean_entropy", "min_token_prob",
    "tail_confidence", "cut_off", "claim_false", "claim_true",
]
"""The stage-1 signals the shipped fit and ``thinkdial calibrate`` use (chosen by leave-one-kind-out AUROC in
``bench/difficulty_eval.py``: the draft's token probabilities on its answer span and as a whole, whether it
hedges or was cut off, and whether the arithmetic and comparisons it states check out exactly;
:func:`draft_signals` computes more, and a calibration uses whichever its ``features`` list)."""
SAMPLE_FEATURES = ["agreement", "draft_agrees", "tokens_difficulty"]
SELF_CHECK_FEATURES = ["self_check_yes", "tokens_difficulty"]


@dataclass
class Estimate:
    """A difficulty and the signals it came from."""

    difficulty: float
    signals: dict[str, float]
    used: list[str]
    stage: str
    """"tokens" (draft only), "no_answer", "no_logprobs", "self_check" or "samples" (draft + k samples)."""
    answer: str | None = None
    candidates: list[str] = field(default_factory=list)
    """The distinct answers the draft names (two or more when it hedges)."""
    model: str = ""
    """The fast model that drafted (picks its calibration)."""


SELF_CHECK_TEMPLATE = (
    "Question: {question}\n"
    "Proposed answer: {answer}\n"
    "Is the proposed answer correct? Reply with yes or no."
)


def self_check_messages(question: str, answer: str) -> list[Any]:
    """Messages that ask the fast model whether ``answer`` answers ``question`` (read P(yes) from one token).

    Returned as ``thinkdial.models.Message`` objects when the runtime is installed (it always is in
    practice); ``policies`` imports it lazily so that it never depends on the runtime at import time.
    """
    from thinkdial.models.base import Message

    text = SELF_CHECK_TEMPLATE.format(question=question.strip(), answer=" ".join(answer.split())[:400])
    return [Message(role="user", content=text)]


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
    """The ``tokens`` and ``samples`` (and optional ``self_check``) models of a calibration file (the shipped
    defaults when None; the hand-set models when the file is missing)."""
    file = Path(path) if path is not None else DEFAULT_CALIBRATION_FILE
    if file.exists():
        models, _ = read_calibration_file(file)
        return models
    return hand_set_calibration()


def model_calibration(model_name: str | None) -> dict[str, LogisticCalibration] | None:
    """The calibration ``thinkdial calibrate`` stored for this model, or None when there is none."""
    if not model_name:
        return None
    file = calibration_path(model_name)
    if not file.exists():
        return None
    try:
        models, _ = read_calibration_file(file)
    except (OSError, ValueError, KeyError):
        return None
    return models if "tokens" in models else None


def draft_signals(
    draft: CompletionLike, finish_reason: str = "stop", prompt: str | None = None, checks: Sequence[Check] | None = None
) -> tuple[AnswerReading | None, dict[str, float]]:
    """The draft's answer reading and every stage-1 signal (a pure function of the draft).

    ``checks`` are the claim checks whose findings become the ``claim_false`` / ``claim_true`` signals
    (the default set when None; ``()`` for none).
    """
    text = getattr(draft, "text", "") or ""
    reading = read_answer(text, prompt)
    signals = compute_token_signals(draft)
    signals["cut_off"] = 1.0 if finish_reason == "length" else 0.0
    claims = run_checks(default_checks() if checks is None else checks, text, prompt)
    signals["claim_false"] = 1.0 if claims.false else 0.0
    signals["claim_true"] = 1.0 if claims.all_true else 0.0
    if reading is None:
        return None, signals
    signals["hedged"] = 1.0 if reading.hedged else 0.0
    signals["n_candidates"] = float(len(reading.candidates))
    if reading.start >= 0:
        signals.update(answer_span_signals(draft, reading.start, reading.end))
    return reading, signals


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
    model_name: str | None = None
    """Whose stored calibration to use; by default the drafting model's (``Completion.model``)."""
    models: dict[str, LogisticCalibration] = field(init=False)
    _per_model: dict[str, dict[str, LogisticCalibration]] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.models = self.calibration or model_calibration(self.model_name) or load_calibration()

    def models_for(self, model_name: str | None) -> dict[str, LogisticCalibration]:
        """The calibration used for drafts of ``model_name``: explicit, else stored for that model, else default."""
        if self.calibration is not None or self.model_name is not None or not model_name:
            return self.models
        if model_name not in self._per_model:
            self._per_model[model_name] = model_calibration(model_name) or self.models
        return self._per_model[model_name]

    def from_draft(
        self, draft: CompletionLike, finish_reason: str = "stop", *, prompt: str | None = None,
        checks: Sequence[Check] | None = None,
    ) -> Estimate:
        """Stage 1: the draft alone (``prompt``, the request, helps read the answer; ``checks`` judge its claims)."""
        name = str(getattr(draft, "model", "") or "")
        reading, signals = draft_signals(draft, finish_reason, prompt, checks)
        if reading is None:
            # How often a draft without a readable answer was wrong when this model was calibrated (1.0 before).
            d_none = float(self.models_for(name)["tokens"].meta.get("no_answer_difficulty", 1.0))
            return Estimate(d_none, {"has_answer": 0.0, **signals}, ["has_answer"], "no_answer", None, [], name)
        answer, cands = reading.text, reading.candidates
        if not getattr(draft, "tokens", None):
            return Estimate(0.5, {"has_answer": 1.0, **signals}, ["has_answer"], "no_logprobs", answer, cands, name)
        model = self.models_for(name)["tokens"]
        d = model.predict(signals)
        used = [f for f in model.features if f in signals]
        signals["tokens_difficulty"] = d
        return Estimate(d, signals, used, "tokens", answer, cands, name)

    def needs_samples(self, estimate: Estimate) -> bool:
        """True when stage 1 cannot decide on its own."""
        if estimate.stage == "no_answer":
            return False
        if estimate.stage == "no_logprobs":
            return True
        lo, hi = self.ambiguous
        return lo <= estimate.difficulty <= hi

    def with_samples(self, estimate: Estimate, sample_texts: Sequence[str]) -> Estimate:
        """Stage 2: add the agreement of k samples with each other and with the draft.

        Answers are compared by equivalence (numbers, case, quotes, units); a hedged
        answer splits its vote between the answers it names.
        """
        readings = [read_answer(t) for t in sample_texts]
        sample_cands = [r.candidates if r is not None else [] for r in readings]
        draft_cands = estimate.candidates or ([estimate.answer] if estimate.answer else [])
        share, _ = candidate_agreement([draft_cands, *sample_cands])
        signals = dict(estimate.signals)
        signals["agreement"] = share
        draft_text = " or ".join(draft_cands) if draft_cands else None
        same = sum(
            1 for r in readings if r is not None and draft_text and answers_equivalent(r.text, draft_text)
        )
        signals["draft_agrees"] = same / len(readings) if readings else 0.0
        signals.setdefault("tokens_difficulty", 0.5)
        model = self.models_for(estimate.model)["samples"]
        d = model.predict(signals)
        used = [f for f in model.features if f in signals]
        return Estimate(d, signals, used, "samples", estimate.answer, estimate.candidates, estimate.model)

    def self_check_messages(self, prompt: str, draft_text: str) -> list[Any]:
        """Messages asking the fast model whether its draft is right (one token: read P(yes) from it)."""
        return self_check_messages(prompt, draft_text)

    def has_self_check(self, model_name: str | None = None) -> bool:
        """Whether this model's calibration has a self-check stage (only where it paid for itself)."""
        return "self_check" in self.models_for(model_name)

    def with_self_check(self, estimate: Estimate, check: CompletionLike) -> Estimate:
        """Add the fast model's own P(yes) that its draft is correct (from ``self_check_messages``)."""
        p = verifier_yes_probability(check)
        models = self.models_for(estimate.model)
        if p is None or "self_check" not in models:
            return estimate
        signals = {**estimate.signals, "self_check_yes": p}
        signals.setdefault("tokens_difficulty", estimate.difficulty)
        model = models["self_check"]
        d = model.predict(signals)
        used = [f for f in model.features if f in signals]
        return Estimate(d, signals, used, "self_check", estimate.answer, estimate.candidates, estimate.model)


# ----------------------------------------------------------------------------- fitting


@dataclass
class CalibrationFit:
    """A fitted calibration and how well it ranks: what ``thinkdial calibrate`` stores and shows."""

    models: dict[str, LogisticCalibration]
    auroc: float | None
    """Cross-validated (5-fold) AUROC of the token stage against the labels used; None when not computable."""
    label: str
    """What label 1 meant: "wrong" (graded) or "samples_disagree" (label-free)."""
    n: int
    positives: int
    difficulty_quantiles: list[float]

    def meta(self) -> dict[str, Any]:
        """The top-level keys of the calibration file besides ``models``."""
        return {"auroc_cv": self.auroc, "label": self.label, "n": self.n, "positives": self.positives,
                "difficulty_quantiles": self.difficulty_quantiles}


def _quantiles(xs: Sequence[float], n: int = 20) -> list[float]:
    s = sorted(xs)
    if not s:
        return []
    return [s[min(len(s) - 1, int(i * (len(s) - 1) / n + 0.5))] for i in range(n + 1)]


def fit_calibration(
    signals: Sequence[dict[str, float]],
    labels: Sequence[int],
    *,
    features: Sequence[str] = TOKEN_FEATURES,
    label: str = "wrong",
    base: dict[str, LogisticCalibration] | None = None,
    sample_signals: Sequence[dict[str, float] | None] | None = None,
    l2: float = 2.0,
) -> CalibrationFit:
    """Fit the token stage (and, given per-row sample signals and graded labels, the samples stage).

    ``signals`` are stage-1 signal dicts of answered drafts (:func:`draft_signals`), ``labels`` 1 where
    the draft is wrong (or, label-free, where its samples disagree). Stages that cannot be fitted from
    these rows (samples with label-free data, self-check) are taken from ``base`` (the shipped default).
    """
    from thinkdial.policies.estimate.calibration import auroc

    if len(signals) != len(labels):
        raise ValueError("signals and labels differ in length")
    ys = [int(y) for y in labels]
    base = base or load_calibration()
    tokens = LogisticCalibration.fit(signals, ys, list(features), l2=l2)
    models = {k: v for k, v in base.items() if k != "tokens"}
    models["tokens"] = tokens
    if sample_signals is not None and label == "wrong":
        pairs = [(dict(s, tokens_difficulty=tokens.predict(sig)), y)
                 for s, sig, y in zip(sample_signals, signals, ys, strict=False) if s is not None]
        if pairs and 0 < sum(y for _, y in pairs) < len(pairs):
            models["samples"] = LogisticCalibration.fit([p for p, _ in pairs], [y for _, y in pairs],
                                                        SAMPLE_FEATURES, l2=l2)
    # 5-fold cross-validated AUROC of the token stage (rows in order, folds by index).
    score: float | None = None
    if len(ys) >= 10 and 0 < sum(ys) < len(ys):
        preds = [0.0] * len(ys)
        for f in range(5):
            test = [i for i in range(len(ys)) if i % 5 == f]
            train = [i for i in range(len(ys)) if i % 5 != f]
            ty = [ys[i] for i in train]
            if not 0 < sum(ty) < len(ty):
                continue
            m = LogisticCalibration.fit([signals[i] for i in train], ty, list(features), l2=l2)
            for i in test:
                preds[i] = m.predict(signals[i])
        try:
            score = auroc(preds, ys)
        except ValueError:
            score = None
    tokens.meta.update({"label": label, "auroc_cv": score})
    return CalibrationFit(models, score, label, len(ys), sum(ys), _quantiles([tokens.predict(s) for s in signals]))
