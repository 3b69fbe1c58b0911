"""Tools phase: run the calls a completion asked for and append them and their results to the messages."""

from __future__ import annotations

import asyncio
import time

from thinkdial.models.base import Completion, Message, ToolCall
from thinkdial.phases.context import BudgetStop, RunContext, ToolHandOver
from thinkdial.policies.reading.answers import normalize_answer
from thinkdial.prompts import INVALID_TOOL_CALL, TOOL_REPEAT_NOTE
from thinkdial.result import Step
from thinkdial.tools import ToolContext
from thinkdial.trace import ToolCalled, ToolReturned


async def run_tools(ctx: RunContext, messages: list[Message], result: Completion, step: Step) -> bool:
    """Run every call of ``result``; True when any succeeded. A repeated call is answered from memory."""
    state = ctx.state
    any_ok = False
    messages.append(Message(role="assistant", content=result.text, tool_calls=result.tool_calls))
    for call in result.tool_calls:
        ctx.emit(ToolCalled(step=state.step_no, call_id=call.id, name=call.name, arguments=call.arguments))
        key = (call.name, call.arguments)
        if key in state.tool_memo:
            ok, content, _ = state.tool_memo[key]
            outcome = (ok, content + TOOL_REPEAT_NOTE.format(name=call.name), 0.0)
        else:
            outcome = await call_tool(ctx, call)
            state.tool_memo[key] = outcome
            if outcome[0]:
                state.tool_values.add(normalize_answer(outcome[1]))
        ok, content, seconds = outcome
        step.tool_calls.append({"name": call.name, "arguments": call.arguments, "ok": ok, "result": content})
        ctx.emit(ToolReturned(step=state.step_no, call_id=call.id, name=call.name, ok=ok, content=content, seconds=seconds))
        messages.append(Message(role="tool", content=content, tool_call_id=call.id, name=call.name))
        any_ok = any_ok or ok
    return any_ok


def hand_over(ctx: RunContext, messages: list[Message], result: Completion, step: Step) -> None:
    """End the run with the calls of ``result`` that name a tool the caller runs (``external_tools``).

    The assistant message with those calls ends ``messages``; calls to the agent's own tools in the same
    completion are dropped, not run (the caller could not send their results back). Raises
    :class:`ToolHandOver` when there is any such call, else returns.
    """
    external = ctx.settings.external_tools
    calls = [c for c in result.tool_calls if c.name in external]
    if not calls:
        return
    messages.append(Message(role="assistant", content=result.text, tool_calls=calls))
    for call in calls:
        ctx.emit(ToolCalled(step=ctx.state.step_no, call_id=call.id, name=call.name, arguments=call.arguments))
        step.tool_calls.append({"name": call.name, "arguments": call.arguments, "ok": None, "result": None, "handed_over": True})
    raise ToolHandOver(f"handed {len(calls)} tool call(s) to the caller: " + ", ".join(c.name for c in calls))


async def call_tool(ctx: RunContext, call: ToolCall) -> tuple[bool, str, float]:
    """One call within its timeout and the time ceiling: (ok, content, seconds)."""
    s = ctx.settings
    if call.name == "invalid":
        return False, INVALID_TOOL_CALL.format(raw=call.arguments[:200]), 0.0
    left = ctx.ledger.remaining()
    context = ToolContext(workspace=s.workspace, remaining=left)
    tool = s.toolset.get(call.name) if call.name in s.toolset else None
    limit = tool.timeout if tool is not None and tool.timeout is not None else s.tool_timeout
    if left.seconds is not None:
        limit = min(limit, left.seconds) if limit is not None else left.seconds
    started = time.perf_counter()
    try:
        res = await asyncio.wait_for(s.toolset.call(call.name, call.arguments, context), timeout=limit)
    except TimeoutError:
        if left.seconds is not None and limit == left.seconds:
            raise BudgetStop(f"time ceiling reached while the tool {call.name} ran") from None
        return False, f"Tool '{call.name}' timed out after {limit:g} s.", time.perf_counter() - started
    return res.ok, res.content, res.seconds
