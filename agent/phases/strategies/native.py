"""Native thinking: the budget goes to the model's own knob (reasoning effort, thinking tokens, budget forcing)."""

from __future__ import annotations

from thinkdial.models.base import Completion, Message
from thinkdial.phases.context import RunContext


class NativeThinking:
    """One call; the model thinks by itself within ``budget`` and then answers."""

    name = "native"

    async def think(self, ctx: RunContext, messages: list[Message], level: str, budget: int) -> Completion | None:
        s = ctx.settings
        return await ctx.call(
            "think", "think", s.thinker, messages, budget + s.thinking.answer_tokens, min_tokens=s.thinking.min_tokens,
            thinking_budget=budget, seed=s.seed, min_thinking=budget // 4,
        )
