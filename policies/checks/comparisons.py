"""The comparison check: "0.75 is larger than 0.5", "5 > 3", read loosely, a signal only."""

from __future__ import annotations

from thinkdial.policies.checks.base import Claim
from thinkdial.policies.checks.numbers import comparison_claims
from thinkdial.policies.reading.question import Question

__all__ = ["ComparisonCheck"]


class ComparisonCheck:
    """Numeric comparisons a reply states. Never certain: a comparison's subject is guessed from its nearest numbers."""

    name = "comparison"

    def claims(self, reply: str, question: Question) -> list[Claim]:
        return [Claim(text, holds, False, self.name) for holds, text in comparison_claims(reply)]
