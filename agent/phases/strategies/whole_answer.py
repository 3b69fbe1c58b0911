"""Open-ended steps on plain models: a few whole answers; the best complete one wins.

The cost is predictable: at most ``n`` calls of ``long_answer_tokens`` each, with
``n`` = 1 / 2 / 3 for the low / medium / high level, stopping at the first complete,
fluent answer. No answer is extracted:
the winner is returned whole. Complete answers beat ones cut off by their cap,
which beat looping ones; within a class the more confident wins.
"""

from __future__ import annotations

from thinkdial.models.base import Completion, Message
from thinkdial.phases.context import RunContext
from thinkdial.policies.estimate.long_form import answer_quality
from thinkdial.prompts import LONG_ANSWER_INSTRUCTION

CANDIDATES_BY_LEVEL = {"low": 1, "medium": 2, "high": 3}


class WholeAnswer:
    """Best of ``n`` whole answers by :func:`~thinkdial.policies.estimate.long_form.answer_quality`."""

    name = "whole_answer"

    async def think(self, ctx: RunContext, messages: list[Message], level: str, budget: int) -> Completion | None:
        s = ctx.settings
        prompt = [Message(role="system", content=LONG_ANSWER_INSTRUCTION), *[m for m in messages if m.role != "system"]]
        n = CANDIDATES_BY_LEVEL.get(level, 1)
        best: Completion | None = None
        best_score = (-2, 0.0)
        spent = None
        for i in range(n):
            c = await ctx.call(
                "think", "think", s.thinker, prompt, s.thinking.long_answer_tokens, min_tokens=s.thinking.min_tokens,
                stream=i == 0, temperature=0.0 if i == 0 else 0.7, seed=(s.seed or 0) + i,
            )
            if c is None:
                break
            spent = c.usage if spent is None else spent + c.usage
            score = answer_quality(c)
            if best is None or score > best_score:
                best, best_score = c, score
            if score[0] == 2:
                break  # a complete, fluent answer: more candidates would cost without a clear gain
        if best is None or spent is None:
            return None
        return best.model_copy(update={"usage": spent})
