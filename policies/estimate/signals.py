"""Uncertainty signals: pure functions of one completion (or of several answers).

Every signal takes duck-typed objects (see the protocols below; the concrete
types are ``agent.models.base.Completion`` / ``TokenInfo`` / ``TokenAlternative``,
which this module deliberately does not import) and returns a ``float``, or
``None`` when the data the signal needs is missing, e.g. the backend gave no
per-token data (``completion.tokens is None``) or no tokens were generated.

Token-based signals and their direction:

================  =============================================  ======================
signal            definition                                     confident means
================  =============================================  ======================
mean_entropy      mean next-token entropy (nats)                 lower
min_token_prob    min over tokens of p(chosen token)             higher
mean_confidence   mean DeepConf token confidence C_i             higher
group_confidence  lowest mean C_i over a sliding window          higher
tail_confidence   mean C_i over the last ``tail`` tokens         higher
================  =============================================  ======================

DeepConf (Fu et al. 2025, "Deep Think with Confidence") token confidence is
``C_i = -(1/k) * sum_{j<=k} log P_i(j)`` over the top-k alternatives at position
``i``: a peaked distribution leaves its alternatives with very negative
log-probabilities and so scores high; a flat one scores low (``log k`` at best
for a uniform top-k).

Pure Python, no numpy: a few hundred tokens take microseconds.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

from thinkdial.policies.reading.answers import extract_answer, normalize_answer

__all__ = [
    "AlternativeLike",
    "TokenLike",
    "CompletionLike",
    "TOKEN_SIGNALS",
    "token_entropy",
    "token_confidence",
    "token_confidences",
    "mean_entropy",
    "min_token_prob",
    "mean_confidence",
    "group_confidence",
    "tail_confidence",
    "agreement",
    "verifier_yes_probability",
    "compute_token_signals",
    "answer_span_signals",
    "ANSWER_SIGNALS",
    "candidate_agreement",
]


# --------------------------------------------------------------------------- protocols


class AlternativeLike(Protocol):
    """One candidate of the next-token distribution (``TokenAlternative``)."""

    @property
    def token(self) -> str: ...

    @property
    def logprob(self) -> float: ...


class TokenLike(Protocol):
    """Uncertainty data for one generated token (``TokenInfo``)."""

    @property
    def token(self) -> str: ...

    @property
    def logprob(self) -> float: ...

    @property
    def entropy(self) -> float | None: ...

    @property
    def top(self) -> Sequence[AlternativeLike]: ...


class CompletionLike(Protocol):
    """What a model call produced (``Completion``); only these fields are read."""

    @property
    def text(self) -> str: ...

    @property
    def tokens(self) -> Sequence[TokenLike] | None: ...


TOKEN_SIGNALS: tuple[str, ...] = (
    "mean_entropy",
    "min_token_prob",
    "group_confidence",
    "tail_confidence",
    "mean_confidence",
)
"""Names (and ``compute_token_signals`` keys) of the token-based signals."""


# --------------------------------------------------------------------------- helpers


def _tokens(completion: CompletionLike) -> Sequence[TokenLike] | None:
    """The completion's tokens, or None when absent or empty."""
    tokens = getattr(completion, "tokens", None)
    if not tokens:
        return None
    return tokens


def _finite(x: float) -> bool:
    return not (math.isnan(x) or math.isinf(x))


def _mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def token_entropy(token: TokenLike) -> float | None:
    """Entropy (nats) of the next-token distribution at one position.

    Uses ``token.entropy`` when the backend computed it over the full
    distribution. Otherwise it is approximated from the top-k alternatives
    (plus the chosen token when it is not among them): their probabilities are
    renormalised to sum to one and the entropy of that k-way distribution is
    returned. The approximation ignores the tail beyond the top-k, so it is
    bounded by ``log k`` and tends to underestimate very flat distributions; it
    still ranks peaked positions below flat ones. None when neither is there.
    """
    entropy = getattr(token, "entropy", None)
    if entropy is not None and _finite(entropy):
        return max(0.0, float(entropy))
    probs = _top_probabilities(token)
    if not probs:
        return None
    total = sum(probs)
    if total <= 0.0:
        return None
    h = 0.0
    for p in probs:
        q = p / total
        if q > 0.0:
            h -= q * math.log(q)
    return max(0.0, h)


