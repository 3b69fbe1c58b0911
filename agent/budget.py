"""Cost ceilings: the ``Budget`` a user sets and the ``Ledger`` that enforces it.

The ledger is asked before every model call. It prices the call's worst case
(its prompt plus its whole ``max_tokens``, thinking included, billed as
output) and answers with the largest ``max_tokens`` that cannot cross any
ceiling, or refuses the call. After the call it records what was really spent.

A dollar ceiling fails closed: a model with no known price
(:attr:`Pricing.known` false) is refused before a run starts
(:func:`require_prices`) and before each call, and a reply whose usage could
not be priced (:attr:`Usage.unpriced`) stops the run instead of counting as free.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, Field

from thinkdial.errors import UnpricedModelError
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


def _members(model: Any) -> list[Any]:
    """A model and, for a model list, each member (any member may answer a call)."""
    members = getattr(model, "models", None)
    if isinstance(members, list) and members:
        return [m for member in members for m in _members(member)]
    return [model]


def unpriced_model_names(models: Iterable[Any]) -> list[str]:
    """Names of the models (model-list members included) whose price is unknown, in order, once each."""
    names: list[str] = []
    for model in models:
        for member in _members(model):
            pricing = getattr(member, "pricing", None)
            if not isinstance(pricing, Pricing) or not pricing.known:
                name = str(getattr(member, "name", type(member).__name__))
                if name not in names:
                    names.append(name)
    return names


def unpriced_error(names: list[str], ceiling: float | None, *, what: str = "") -> UnpricedModelError:
    """The refusal for a dollar ceiling over models with no known price: the problem and every way to fix it."""
    which = ", ".join(names)
    example = names[0] if names else "provider/model"
    problem = (
        f"A dollar ceiling (max_cost_usd={ceiling:g}) cannot be enforced: {what or 'no price is known for'} {which} "
        "(not in litellm's cost map and not priced)."
    )
    fix = (
        f"Price it: LiteLLMModel({example!r}, ..., pricing=Pricing(input_per_mtok=..., output_per_mtok=...)), "
        f"Agent(prices={{{example!r}: Pricing(...)}}), or a [prices.\"{example}\"] table with input_per_mtok and "
        "output_per_mtok in the config; declare it free with Pricing.free() (or both prices 0); or drop the dollar ceiling."
    )
    return UnpricedModelError(problem, fix)


def require_prices(budget: Budget, models: Iterable[Any]) -> None:
    """Refuse a dollar ceiling over any model with no known price (before anything is called).

    Raises:
        UnpricedModelError: ``budget.max_cost_usd`` is set and a model (or a member of a model list) has
            ``pricing.known`` false. The message names the models and the ways to price them.
    """
    if budget.max_cost_usd is None:
        return
    names = unpriced_model_names(models)
    if names:
        raise unpriced_error(names, budget.max_cost_usd)


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

    def plan(self, pricing: Pricing, prompt_tokens: int, max_tokens: int, min_tokens: int = 1, *, model: str = "") -> CallPlan:
        """Shrink ``max_tokens`` so the call's worst case fits, or refuse it.

        Raises:
            UnpricedModelError: a dollar ceiling is set and ``pricing`` is unknown (``model`` names it).
        """
        if not pricing.known and self.budget.max_cost_usd is not None:
            raise unpriced_error([model or "this model"], self.budget.max_cost_usd)
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

    def record(self, usage: Usage, *, model: str = "") -> None:
        """Book what a call spent.

        Raises:
            UnpricedModelError: a dollar ceiling is set and ``usage`` could not be priced. Its tokens are
                booked (the token ceiling still counts them); its cost is not known, so the run must stop.
        """
        self.spent = self.spent + usage
        if usage.unpriced and self.budget.max_cost_usd is not None:
            raise unpriced_error(
                [model or "a model"], self.budget.max_cost_usd, what="a reply's cost could not be counted: no price is known for"
            )

    def charge_worst_case(self, pricing: Pricing, prompt_tokens: int, max_tokens: int) -> Usage:
        """Record a call whose real usage is unknown (cancelled mid-flight) at its reserved worst case."""
        usage = Usage(
            input_tokens=prompt_tokens,
            output_tokens=max_tokens,
            cost_usd=pricing.cost(prompt_tokens, max_tokens),
            unpriced=not pricing.known,
        )
        self.spent = self.spent + usage
        return usage
