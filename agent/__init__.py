"""thinkdial: an agent framework with adaptive thinking budgets.

``from thinkdial import Agent, Budget`` is all most scripts need. Names load on
first use so that ``import thinkdial`` (and ``thinkdial --help``) stays instant.
"""

from __future__ import annotations

if __name__ != "thinkdial":
    raise ImportError(
        f"{__name__!r} is thinkdial's source folder; import it as 'thinkdial' "
        "(install the project with `pip install -e .`)."
    )

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (``import thinkdial`` stays instant)

__all__ = ["Agent", "Budget", "RunResult", "Step", "tool"]

if TYPE_CHECKING:
    from typing import Any

    from thinkdial.agent import Agent
    from thinkdial.budget import Budget
    from thinkdial.result import RunResult, Step
    from thinkdial.tools import tool

_WHERE = {
    "Agent": "thinkdial.agent", "Budget": "thinkdial.budget", "RunResult": "thinkdial.result", "Step": "thinkdial.result",
    "tool": "thinkdial.tools",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'thinkdial' has no attribute {name!r}")
