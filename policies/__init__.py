"""Uncertainty signals, difficulty estimation, routing policies and thinking strategies.

Names load on first use, so importing one light module (``thinkdial.policies.routing``
from the command line, say) does not pay for the difficulty estimator.
"""

from __future__ import annotations

if __name__ != "thinkdial.policies":
    raise ImportError(
        f"{__name__!r} is thinkdial's source folder; import it as 'thinkdial.policies' "
        "(install the project with `pip install -e .`)."
    )

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from thinkdial.policies.estimate.difficulty import DifficultyEstimator as DifficultyEstimator
    from thinkdial.policies.estimate.difficulty import Estimate as Estimate
    from thinkdial.policies.routing import (
        AdaptivePolicy as AdaptivePolicy,
    )
    from thinkdial.policies.routing import (
        FastPolicy as FastPolicy,
    )
    from thinkdial.policies.routing import (
        RandomPolicy as RandomPolicy,
    )
    from thinkdial.policies.routing import (
        RouteAction as RouteAction,
    )
    from thinkdial.policies.routing import (
        RouteContext as RouteContext,
    )
    from thinkdial.policies.routing import (
        RoutingPolicy as RoutingPolicy,
    )
    from thinkdial.policies.routing import (
        ThinkPolicy as ThinkPolicy,
    )
    from thinkdial.policies.routing import (
        get_policy as get_policy,
    )

_WHERE = {
    "DifficultyEstimator": "thinkdial.policies.estimate.difficulty",
    "Estimate": "thinkdial.policies.estimate.difficulty",
    **{
        name: "thinkdial.policies.routing"
        for name in ("AdaptivePolicy", "FastPolicy", "RandomPolicy", "RouteAction", "RouteContext", "RoutingPolicy",
                     "ThinkPolicy", "get_policy")
    },
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'thinkdial.policies' has no attribute {name!r}")
