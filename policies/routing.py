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

POLICY_NAMES: tuple[str, ...] = ("adaptive", "fast", "think")
"""The built-in policies by name (``get_policy`` also takes ``"share:0.3"`` and policy objects)."""


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
    thinker_right: float | None = None
    """The pair's calibrated P(thinker right) before thinking; None when the pair has no calibration (trust it)."""

    @property
    def expected_gain(self) -> float | None:
        """P(thinker right) - P(draft right): what escalating is expected to add; None without a calibration."""
        if self.thinker_right is None:
            return None
        return self.thinker_right - (1.0 - self.difficulty)


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
    """Escalate when the difficulty crosses ``threshold`` and thinking is expected to gain; the level grows
    with the difficulty.

    With a calibration for the pair (``RouteContext.thinker_right``), a step escalates only when the expected
    gain ``P(thinker right) - P(draft right)`` exceeds ``min_gain``; without one the thinker is trusted and the
    difficulty alone decides. ``medium_at`` and ``high_at`` are the difficulties from which the medium and
    high thinking budgets are bought.
    """

    threshold: float = 0.5
    medium_at: float = 0.75
    high_at: float = 0.9
    min_gain: float = 0.0
    name: str = "adaptive"
    levels: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LEVEL_TOKENS))

    def decide(self, ctx: RouteContext) -> RouteAction:
        d = ctx.difficulty
        if d < self.threshold:
            return RouteAction("keep", reason=f"difficulty {d:.2f} < threshold {self.threshold:.2f}")
        gain = ctx.expected_gain
        if gain is not None and gain <= self.min_gain:
            return RouteAction(
                "keep", reason=f"difficulty {d:.2f} but expected gain {gain:+.2f} (thinker right {ctx.thinker_right:.2f})"
            )
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


def share_threshold(quantiles: list[float], share: float) -> float:
    """The difficulty above which ``share`` of the calibration steps lie.

    ``quantiles[i]`` is the difficulty at the ``i / (len - 1)`` quantile of the calibration
    runs (as ``thinkdial calibrate`` stores it); linear interpolation in between.
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError("share must be in [0, 1]")
    if not quantiles:
        raise ValueError("need at least one quantile")
    qs = sorted(quantiles)
    if share <= 0.0:
        return float("inf")
    pos = (1.0 - share) * (len(qs) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(qs) - 1)
    return qs[lo] + (qs[hi] - qs[lo]) * (pos - lo)


@dataclass
class TargetSharePolicy:
    """Escalate a chosen share of steps (RouteLLM-style "send 30 % to the strong model").

    The threshold is the ``1 - share`` quantile of the difficulties seen in calibration runs
    (``quantiles``, stored by ``thinkdial calibrate`` and by the shipped default calibration).
    Without quantiles it uses the difficulties of the steps it has decided so far (after
    ``warmup`` steps; before that, ``fallback``). Levels grow above the threshold as in
    :class:`AdaptivePolicy`.
    """

    share: float = 0.3
    quantiles: list[float] | None = None
    fallback: float = 0.5
    warmup: int = 20
    name: str = "share"
    levels: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LEVEL_TOKENS))
    _seen: list[float] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.share <= 1.0:
            raise ValueError("share must be in [0, 1]")

    @classmethod
    def from_calibration(cls, share: float, model_name: str | None = None) -> TargetSharePolicy:
        """Quantiles from the model's stored calibration (``thinkdial calibrate``), else the shipped default's."""
        import json
        from pathlib import Path

        from thinkdial.policies.estimate.calibration import calibration_path

        files = [calibration_path(model_name)] if model_name else []
        files.append(Path(__file__).parent / "estimate" / "calibration_default.json")
        for file in files:
            if file.exists():
                q = json.loads(file.read_text(encoding="utf-8")).get("difficulty_quantiles")
                if q:
                    return cls(share=share, quantiles=[float(x) for x in q])
        return cls(share=share)

    @property
    def threshold(self) -> float:
        """The current difficulty threshold."""
        if self.quantiles:
            return share_threshold(self.quantiles, self.share)
        if len(self._seen) >= self.warmup:
            return share_threshold(self._seen, self.share)
        return self.fallback

    def decide(self, ctx: RouteContext) -> RouteAction:
        t = self.threshold
        d = ctx.difficulty
        self._seen.append(d)
        if self.share <= 0.0 or d < t:
            return RouteAction("keep", reason=f"difficulty {d:.2f} < {t:.2f} (escalating {self.share:.0%} of steps)")
        if self.share >= 1.0:
            return RouteAction("escalate", "medium", reason="share 100%: always escalate")
        room = max(1e-9, 1.0 - t)
        level: Level = "high" if d >= t + 0.66 * room else "medium" if d >= t + 0.33 * room else "low"
        return RouteAction("escalate", level, reason=f"difficulty {d:.2f} >= {t:.2f} (escalating {self.share:.0%} of steps)")


def get_policy(policy: str | RoutingPolicy | None, threshold: float | None = None) -> RoutingPolicy:
    """A built-in policy by name (``adaptive``, ``fast``, ``think``, ``share:0.3``), or the given policy object.

    ``share:S`` is a :class:`TargetSharePolicy` escalating the share ``S`` of steps, its threshold
    from the shipped calibration's difficulty quantiles.
    """
    if policy is None or policy == "adaptive":
        return AdaptivePolicy() if threshold is None else AdaptivePolicy(threshold=threshold)
    if isinstance(policy, str) and policy.startswith("share"):
        try:
            value = float(policy.split(":", 1)[1]) if ":" in policy else 0.3
        except ValueError:
            raise ValueError(f"Bad share policy {policy!r}: use 'share:0.3' (a share in [0, 1]).") from None
        if value > 1.0:
            value /= 100.0
        return TargetSharePolicy.from_calibration(value)
    if isinstance(policy, str):
        if policy == "fast":
            return FastPolicy()
        if policy == "think":
            return ThinkPolicy()
        raise ValueError(f"Unknown policy {policy!r}: use 'adaptive', 'fast', 'think', 'share:0.3' or a policy object.")
    if not isinstance(policy, RoutingPolicy):
        raise TypeError("A policy needs a 'name' and a 'decide(ctx)' method.")
    return policy
