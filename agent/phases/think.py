"""Think phase: escalate a step to the thinker, if the budget can pay for it."""

from __future__ import annotations

from thinkdial.models.base import Completion, Message, ToolSpec
from thinkdial.phases.agent_steps import assess_calls, grounded_tool_specs
from thinkdial.phases.context import RunContext
from thinkdial.phases.strategies import WHOLE_ANSWER, strategy_for
from thinkdial.policies.routing import RouteAction
from thinkdial.policies.voting import split_cot
from thinkdial.result import Step
from thinkdial.trace import RouteDecision, Thinking


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


def grammar_call_fault(ctx: RunContext, result: Completion, messages: list[Message]) -> str:
    """Why a grammar-forced reply is not a usable action (empty when it is): a direct answer squeezed into the
    grammar, or a call that the tool-step estimate faults for an unknown tool, schema-failing or ungrounded
    arguments, or repeating a call the run already made."""
    if not result.tool_calls:
        return "a direct answer squeezed into the grammar"
    call = assess_calls(ctx, messages, result)
    faults = [name for name in ("unknown_tool", "schema_invalid", "repeated_call") if call.signals.get(name)]
    if call.signals.get("ungrounded_args"):
        faults.append("ungrounded_args")
    return ", ".join(faults)


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
    # long answer into one string), and not right after tool results, where the thinker answers from them, unless
    # the step's draft was itself a tool call (the thinker chooses the action), a result points at a file
    # nobody has read (the next action is to read it) or holds numbers the question wants computed.
    fresh_results = bool(messages) and messages[-1].role == "tool"
    choose_action = step.estimate_stage == "tool_call" or bool(ctx.state.pointers) or bool(ctx.state.compute)
    offer_tools = bool(s.tool_specs) and (not fresh_results or choose_action) and (not long_form or thinker.capabilities.tools)
    result = None
    cap = budget + s.thinking.answer_tokens
    specs: list[ToolSpec] = []
    required = False
    if offer_tools:
        if not thinker.capabilities.tools:
            # Only a tool call is kept from a grammar-forced reply, and a call is short; uncapped, a small model
            # can spend the whole thinking budget inside one JSON string (a thousand digits, a minute on a CPU).
            cap = min(cap, GRAMMAR_CALL_TOKENS)
        # A local grammar gets the offered values the conversation mentions, and only the calls that look where it
        # points when it names a file nobody has read (a model with native tools gets the specs as they are).
        specs, required = (s.tool_specs, False) if thinker.capabilities.tools else grounded_tool_specs(ctx, messages)
    if specs:
        result = await ctx.call(
            "think", "think", thinker, messages, cap, min_tokens=min(need, cap), tools=specs,
            tool_choice="required" if required else "auto",
            temperature=0.0, seed=s.seed, thinking_budget=budget if native else None,
        )
        why = grammar_call_fault(ctx, result, messages) if result is not None and not thinker.capabilities.tools else ""
        if why:
            # A JSON grammar squeezes a direct answer into one string, and a small model reaches for a tool that
            # does not exist, with arguments that fail its schema or that nobody mentioned, or for a call already
            # made: none of that is thinking. Think with the strategy instead.
            assert result is not None
            set_aside = result.text or "; ".join(f"{c.name}({c.arguments})" for c in result.tool_calls)
            step.faults.append(f"the thinker's call {set_aside} was set aside: {why}")
            ctx.emit(Thinking(step=ctx.state.step_no, text=f"[grammar reply set aside ({why}): {set_aside}]"))
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
