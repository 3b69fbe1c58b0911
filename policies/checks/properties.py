"""The number-property check: "9 is not a prime number", "10 is even", "100 is divisible by 3"; a signal only."""

from __future__ import annotations

from thinkdial.policies.checks.base import Claim
from thinkdial.policies.checks.numbers import property_claims
from thinkdial.policies.reading.question import Question

__all__ = ["NumberPropertyCheck"]


class NumberPropertyCheck:
    """Primality, parity and divisibility a reply states, tested exactly (deterministic Miller-Rabin, bounded size)."""

    name = "number_property"

    def claims(self, reply: str, question: Question) -> list[Claim]:
        return [Claim(text, holds, False, self.name) for holds, text in property_claims(reply)]
