"""Pure pieces of the chain-of-thought strategies: answer splitting and confidence-weighted voting.

The strategies themselves (native, cot, parallel, whole answers) are in
``thinkdial.phases.strategies``; their prompts in ``thinkdial.prompts``.
``parallel`` samples k chains and votes, weighting by confidence, dropping the
least confident traces and stopping early once the leader cannot be overtaken.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from thinkdial.policies.reading.answers import extract_answer, normalize_answer

SAMPLES_BY_LEVEL = {"low": 1, "medium": 3, "high": 5}


_FINAL_MARKER = re.compile(
    r"(?:^[ \t>*_#-]*|(?<=[.!?])[ \t]+)(?:\*\*|__)?(?:final\s+answer|answer)(?:\*\*|__)?\s*[:\uff1a]\s*(?:\*\*|__)?[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
"""Where the marked final answer opens: "Answer: ..." or "**Final answer:** ..." at a line start or after a sentence."""


def split_cot(text: str) -> tuple[str, str]:
    """(final answer, reasoning) of a chain-of-thought reply.

    The final answer is the whole section after the last line that opens with an answer marker
    ("Answer:", "Final answer:"), as the model wrote it; without a marker, the whole reply is the
    answer. Nothing is cut out of it: a span read from the answer is for comparing votes only.
    """
    markers = list(_FINAL_MARKER.finditer(text))
    last = markers[-1] if markers else None
    if last is None:
        return text.strip(), ""
    section = text[last.end() :].strip()
    if not section:
        return text.strip(), ""
    return section, text[: last.start()].strip()


def vote_key(section: str) -> str | None:
    """What a chain's final answer is compared by when voting: the answer read from it, else the section itself."""
    return extract_answer(section) or (section.strip() or None)


@dataclass
class Vote:
    """One sampled answer and its trace confidence (higher is surer)."""

    answer: str | None
    confidence: float
    text: str = ""


@dataclass
class VoteResult:
    answer: str | None
    text: str
    share: float
    """The winner's share of the counted weight."""
    counted: int


def weighted_vote(votes: Sequence[Vote], keep_fraction: float = 0.9) -> VoteResult:
    """Confidence-weighted majority over the most confident ``keep_fraction`` of the votes (DeepConf-style)."""
    usable = [v for v in votes if v.answer]
    if not usable:
        return VoteResult(None, votes[0].text if votes else "", 0.0, 0)
    usable.sort(key=lambda v: v.confidence, reverse=True)
    keep = max(1, round(len(usable) * keep_fraction))
    kept = usable[:keep]
    low = min(v.confidence for v in kept)
    weight: dict[str, float] = defaultdict(float)
    first: dict[str, Vote] = {}
    for v in kept:
        key = normalize_answer(v.answer)
        weight[key] += v.confidence - low + 1e-3
        first.setdefault(key, v)
    winner = max(weight, key=lambda k: weight[k])
    total = sum(weight.values())
    return VoteResult(first[winner].answer, first[winner].text, weight[winner] / total, len(kept))


def vote_is_settled(votes: Sequence[Vote], remaining: int) -> bool:
    """True when the leading answer keeps the plurality even if every remaining sample disagrees.

    Counts votes (not weights) so the test is conservative: early stop only
    when the outcome cannot change.
    """
    counts: dict[str, int] = defaultdict(int)
    for v in votes:
        if v.answer:
            counts[normalize_answer(v.answer)] += 1
    if not counts:
        return False
    ranked = sorted(counts.values(), reverse=True)
    runner_up = ranked[1] if len(ranked) > 1 else 0
    return ranked[0] > runner_up + remaining
