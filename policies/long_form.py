"""Difficulty of open-ended drafts (explanations, texts, lists, code) from their token uncertainty.

A long answer has no single answer to extract, so "no answer" means nothing
there. What does mean something is how unsure the model was while writing:
the mean entropy over the content and the least confident stretch of it
(DeepConf's group confidence). Both are mapped to [0, 1] by a logistic whose
centre sits at the embedded model's typical values for fluent, on-topic text,
so that a fluent draft is kept and a draft written in confusion is escalated.
"""

from __future__ import annotations

import math

from thinkdial.policies.difficulty import Estimate
from thinkdial.policies.signals import CompletionLike, compute_token_signals

LONG_CENTRE_ENTROPY = 1.6
"""Mean token entropy (nats) at which an open-ended draft is judged a coin flip."""
LONG_SCALE = 0.35


def long_form_estimate(draft: CompletionLike) -> Estimate:
    """Difficulty of an open-ended draft: low for fluent, confident content; high for confused or empty drafts."""
    text = getattr(draft, "text", "") or ""
    if not text.strip():
        return Estimate(1.0, {"has_content": 0.0}, ["has_content"], "long_empty", None)
    signals = compute_token_signals(draft)
    if not signals:
        return Estimate(0.3, {"has_content": 1.0}, ["has_content"], "long_no_logprobs", None)
    entropy = signals.get("mean_entropy", LONG_CENTRE_ENTROPY)
    z = (entropy - LONG_CENTRE_ENTROPY) / LONG_SCALE
    difficulty = 1.0 / (1.0 + math.exp(-z))
    signals["long_form"] = 1.0
    return Estimate(difficulty, signals, ["mean_entropy", "long_form"], "long_form", None)
