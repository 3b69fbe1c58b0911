"""thinkdial: an agent framework with adaptive thinking budgets.

``from agent import Agent, Budget`` is all most scripts need. Names load on
first use so that ``import agent`` (and ``thinkdial --help``) stays instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Agent", "Budget", "RunResult", "Step"]

if TYPE_CHECKING:
    from agent.agent import Agent
    from agent.budget import Budget
    from agent.result import RunResult, Step

_WHERE = {"Agent": "agent.agent", "Budget": "agent.budget", "RunResult": "agent.result", "Step": "agent.result"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'agent' has no attribute {name!r}")
