"""Exact checks of what a text states about the next number of a sequence.

``The next number in the pattern 1, 1, 2, 3, 5 is 10`` can be checked when the
terms follow one of the simple rules such questions use: a constant step
(2, 4, 6, 8), a constant ratio (3, 6, 12), each term the sum of the two before
(1, 1, 2, 3, 5), or a constant second step (1, 4, 9, 16). Terms that follow none
of them, or fewer terms than a rule needs to be told apart, are left alone.
"""

from __future__ import annotations

import re
from fractions import Fraction

from thinkdial.policies.checks.base import Claim
from thinkdial.policies.reading.question import Question

__all__ = ["next_term", "sequence_claims", "SequenceCheck"]

_TERMS = r"(?P<terms>-?\d+(?:\s*,\s*-?\d+){2,11})(?:\s*,?\s*(?:\.\.\.|\u2026))?"
_NEXT = re.compile(
    rf"\bnext\s+(?:number|term)\s+(?:in|of)\s+(?:the\s+)?(?:sequence|pattern|series)\s*:?\s*{_TERMS}\s+is\s+(?P<value>-?\d+)\b",
    re.IGNORECASE,
)


def next_term(terms: list[int]) -> int | None:
    """The next term under the simplest rule the terms follow, or None when none fits unambiguously."""
    if len(terms) < 3:
        return None
    steps = [b - a for a, b in zip(terms, terms[1:], strict=False)]
    if len(set(steps)) == 1:
        return terms[-1] + steps[0]
    if all(terms) and len(terms) >= 3:
        ratios = {Fraction(b, a) for a, b in zip(terms, terms[1:], strict=False)}
        if len(ratios) == 1:
            value = terms[-1] * ratios.pop()
            return int(value) if value.denominator == 1 else None
    if len(terms) >= 4 and all(terms[i] == terms[i - 1] + terms[i - 2] for i in range(2, len(terms))):
        return terms[-1] + terms[-2]
    second = [b - a for a, b in zip(steps, steps[1:], strict=False)]
    if len(terms) >= 4 and len(set(second)) == 1:
        return terms[-1] + steps[-1] + second[0]
    return None


def sequence_claims(text: str) -> list[tuple[bool, str]]:
    """Every "the next number in the sequence ... is N" in ``text``: (whether it holds, as written)."""
    found = []
    for m in _NEXT.finditer(text):
        terms = [int(t) for t in re.findall(r"-?\d+", m["terms"])]
        expected = next_term(terms)
        if expected is not None:
            found.append((int(m["value"]) == expected, m.group(0)))
    return found


class SequenceCheck:
    """The next term of a sequence a reply states, under the simplest rule its terms follow; a signal only."""

    name = "sequence"

    def claims(self, reply: str, question: Question) -> list[Claim]:
        return [Claim(text, holds, False, self.name) for holds, text in sequence_claims(reply)]
