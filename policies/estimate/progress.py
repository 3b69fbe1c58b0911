"""Is the run still making progress? Signals read from the tool calls so far and the budget used.

* ``repeated_call``: how many times the latest call (same tool, same arguments) was made before it;
* ``alternating_calls``: the last four calls alternate between two different calls (A, B, A, B);
* ``error_streak``: failed tool calls in a row at the end;
* ``no_new_results``: calls in a row at the end whose result added nothing new (a result seen before, or empty);
* ``budget_used``: the larger of the shares of the step and token ceilings used.

Each maps to a *stall* component in [0, 1] (:data:`STALL_TABLE`); the stall is the largest, and the signal
that set it is the one that *fired*. The rule the controller applies (``thinkdial.phases.progress``):

1. every step's difficulty is raised by the stall: ``1 - (1 - difficulty) * (1 - stall)``;
2. at ``stall >= ESCALATE_AT`` (a call repeated once, A-B-A-B, three errors in a row, two empty results in a row)
   the run escalates every remaining step of the task to the thinker (policies that never escalate excepted);
3. at ``stall >= STOP_AT`` (a call repeated twice, four errors in a row, three results in a row that add
   nothing) the run stops with its best answer, before its step limit.

The budget alone never stops a run (its ceiling does); it raises the difficulty by at most 0.4 and, once 90 %
is used, escalates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ESCALATE_AT", "STALL_TABLE", "STOP_AT", "CallRecord", "Progress", "progress", "raise_difficulty"]

ESCALATE_AT = 0.5
"""The stall from which the rest of the task goes to the thinker."""
STOP_AT = 0.85
"""The stall from which the run stops with its best answer."""

STALL_TABLE: dict[str, tuple[float, ...]] = {
    "repeated_call": (0.0, 0.6, 0.9),
    "alternating_calls": (0.0, 0.75),
    "error_streak": (0.0, 0.25, 0.4, 0.6, 0.9),
    "no_new_results": (0.0, 0.3, 0.6, 0.9),
}
"""Stall component by count (index = count; counts past the end take the last value)."""


@dataclass(frozen=True)
class CallRecord:
    """One tool call the run made and what came back."""

    name: str
    arguments: str
    ok: bool
    result: str


@dataclass(frozen=True)
class Progress:
    """The progress signals of a run so far and what they amount to."""

    signals: dict[str, float]
    stall: float
    fired: str | None
    """The signal behind the stall (None when the stall is 0)."""

    @property
    def escalate(self) -> bool:
        """Whether the rest of the task should go to the thinker."""
        return self.stall >= ESCALATE_AT

    @property
    def stop(self) -> bool:
        """Whether the run should stop with its best answer."""
        return self.stall >= STOP_AT

    def describe(self) -> str:
        """The fired signal and its value, in words."""
        if self.fired is None:
            return "progress is fine"
        value = self.signals[self.fired]
        shown = f"{value:.0%} of the budget used" if self.fired == "budget_used" else f"{value:g}"
        return f"no progress: {self.fired} = {shown} (stall {self.stall:.2f})"


def _count_from_table(name: str, count: int) -> float:
    table = STALL_TABLE[name]
    return table[min(count, len(table) - 1)]


def _key(call: CallRecord) -> tuple[str, str]:
    return call.name, " ".join(call.arguments.split())


def progress(
    calls: Sequence[CallRecord],
    *,
    steps_used: int = 0,
    max_steps: int | None = None,
    tokens_used: int = 0,
    max_tokens: int | None = None,
) -> Progress:
    """The progress signals after ``calls`` (in the order they were made) with this much of the budget used."""
    keys = [_key(c) for c in calls]
    repeated = keys[:-1].count(keys[-1]) if keys else 0
    alternating = 1 if len(keys) >= 4 and keys[-1] == keys[-3] and keys[-2] == keys[-4] and keys[-1] != keys[-2] else 0
    errors = 0
    for c in reversed(calls):
        if c.ok:
            break
        errors += 1
    stale = 0
    for i in range(len(calls) - 1, -1, -1):
        c = calls[i]
        if not c.ok:
            break
        earlier = {x.result.strip() for x in calls[:i] if x.ok}
        if c.result.strip() and c.result.strip() not in earlier:
            break
        stale += 1
    shares = [used / limit for used, limit in ((steps_used, max_steps), (tokens_used, max_tokens)) if limit]
    budget = max(shares, default=0.0)
    signals = {
        "repeated_call": float(repeated),
        "alternating_calls": float(alternating),
        "error_streak": float(errors),
        "no_new_results": float(stale),
        "budget_used": budget,
    }
    components = {
        "repeated_call": _count_from_table("repeated_call", repeated),
        "alternating_calls": _count_from_table("alternating_calls", alternating),
        "error_streak": _count_from_table("error_streak", errors),
        "no_new_results": _count_from_table("no_new_results", stale),
        "budget_used": 0.0 if budget < 0.5 else (ESCALATE_AT if budget >= 0.9 else min(0.4, 0.8 * (budget - 0.5))),
    }
    fired = max(components, key=lambda k: components[k])
    stall = components[fired]
    return Progress(signals, stall, fired if stall > 0 else None)


def raise_difficulty(difficulty: float, stall: float) -> float:
    """``difficulty`` raised by the stall: ``1 - (1 - difficulty) * (1 - stall)``."""
    return 1.0 - (1.0 - difficulty) * (1.0 - stall)