def _top_probabilities(token: TokenLike) -> list[float]:
    """Probabilities of the distinct top alternatives, with the chosen token added if missing."""
    seen: set[str] = set()
    probs: list[float] = []
    for alt in getattr(token, "top", None) or ():
        if alt.token in seen or not _finite(alt.logprob):
            continue
        seen.add(alt.token)
        probs.append(math.exp(alt.logprob))
    if probs and token.token not in seen and _finite(token.logprob):
        probs.append(math.exp(token.logprob))
    return probs


def token_confidence(token: TokenLike) -> float | None:
    """DeepConf token confidence ``C_i = -(1/k) * sum of the top-k logprobs``.

    ``k`` is the number of (distinct, finite) alternatives the backend reported
    at this position. None when fewer than two are available: with ``k = 1``
    the measure degenerates to ``-logprob`` of a single token, which runs the
    *other* way (it grows as that token gets less likely), so it would invert
    the signal rather than approximate it. Positions without alternatives are
    therefore left out of the confidence signals, and a completion with none
    gets None from them (mean entropy and min token probability still work).
    """
    seen: set[str] = set()
    logprobs: list[float] = []
    for alt in getattr(token, "top", None) or ():
        if alt.token in seen or not _finite(alt.logprob):
            continue
        seen.add(alt.token)
        logprobs.append(alt.logprob)
    if len(logprobs) < 2:
        return None
    return -sum(logprobs) / len(logprobs)


def token_confidences(completion: CompletionLike) -> list[float] | None:
    """DeepConf confidences of the positions that have them (see :func:`token_confidence`).

    None when the completion has no tokens or no position has two or more
    alternatives.
    """
    tokens = _tokens(completion)
    if tokens is None:
        return None
    values = [c for c in (token_confidence(t) for t in tokens) if c is not None]
    return values or None


# --------------------------------------------------------------------------- token signals


def mean_entropy(completion: CompletionLike) -> float | None:
    """Mean next-token entropy (nats) over the generated tokens. Lower = more confident.

    Per position, ``token.entropy`` when given, else the renormalised entropy of
    the top-k alternatives (see :func:`token_entropy`). Positions with neither
    are skipped; None when no position has either (or there are no tokens).
    """
    tokens = _tokens(completion)
    if tokens is None:
        return None
    values = [h for h in (token_entropy(t) for t in tokens) if h is not None]
    return _mean(values)


def min_token_prob(completion: CompletionLike) -> float | None:
    """Lowest probability of a chosen token, ``min_i exp(logprob_i)``. Higher = more confident."""
    tokens = _tokens(completion)
    if tokens is None:
        return None
    logprobs = [t.logprob for t in tokens if not math.isnan(t.logprob)]
    if not logprobs:
        return None
    return math.exp(min(logprobs))


def mean_confidence(completion: CompletionLike) -> float | None:
    """Mean DeepConf token confidence over the whole completion. Higher = more confident."""
    conf = token_confidences(completion)
    return _mean(conf) if conf else None


def group_confidence(completion: CompletionLike, window: int = 16) -> float | None:
    """DeepConf lowest group confidence: the minimum over all sliding windows of
    ``window`` consecutive tokens of the mean token confidence in that window.

    A single confused stretch drags the score down even when the rest of the
    completion is confident. Completions shorter than ``window`` count as one
    window (the whole-sequence mean). Higher = more confident.
    """
    if window < 1:
        raise ValueError("window must be >= 1")
    return _lowest_window(token_confidences(completion), window)


def _lowest_window(conf: list[float] | None, window: int) -> float | None:
    if not conf:
        return None
    n = len(conf)
    if n <= window:
        return sum(conf) / n
    running = sum(conf[:window])
    lowest = running
    for i in range(window, n):
        running += conf[i] - conf[i - window]
        if running < lowest:
            lowest = running
    return lowest / window


def tail_confidence(completion: CompletionLike, tail: int = 32) -> float | None:
    """DeepConf tail confidence: mean token confidence over the last ``tail`` tokens
    (the whole completion when shorter). The end of a reply is where the answer
    usually is. Higher = more confident.
    """
    if tail < 1:
        raise ValueError("tail must be >= 1")
    return _tail_mean(token_confidences(completion), tail)


def _tail_mean(conf: list[float] | None, tail: int) -> float | None:
    if not conf:
        return None
    last = conf[-tail:]
    return sum(last) / len(last)


