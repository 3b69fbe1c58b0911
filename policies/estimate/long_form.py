"""Difficulty and quality of open-ended answers (explanations, texts, lists, code).

A long answer has no single answer to extract, so "no answer" means nothing
there. What does mean something is how unsure the model was while writing
(the mean token entropy over the content) and whether it fell into a loop
(repeated word sequences: a small model's typical failure on long text,
written with great confidence). Both map to [0, 1]; the difficulty is the
larger of the two.
"""

from __future__ import annotations

import math
import re

from thinkdial.policies.estimate.difficulty import Estimate
from thinkdial.policies.estimate.signals import CompletionLike, compute_token_signals, mean_confidence

LONG_CENTRE_ENTROPY = 1.6
"""Mean token entropy (nats) at which an open-ended draft is judged a coin flip."""
LONG_SCALE = 0.35
REPETITION_CENTRE = 0.25
"""Share of repeated 6-word sequences at which a draft is judged a coin flip (fluent prose: under 0.05)."""
REPETITION_SCALE = 0.06


def repetition(text: str, n: int = 6) -> float:
    """Share of the text's ``n``-word sequences that already appeared earlier in it (0 = none repeated)."""
    words = re.findall(r"\w+", text.lower())
    if len(words) < 2 * n:
        return 0.0
    seen: set[tuple[str, ...]] = set()
    repeated = 0
    for i in range(len(words) - n + 1):
        gram = tuple(words[i : i + n])
        repeated += gram in seen
        seen.add(gram)
    return repeated / (len(words) - n + 1)


def trim_loop(text: str) -> str:
    """``text`` up to the first line that repeats an earlier one, when the text loops; unchanged otherwise."""
    if repetition(text) < REPETITION_CENTRE:
        return text
    lines = text.splitlines()
    seen: set[str] = set()
    for i, line in enumerate(lines):
        key = line.strip().lower()
        if len(key) > 8 and key in seen:
            return "\n".join(lines[:i]).rstrip()
        if key:
            seen.add(key)
    # A loop inside one line: cut where the first repeated run of words begins.
    words = list(re.finditer(r"\w+", text))
    n = 6
    grams: set[tuple[str, ...]] = set()
    for i in range(len(words) - n + 1):
        gram = tuple(w.group(0).lower() for w in words[i : i + n])
        if gram in grams:
            return text[: words[i].start()].rstrip(" ,;")
        grams.add(gram)
    return text


def _logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def long_form_estimate(draft: CompletionLike) -> Estimate:
    """Difficulty of an open-ended draft: low for fluent, confident content; high for confused, looping or empty drafts."""
    text = getattr(draft, "text", "") or ""
    if not text.strip():
        return Estimate(1.0, {"has_content": 0.0}, ["has_content"], "long_empty", None)
    signals = compute_token_signals(draft)
    rep = repetition(text)
    by_loop = _logistic((rep - REPETITION_CENTRE) / REPETITION_SCALE)
    signals["repetition"] = rep
    signals["long_form"] = 1.0
    if "mean_entropy" not in signals:
        return Estimate(max(0.3, by_loop), signals, ["repetition", "long_form"], "long_no_logprobs", None)
    by_entropy = _logistic((signals["mean_entropy"] - LONG_CENTRE_ENTROPY) / LONG_SCALE)
    return Estimate(max(by_entropy, by_loop), signals, ["mean_entropy", "repetition", "long_form"], "long_form", None)


def answer_quality(completion: CompletionLike) -> tuple[int, float]:
    """A sortable quality of a whole answer: (class, confidence). Class 2 = complete and fluent,
    1 = cut off by its cap but not looping, 0 = looping, -1 = empty."""
    text = getattr(completion, "text", "") or ""
    if not text.strip():
        return (-1, 0.0)
    confidence = mean_confidence(completion) or 0.0
    if repetition(text) >= REPETITION_CENTRE:
        return (0, confidence)
    return (2 if getattr(completion, "finish_reason", "stop") == "stop" else 1, confidence)
