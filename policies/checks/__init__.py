"""Exact checks of what a reply claims, behind one :class:`~thinkdial.policies.checks.base.Check` protocol.

One module per check; each reads a reply together with the task's
:class:`~thinkdial.policies.reading.question.Question` (parsed once per task)
and returns :class:`~thinkdial.policies.checks.base.Claim` objects. The default
set is :func:`default_checks`; ``Agent(checks=...)`` replaces it, ``checks=()``
turns checking off. Only claims read with certainty act on an answer (today:
arithmetic identities written with ``=``); the rest are signals for the
difficulty estimate.
"""

from __future__ import annotations

import functools

from thinkdial.policies.checks.base import Check, Claim, ClaimCheck, run_checks

__all__ = ["DEFAULT_CHECK_NAMES", "Check", "Claim", "ClaimCheck", "default_checks", "run_checks"]

DEFAULT_CHECK_NAMES = ("arithmetic", "comparison", "number_property", "spelling", "calendar", "sequence", "implied")


@functools.cache
def default_checks() -> tuple[Check, ...]:
    """The default checks, in the order they run (built once: checks hold no state)."""
    from thinkdial.policies.checks.arithmetic import ArithmeticCheck
    from thinkdial.policies.checks.calendar import CalendarCheck
    from thinkdial.policies.checks.comparisons import ComparisonCheck
    from thinkdial.policies.checks.implied import ImpliedClaimCheck
    from thinkdial.policies.checks.letters import SpellingCheck
    from thinkdial.policies.checks.properties import NumberPropertyCheck
    from thinkdial.policies.checks.sequences import SequenceCheck

    return (ArithmeticCheck(), ComparisonCheck(), NumberPropertyCheck(), SpellingCheck(), CalendarCheck(),
            SequenceCheck(), ImpliedClaimCheck())