def compute_token_signals(
    completion: CompletionLike,
    *,
    window: int = 16,
    tail: int = 32,
) -> dict[str, float]:
    """All token-based signals that can be computed for this completion.

    Keys are from :data:`TOKEN_SIGNALS`; signals whose data is missing are
    omitted, so a backend without logprobs yields ``{}``.
    """
    if window < 1 or tail < 1:
        raise ValueError("window and tail must be >= 1")
    conf = token_confidences(completion)  # computed once for the three confidence signals
    values: dict[str, float | None] = {
        "mean_entropy": mean_entropy(completion),
        "min_token_prob": min_token_prob(completion),
        "group_confidence": _lowest_window(conf, window),
        "tail_confidence": _tail_mean(conf, tail),
        "mean_confidence": _mean(conf) if conf else None,
    }
    return {k: float(v) for k, v in values.items() if v is not None}


# --------------------------------------------------------------------------- multi-sample signals


def agreement(answers: Sequence[str | None]) -> float | None:
    """Self-consistency: the fraction of answers equal to the most common one.

    Answers are compared after :func:`policies.answers.normalize_answer`
    (so "85", "85.0" and "85." agree). None and empty answers (also ones that
    normalise to "") never form the majority and count as disagreeing. Returns
    0.0 when no answer is usable, None for an empty list.
    """
    if not answers:
        return None
    normalised = [normalize_answer(a) if a is not None else "" for a in answers]
    counts = Counter(a for a in normalised if a)
    if not counts:
        return 0.0
    return counts.most_common(1)[0][1] / len(answers)


# --------------------------------------------------------------------------- verifier


_YES_WORDS = frozenset({"yes", "y", "correct", "true", "right"})
_NO_WORDS = frozenset({"no", "n", "incorrect", "false", "wrong"})
_VERDICT_SCAN_TOKENS = 16
_TOKEN_STRIP = " \t\r\n\u2581\u0120\u010a*_`\"'.,:;!?()[]{}<>#-"


def _verdict_word(piece: str) -> str | None:
    """'yes' / 'no' when this token text is a variant of either, else None.

    Handles case ("Yes", "YES"), leading spaces (" yes"), SentencePiece / BPE
    space markers ("▁Yes", "ĠYes") and surrounding punctuation or markdown.
    Single letters "y"/"n" only count when that is the whole token.
    """
    word = piece.strip(_TOKEN_STRIP).lower()
    if not word:
        return None
    if word in ("y", "n") and piece.strip().lower() != word:
        return None
    if word in _YES_WORDS:
        return "yes"
    if word in _NO_WORDS:
        return "no"
    return None


def _is_content(piece: str) -> bool:
    return bool(piece.strip(_TOKEN_STRIP))


def _yes_share(token: TokenLike) -> float | None:
    """P(yes) / (P(yes) + P(no)) at one position, from its alternatives and chosen token."""
    yes = no = 0.0
    seen: set[str] = set()
    candidates = list(getattr(token, "top", None) or ())
    for alt in candidates:
        if alt.token in seen or not _finite(alt.logprob):
            continue
        seen.add(alt.token)
        verdict = _verdict_word(alt.token)
        if verdict == "yes":
            yes += math.exp(alt.logprob)
        elif verdict == "no":
            no += math.exp(alt.logprob)
    if token.token not in seen and _finite(token.logprob):
        verdict = _verdict_word(token.token)
        if verdict == "yes":
            yes += math.exp(token.logprob)
        elif verdict == "no":
            no += math.exp(token.logprob)
    if yes + no <= 0.0:
        return None
    return yes / (yes + no)


def _text_verdict(text: str) -> float | None:
    """1.0 / 0.0 when the reply's first word, or its extracted answer, is a yes/no word."""
    words = text.strip().split()
    if words:
        verdict = _verdict_word(words[0])
        if verdict is not None:
            return 1.0 if verdict == "yes" else 0.0
    answer = extract_answer(text)
    if answer:
        normalised = normalize_answer(answer)
        first = normalised.split()[0] if normalised else ""
        if normalised == first:  # a one-word answer such as "yes" / "incorrect"
            verdict = _verdict_word(first)
            if verdict is not None:
                return 1.0 if verdict == "yes" else 0.0
    return None


