"""Thinking strategies: one protocol, one file each.

A strategy spends a thinking budget on the messages so far and returns the
thinker's completion (or ``None`` when the ledger allowed no call). Adding a
strategy is adding a file and an entry in :data:`STRATEGIES`.
"""

from __future__ import annotations

from typing import Protocol

from thinkdial.models.base import Completion, Message, Model
from thinkdial.phases.context import RunContext
from thinkdial.phases.strategies.chain import ChainOfThought, ParallelChains
from thinkdial.phases.strategies.native import NativeThinking
from thinkdial.phases.strategies.whole_answer import WholeAnswer


class Strategy(Protocol):
    """How the think route spends ``budget`` thinking tokens at ``level``."""

    name: str

    async def think(self, ctx: RunContext, messages: list[Message], level: str, budget: int) -> Completion | None: ...


STRATEGIES: dict[str, Strategy] = {
    "native": NativeThinking(),
    "cot": ChainOfThought(),
    "parallel": ParallelChains(),
}
"""Strategies for short-answer steps, by the name ``ThinkingSettings.strategy`` uses."""

WHOLE_ANSWER: Strategy = WholeAnswer()
"""The strategy for open-ended steps on models that do not think natively."""


def strategy_for(model: Model, name: str) -> Strategy:
    """The strategy ``name`` names; ``"auto"`` is native thinking where the model reasons by itself, else parallel chains."""
    if name == "auto":
        name = "native" if model.capabilities.reasoning else "parallel"
    return STRATEGIES[name]


__all__ = ["STRATEGIES", "WHOLE_ANSWER", "Strategy", "strategy_for"]
