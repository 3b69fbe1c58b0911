"""Uncertainty signals, difficulty estimation, routing policies and thinking strategies."""

if __name__ != "thinkdial.policies":
    raise ImportError(
        f"{__name__!r} is thinkdial's source folder; import it as 'thinkdial.policies' "
        "(install the project with `pip install -e .`)."
    )

from thinkdial.policies.difficulty import DifficultyEstimator, Estimate
from thinkdial.policies.routing import AdaptivePolicy, FastPolicy, RandomPolicy, RouteAction, RouteContext, RoutingPolicy, ThinkPolicy, get_policy

__all__ = [
    "AdaptivePolicy",
    "DifficultyEstimator",
    "Estimate",
    "FastPolicy",
    "RandomPolicy",
    "RouteAction",
    "RouteContext",
    "RoutingPolicy",
    "ThinkPolicy",
    "get_policy",
]
