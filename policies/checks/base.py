"""The ``Check`` protocol: what a check reads from a reply, and how the claims of several checks add up.

A check is anything with a ``name`` and ``claims(reply, question)``: it returns
the claims the reply makes that it can judge, each with whether it holds and
whether it was read with certainty. Uncertain claims are signals for the
difficulty estimate only; a certain false claim may act on an answer (fail
verification, keep a draft over it). A check is certain only where its
precision on correct replies written in many styles has been measured
(``bench/checks_precision.py``, recorded in ``bench/RESULTS.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from thinkdial.policies.reading.question import Question

__all__ = ["MAX_REPLY_CHARS", "Check", "Claim", "ClaimCheck", "run_checks"]

MAX_REPLY_CHARS = 20_000
"""Checks read at most this many characters of a reply (each runs in linear time, so this bounds it)."""


@dataclass(frozen=True)
class Claim:
    """One claim a reply makes, as a check read it."""

    text: str
    """The claim as written (or as restated from the question and the answer)."""
    holds: bool
    """Whether it is true."""
    certain: bool = False
    """Whether the reading is certain (a complete claim, standard reading, nothing around it that could change it)."""
    check: str = ""
    """The name of the check that read it."""


@runtime_checkable
class Check(Protocol):
    """An exact check of what a reply claims. Must not raise, and must run in time linear in the reply."""

    name: str

    def claims(self, reply: str, question: Question) -> Sequence[Claim]:
        """The claims ``reply`` (an answer to ``question``) makes that this check can judge."""
        ...


@dataclass(frozen=True)
class ClaimCheck:
    """What a set of checks found in one reply."""

    checked: int = 0
    false: int = 0
    first_false: str | None = None
    """The first false claim, certain or not (to show why a draft was doubted)."""
    certain_false: str | None = None
    """The first false claim read with certainty: the only kind that may act on an answer."""
    by: str | None = None
    """The check that read ``certain_false``."""

    @property
    def all_true(self) -> bool:
        """At least one claim was checked and none was false."""
        return self.checked > 0 and self.false == 0


def run_checks(checks: Sequence[Check], reply: str | None, question: Question | str | None) -> ClaimCheck:
    """Run every check on ``reply``. A check that raises is skipped: checks are signals, never a crash."""
    if not reply or not checks:
        return ClaimCheck()
    text = reply[:MAX_REPLY_CHARS]
    q = Question.of(question)
    found: list[Claim] = []
    for check in checks:
        try:
            found.extend(check.claims(text, q))
        except Exception:  # noqa: BLE001 - a user's check must not end the run
            continue
    false = [c for c in found if not c.holds]
    certain = next((c for c in false if c.certain), None)
    return ClaimCheck(
        checked=len(found), false=len(false), first_false=false[0].text if false else None,
        certain_false=certain.text if certain else None, by=certain.check if certain else None,
    )