def verifier_yes_probability(completion: CompletionLike) -> float | None:
    """Probability that a verifier's reply is "yes" (the checked answer is right).

    With per-token data: the position of the verdict is the first token (among
    the first 16) whose chosen text is a yes/no variant ("Yes", " yes", "YES",
    "correct"/"incorrect", "true"/"false", ...); failing that, the first
    non-blank, non-markup token. At that position the probability mass of all
    yes variants and all no variants among the top alternatives (and the chosen
    token) gives ``P(yes) / (P(yes) + P(no))``.

    Without usable token data: the text decides, 1.0 for a yes, 0.0 for a no
    (first word, or the extracted answer such as "Answer: no"). None when
    neither the tokens nor the text hold a recognisable verdict.
    """
    tokens = _tokens(completion)
    if tokens is not None:
        for token in tokens[:_VERDICT_SCAN_TOKENS]:
            if _verdict_word(token.token) is not None:
                share = _yes_share(token)
                if share is not None:
                    return share
                break
        first_content = next((t for t in tokens if _is_content(t.token)), None)
        if first_content is not None:
            share = _yes_share(first_content)
            if share is not None:
                return share
    return _text_verdict(getattr(completion, "text", "") or "")


# --------------------------------------------------------------------------- answer-span signals

ANSWER_SIGNALS: tuple[str, ...] = (
    "answer_logprob",
    "answer_min_prob",
    "answer_first_prob",
    "answer_first_margin",
    "answer_entropy",
    "answer_first_entropy",
)
"""Keys of :func:`answer_span_signals`: the uncertainty of the tokens that spell the answer."""


def _span_tokens(completion: CompletionLike, start: int, end: int) -> list[TokenLike]:
    """The tokens whose characters overlap ``[start, end)`` of the concatenated token text."""
    tokens = _tokens(completion)
    if tokens is None or start < 0 or end <= start:
        return []
    out: list[TokenLike] = []
    pos = 0
    for t in tokens:
        a, b = pos, pos + len(t.token)
        pos = b
        if b > start and a < end and t.token.strip():
            out.append(t)
        if a >= end:
            break
    return out


def _margin(token: TokenLike) -> float | None:
    """p(best) - p(runner-up) at one position (from its alternatives and the chosen token)."""
    probs = sorted(_top_probabilities(token), reverse=True)
    if not probs:
        return None
    return probs[0] - (probs[1] if len(probs) > 1 else 0.0)


def answer_span_signals(completion: CompletionLike, start: int, end: int) -> dict[str, float]:
    """Uncertainty of the answer itself: the tokens covering characters ``[start, end)`` of the reply.

    ``answer_logprob`` mean log-probability of those tokens; ``answer_min_prob``
    the lowest chosen-token probability among them; ``answer_first_prob`` and
    ``answer_first_margin`` the probability of the first answer token and its
    lead over the runner-up (a confident answer starts with a clear winner);
    ``answer_entropy`` / ``answer_first_entropy`` their next-token entropy.
    Empty when the span is not found in the tokens (or there are none).

    The preamble ("The capital of France is") is usually near-certain and says
    nothing about whether the answer is right; these signals ignore it.
    """
    span = _span_tokens(completion, start, end)
    if not span:
        return {}
    out: dict[str, float] = {}
    lps = [t.logprob for t in span if _finite(t.logprob)]
    if lps:
        out["answer_logprob"] = sum(lps) / len(lps)
        out["answer_min_prob"] = math.exp(min(lps))
        out["answer_first_prob"] = math.exp(lps[0]) if _finite(span[0].logprob) else math.exp(min(lps))
    margin = _margin(span[0])
    if margin is not None:
        out["answer_first_margin"] = margin
    ents = [h for h in (token_entropy(t) for t in span) if h is not None]
    if ents:
        out["answer_entropy"] = sum(ents) / len(ents)
        first = token_entropy(span[0])
        if first is not None:
            out["answer_first_entropy"] = first
    return out


def candidate_agreement(readings: Sequence[Sequence[str] | None]) -> tuple[float, str | None]:
    """Self-consistency over answers that may hedge: each reply's vote is split among its candidates.

    ``readings`` holds, per reply, the candidate answers it names (``["cold", "warm"]``
    for "cold or warm"; None or empty when it gave none). Candidates are compared after
    :func:`normalize_answer`. Returns the winning candidate's share of all replies
    (a reply naming two answers gives each half a vote) and its normalised form;
    ``(0.0, None)`` when no reply names an answer.
    """
    if not readings:
        return 0.0, None
    votes: Counter[str] = Counter()
    for cands in readings:
        keys = list(dict.fromkeys(k for k in (normalize_answer(c) for c in (cands or ())) if k))
        for k in keys:
            votes[k] += 1.0 / len(keys)  # type: ignore[assignment]
    if not votes:
        return 0.0, None
    best, count = votes.most_common(1)[0]
    return float(count) / len(readings), best
