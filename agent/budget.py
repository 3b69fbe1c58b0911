"""Cost ceilings: the ``Budget`` a user sets and the ``Ledger`` that enforces it.

The ledger is asked before every model call. It prices the call's worst case
(its prompt plus its whole ``max_tokens``, thinking included, billed as
output) and answers with the largest ``max_tokens`` that cannot cross any
ceiling, or refuses the call. After the call it records what was really spent.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from pydantic import BaseModel, Field

from thinkdial.models.base import Pricing, Usage


class Budget(BaseModel):
    """Per-task ceilings. ``None`` means no limit on that axis.

    ``max_tokens`` counts input + output + thinking tokens of every call of the
    task. With ``strict=True`` hitting a ceiling raises ``BudgetExceededError``
    instead of ending the run with the best answer so far.
    """

    max_cost_usd: float | None = Field(default=None, ge=0)
    max_tokens: int | None = Field(default=None, ge=0)
    max_steps: int | None = Field(default=None, ge=1)
    max_seconds: float | None = Field(default=None, gt=0)
    strict: bool = False


class Remaining(BaseModel):
    """What is left of each ceiling (``None`` = unlimited). Tools and policies see this."""

    cost_usd: float | None = None
    tokens: int | None = None
    steps: int | None = None
    seconds: float | None = None


class CallPlan(BaseModel):
    """The ledger's answer for one call."""

    allowed: bool
    max_tokens: int
    reason: str = ""


class Ledger:
    """Tracks spend against a :class:`Budget` for one run."""

    def __init__(self, budget: Budget | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.budget = budget or Budget()
        self.clock = clock
        self.started = clock()
        self.spent = Usage()
        self.steps = 0

    def elapsed(self) -> float:
        return self.clock() - self.started

    def remaining(self) -> Remaining:
        b = self.budget
        return Remaining(
            cost_usd=None if b.max_cost_usd is None else max(b.max_cost_usd - self.spent.cost_usd, 0.0),
            tokens=None if b.max_tokens is None else max(b.max_tokens - self.spent.total_tokens, 0),
            steps=None if b.max_steps is None else max(b.max_steps - self.steps, 0),
            seconds=None if b.max_seconds is None else max(b.max_seconds - self.elapsed(), 0.0),
        )

    def affordable_output(self, pricing: Pricing, prompt_tokens: int) -> int | None:
        """Most output tokens one call with this prompt can spend (None = unbounded)."""
        left = self.remaining()
        bound: int | None = None
        if left.tokens is not None:
            bound = left.tokens - prompt_tokens
        if left.cost_usd is not None:
            input_cost = pricing.cost(prompt_tokens, 0)
            spare = left.cost_usd - input_cost
            if spare < 0:
                return -1
            if math.isinf(spare):
                return bound
            if pricing.output_per_mtok > 0:
                # Tiny epsilon so float rounding can never tip a call over the ceiling.
                by_cost = math.floor(spare * 1e6 / pricing.output_per_mtok * (1 - 1e-9))
                bound = by_cost if bound is None else min(bound, by_cost)
        return bound

    def plan(self, pricing: Pricing, prompt_tokens: int, max_tokens: int, min_tokens: int = 1) -> CallPlan:
        """Shrink ``max_tokens`` so the call's worst case fits, or refuse it."""
        left = self.remaining()
        if left.seconds is not None and left.seconds <= 0:
            return CallPlan(allowed=False, max_tokens=0, reason="time ceiling reached")
        bound = self.affordable_output(pricing, prompt_tokens)
        allowed = max_tokens if bound is None else min(max_tokens, bound)
        if allowed < max(min_tokens, 1):
            what = []
            if left.tokens is not None:
                what.append(f"{left.tokens} tokens left for a {prompt_tokens}-token prompt")
            if left.cost_usd is not None:
                what.append(f"${left.cost_usd:.6f} left")
            return CallPlan(allowed=False, max_tokens=0, reason="budget too small for this call: " + ", ".join(what))
        reason = "" if allowed == max_tokens else f"max_tokens shrunk from {max_tokens} to {allowed} to fit the ceiling"
        return CallPlan(allowed=True, max_tokens=allowed, reason=reason)

    def record(self, usage: Usage) -> None:
        self.spent = self.spent + usage

    def charge_worst_case(self, pricing: Pricing, prompt_tokens: int, max_tokens: int) -> Usage:
        """Record a call whose real usage is unknown (cancelled mid-flight) at its reserved worst case."""
        usage = Usage(
            input_tokens=prompt_tokens,
            output_tokens=max_tokens,
            cost_usd=pricing.cost(prompt_tokens, max_tokens),
        )
        self.record(usage)
        return usage
