"""Routing policies: from a step's difficulty to an action.

A policy sees the difficulty in [0, 1], the signals behind it and what is
left of the budget, and returns a :class:`RouteAction`: keep the fast draft,
escalate to the thinker with a budget level, sample more, or stop. Write your
own by implementing ``decide``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Level = Literal["low", "medium", "high"]

DEFAULT_LEVEL_TOKENS: dict[str, int] = {"low": 256, "medium": 1024, "high": 4096}


@dataclass(frozen=True)
class RouteAction:
    """What to do with a step."""

    action: Literal["keep", "escalate", "sample_more", "stop"]
    level: Level | None = None
    reason: str = ""


@dataclass
class RouteContext:
    """What a policy sees. ``remaining`` has ``cost_usd``, ``tokens``, ``steps``, ``seconds`` (None = unlimited)."""

    difficulty: float
    signals: dict[str, float]
    remaining: Any
    stage: str = "tokens"
    samples_taken: int = 0


@runtime_checkable
class RoutingPolicy(Protocol):
    """Anything with a name and ``decide``."""

    name: str

    def decide(self, ctx: RouteContext) -> RouteAction: ...


@dataclass
class FastPolicy:
    """Never escalate: the fast draft is the answer."""

    name: str = "fast"

    def decide(self, ctx: RouteContext) -> RouteAction:
        return RouteAction("keep", reason="policy 'fast' never escalates")


@dataclass
class ThinkPolicy:
    """Always escalate, at a fixed level."""

    level: Level = "medium"
    name: str = "think"

    def decide(self, ctx: RouteContext) -> RouteAction:
        return RouteAction("escalate", self.level, reason="policy 'think' always escalates")


@dataclass
class AdaptivePolicy:
    """Escalate when the difficulty crosses ``threshold``; the level grows with the difficulty.

    ``medium_at`` and ``high_at`` are the difficulties from which the medium and
    high thinking budgets are bought.
    """

    threshold: float = 0.5
    medium_at: float = 0.75
    high_at: float = 0.9
    name: str = "adaptive"
    levels: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LEVEL_TOKENS))

    def decide(self, ctx: RouteContext) -> RouteAction:
        d = ctx.difficulty
        if d < self.threshold:
            return RouteAction("keep", reason=f"difficulty {d:.2f} < threshold {self.threshold:.2f}")
        level: Level = "high" if d >= self.high_at else "medium" if d >= self.medium_at else "low"
        return RouteAction("escalate", level, reason=f"difficulty {d:.2f} >= threshold {self.threshold:.2f}")


@dataclass
class RandomPolicy:
    """Escalate a fixed fraction of steps at random (the baseline adaptive routing must beat)."""

    rate: float = 0.5
    seed: int = 0
    level: Level = "medium"
    name: str = "random"

    def __post_init__(self) -> None:
        import random

        self._rng = random.Random(self.seed)

    def decide(self, ctx: RouteContext) -> RouteAction:
        if self._rng.random() < self.rate:
            return RouteAction("escalate", self.level, reason=f"random escalation at rate {self.rate:.2f}")
        return RouteAction("keep", reason="random: kept")


def get_policy(policy: str | RoutingPolicy | None, threshold: float | None = None) -> RoutingPolicy:
    """A built-in policy by name (``adaptive``, ``fast``, ``think``), or the given policy object."""
    if policy is None or policy == "adaptive":
        return AdaptivePolicy() if threshold is None else AdaptivePolicy(threshold=threshold)
    if isinstance(policy, str):
        if policy == "fast":
            return FastPolicy()
        if policy == "think":
            return ThinkPolicy()
        raise ValueError(f"Unknown policy {policy!r}: use 'adaptive', 'fast', 'think' or a policy object.")
    if not isinstance(policy, RoutingPolicy):
        raise TypeError("A policy needs a 'name' and a 'decide(ctx)' method.")
    return policy
