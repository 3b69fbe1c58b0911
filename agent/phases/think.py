"""Think phase: escalate a step to the thinker, if the budget can pay for it."""

from __future__ import annotations

import re

from thinkdial.models.base import Completion, Message
from thinkdial.phases.context import RunContext
from thinkdial.phases.strategies import WHOLE_ANSWER, strategy_for
from thinkdial.policies.routing import RouteAction
from thinkdial.policies.voting import split_cot
from thinkdial.result import Step
from thinkdial.trace import RouteDecision, Thinking

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def decide(ctx: RunContext, step: Step, action: str, route: str, level: str | None, reason: str, budget: int | None = None) -> None:
    """Record the route decision on the step and in the trace."""
    step.route = route  # type: ignore[assignment]
    step.action = action
    step.level = level
    step.thinking_budget = budget
    step.decision_reason = reason
    ctx.emit(
        RouteDecision(step=ctx.state.step_no, action=action, route=route, level=level, thinking_budget=budget, reason=reason)  # type: ignore[arg-type]
    )


GRAMMAR_CALL_TOKENS = 256
"""Output tokens a grammar-forced tool call (a local model without native tools) may take."""


def usable_grammar_call(result: Completion, messages: list[Message]) -> bool:
    """Whether a grammar-forced reply is a tool call grounded in the conversation.

    A direct answer forced through the grammar is not (it is one squeezed string), and neither is a call
    whose arguments hold numbers that appear nowhere in the conversation (invented inputs).
    """
    if not result.tool_calls:
        return False
    seen = set(_NUMBER.findall(" ".join(m.content for m in messages)))
    for call in result.tool_calls:
        numbers = set(_NUMBER.findall(call.arguments))
        if numbers and not numbers & seen:
            return False
    return True


async def think(ctx: RunContext, messages: list[Message], action: RouteAction, step: Step, *, long_form: bool) -> Completion | None:
    """Run the think route at ``action.level``; ``None`` keeps the draft (the budget cannot pay, or no call was allowed)."""
    s = ctx.settings
    level = action.level or "medium"
    budget = s.thinking.levels[level]
    thinker = s.thinker
    native = thinker.capabilities.reasoning and s.thinking.strategy in ("auto", "native")
    strategy = strategy_for(thinker, s.thinking.strategy) if (native or not long_form) else WHOLE_ANSWER
    need = s.thinking.min_tokens
    bound = ctx.ledger.affordable_output(thinker.pricing, thinker.count_tokens(messages, s.tool_specs))
    if bound is not None and bound < need:
        decide(
            ctx, step, "keep", "fast", level,
            f"escalation to {level} was wanted ({action.reason}) but the remaining budget allows only "
            f"{max(bound, 0)} output tokens of the {need} needed; keeping the draft",
        )
        return None
    decide(ctx, step, "escalate", "think", level, f"{action.reason}; strategy {strategy.name}", budget)

    # Tools are offered on short-answer steps (a local model gets them through a JSON grammar, which would squeeze a
    # long answer into one string), and not right after tool results, where the thinker answers from them.
    fresh_results = bool(messages) and messages[-1].role == "tool"
    offer_tools = bool(s.tool_specs) and not fresh_results and (not long_form or thinker.capabilities.tools)
    result = None
    if offer_tools:
        cap = budget + s.thinking.answer_tokens
        if not thinker.capabilities.tools:
            # Only a tool call is kept from a grammar-forced reply, and a call is short; uncapped, a small model
            # can spend the whole thinking budget inside one JSON string (a thousand digits, a minute on a CPU).
            cap = min(cap, GRAMMAR_CALL_TOKENS)
        result = await ctx.call(
            "think", "think", thinker, messages, cap, min_tokens=min(need, cap), tools=s.tool_specs,
            temperature=0.0, seed=s.seed, thinking_budget=budget if native else None,
        )
        if result is not None and not thinker.capabilities.tools and not usable_grammar_call(result, messages):
            # A JSON grammar squeezes a direct answer into one string, and a small model reaches for a tool with
            # numbers it made up: neither is thinking. Think with the strategy instead.
            set_aside = result.text or "; ".join(f"{c.name}({c.arguments})" for c in result.tool_calls)
            ctx.emit(Thinking(step=ctx.state.step_no, text=f"[grammar reply set aside: {set_aside}]"))
            result = None
    if result is None:
        result = await strategy.think(ctx, messages, level, budget)
    if result is not None and not long_form and not result.tool_calls:
        # The marked final answer, whole, when the thinker marked one; else its whole reply.
        answer, working = split_cot(result.text)
        if working:
            result = result.model_copy(update={"text": answer, "thinking": "\n\n".join(x for x in (result.thinking, working) if x)})
    if result is not None and result.thinking:
        step.thinking = result.thinking
        ctx.emit(Thinking(step=ctx.state.step_no, text=result.thinking))
    return result
