"""Uncertainty signals, difficulty estimation, routing policies and thinking strategies."""

from policies.difficulty import DifficultyEstimator, Estimate
from policies.routing import AdaptivePolicy, FastPolicy, RandomPolicy, RouteAction, RouteContext, RoutingPolicy, ThinkPolicy, get_policy

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
