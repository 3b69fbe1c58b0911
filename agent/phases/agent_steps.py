"""Agent steps: the difficulty of a tool-call draft, grounding of answers in tool results, and run progress.

Glue between the run state and the pure policies (``policies.estimate.tool_steps``, ``.grounding`` and
``.progress``): what the tools say of a call (does the tool exist, do the arguments validate), what the
conversation holds, what was called before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from thinkdial.models.base import Completion, Message, ToolSpec
from thinkdial.phases.context import RunContext
from thinkdial.policies.estimate.grounding import (
    ToolNeed,
    answer_in_result,
    call_bears_on,
    mentioned_values,
    pending_computation,
    tool_need,
    unread_pointers,
)
from thinkdial.policies.estimate.progress import CallRecord, Progress, progress
from thinkdial.policies.estimate.tool_steps import (
    CallFacts,
    ToolStepEstimate,
    argument_values,
    call_confidence,
    tool_step_estimate,
)

__all__ = [
    "AnswerGrounding",
    "answer_grounding",
    "assess_calls",
    "call_records",
    "conversation_text",
    "grounded_tool_specs",
    "known_paths",
    "must_look_first",
    "run_progress",
]

_BUDGET_LINE = re.compile(r"\[Budget left: [^\]\n]*\]")

MAX_CONTEXT_CHARS = 200_000
"""Only this much of the conversation is searched for an argument's value (the latest part wins)."""


def conversation_text(messages: Sequence[Message]) -> str:
    """What a call may draw on: every message but the system prompt, tool results included (bounded), without
    the budget line of ``Agent(budget_note=True)`` (its numbers ground nothing)."""
    text = "\n".join(m.content for m in messages if m.role != "system" and m.content)
    return _BUDGET_LINE.sub("", text[-MAX_CONTEXT_CHARS:])


def call_records(ctx: RunContext) -> list[CallRecord]:
    """Every tool call the run made so far (after those its caller ran before it), in order, with its outcome."""
    calls = [*ctx.state.prior_calls, *(c for s in ctx.state.steps for c in s.tool_calls)]
    return [CallRecord(str(c["name"]), str(c["arguments"]), bool(c["ok"]), str(c.get("result", ""))) for c in calls]


def known_paths(ctx: RunContext) -> list[str]:
    """The paths the run's tools offer (``Tool.offers``: the workspace's files and folders)."""
    out: list[str] = []
    for spec in ctx.settings.tool_specs:
        for values in spec.offered.values():
            out.extend(v for v in values if v not in (".", ""))
    return list(dict.fromkeys(out))


def grounded_tool_specs(ctx: RunContext, messages: Sequence[Message]) -> tuple[list[ToolSpec], bool]:
    """The tool specs a local grammar gets, and whether a call is required.

    Each offered argument is narrowed to the values the conversation mentions (the root ``"."`` always), so the
    grammar cannot write a path nobody named; a tool left with no value for an argument is not offered. When the conversation names an offered value that
    no call has used yet (a file the question names, one a result points at), only the tools that can take it
    are offered, with only those values, and a call is required: the next action is to look there. A question
    about the workspace that no call has listed gets only the calls that look at its root (a tool offering
    ``"."``), required; numbers from a result that the question wants computed, only the tools that take no
    offered value (the calculator), required.
    """
    text = conversation_text(messages)
    used = {(c.name, v) for c in call_records(ctx) for _, v in argument_values(c.arguments) if isinstance(v, str)}
    narrowed_specs, focused = [], []
    for spec in ctx.settings.tool_specs:
        if not spec.offered:
            narrowed_specs.append(spec)
            continue
        narrowed, fresh = {}, {}
        for key, values in spec.offered.items():
            narrowed[key] = mentioned_values(values, text)
            unused = [v for v in narrowed[key] if v not in (".", "./") and (spec.name, v) not in used]
            if unused:
                fresh[key] = unused
        if all(narrowed.values()):  # a tool none of whose offered values is named could only make ungrounded calls
            narrowed_specs.append(spec.model_copy(update={"offered": narrowed}))
        if fresh:
            focused.append(spec.model_copy(update={"offered": fresh}))
    if not focused and tool_need(ctx.task).workspace:
        # A question about the workspace that nobody has listed yet: the calls that look at its root.
        listed = {c.name for c in call_records(ctx) if c.ok}
        rooted = [spec for spec in ctx.settings.tool_specs if any("." in v for v in spec.offered.values())]
        if rooted and not listed & {spec.name for spec in rooted}:
            return [spec.model_copy(update={"offered": {k: ["."] for k, v in spec.offered.items() if "." in v}})
                    for spec in rooted], True
    if ctx.state.compute and not ctx.state.pointers:
        # Numbers from a result are to be computed: the tools that take no offered value (the calculator).
        computing = [spec for spec in ctx.settings.tool_specs if not spec.offered]
        if computing:
            return computing, True
    return (focused, True) if focused else (narrowed_specs, False)


def _defaults(ctx: RunContext) -> dict[str, dict[str, Any]]:
    return {
        spec.name: {k: p["default"] for k, p in spec.parameters.get("properties", {}).items() if "default" in p}
        for spec in ctx.settings.tool_specs
    }


def _facts(ctx: RunContext, completion: Completion) -> list[CallFacts]:
    toolset = ctx.settings.toolset
    external = {spec.name: spec for spec in ctx.settings.tool_specs if spec.name in ctx.settings.external_tools}
    out = []
    for call in completion.tool_calls:
        if call.name in external:  # the caller's own tool (Agent.run_messages): checked against its JSON schema
            out.append(CallFacts(call.name, call.arguments, True, _schema_problem(external[call.name], call.arguments)))
            continue
        tool = toolset.get(call.name) if call.name in toolset else None
        invalid = tool.check_arguments(call.arguments) if tool is not None else None
        out.append(CallFacts(call.name, call.arguments, tool is not None, invalid))
    return out


def _schema_problem(spec: ToolSpec, arguments: str) -> str | None:
    """What is wrong with ``arguments`` for a tool known only by its JSON schema (not an object, a required key
    missing), or None."""
    import json

    try:
        data = json.loads(arguments) if arguments.strip() else {}
    except (ValueError, RecursionError):
        return "the arguments are not JSON"
    if not isinstance(data, dict):
        return "the arguments are not a JSON object"
    missing = [k for k in spec.parameters.get("required", []) if k not in data]
    return f"missing required argument {', '.join(missing)}" if missing else None


def _normal(arguments: str) -> str:
    return " ".join(arguments.split())


def assess_calls(ctx: RunContext, messages: Sequence[Message], completion: Completion) -> ToolStepEstimate:
    """The difficulty of the tool calls ``completion`` asks for, in this run's conversation."""
    facts = _facts(ctx, completion)
    earlier = {(c.name, _normal(c.arguments)) for c in call_records(ctx)}
    previous = ctx.state.steps[-2].tool_calls if len(ctx.state.steps) >= 2 else []
    return tool_step_estimate(
        facts,
        context=conversation_text(messages),
        confidence=call_confidence(completion, facts),
        previous_error=bool(previous) and not any(c["ok"] for c in previous),
        repeated=any((f.name, _normal(f.arguments)) in earlier for f in facts),
        defaults=_defaults(ctx),
    )


@dataclass
class AnswerGrounding:
    """How a direct answer stands towards the tools: grounded in a call that bears on the question, or not."""

    grounded: bool = False
    """The answer restates the result of a call that bears on the question."""
    floor: float = 0.0
    """The least difficulty the answer gets (a question only a tool can answer, a pointer not followed)."""
    signals: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


def answer_grounding(ctx: RunContext, answer: str | None, claim_false: bool) -> AnswerGrounding:
    """Whether ``answer`` (the draft's answer) is grounded in this run's tool results, or must not be trusted.

    Grounded: it restates a successful result of a call bearing on the question, and no exact check finds a
    false claim in it. Floored (``grounding.UNSEEN_FLOOR``): the question names a file or asks about the workspace,
    a tool could look, and no call bearing on it succeeded; a result points at a file nobody has read; a result's
    numbers are to be computed and no call has; or the answer repeats a call's arguments (``hint.txt``, the
    expression ``12``) rather than a result (a small model copying its own call turn).
    """
    from thinkdial.policies.estimate.grounding import UNSEEN_FLOOR

    out = AnswerGrounding()
    if not ctx.settings.tool_specs:
        return out
    paths = known_paths(ctx)
    need: ToolNeed = tool_need(ctx.task, paths)
    records = call_records(ctx)
    earlier = ""
    bearing: list[CallRecord] = []
    for rec in records:
        if rec.ok and call_bears_on(rec.arguments, ctx.task, earlier, need):
            bearing.append(rec)
        if rec.ok:
            earlier += "\n" + rec.result
    unrelated = [r for r in records if r.ok and r not in bearing]
    read = [p for p in (_path_of(r.arguments) for r in records if r.ok) if p]
    unread_named = [f for f in need.files if f in paths and f not in read]
    pointers = unread_pointers([r.result for r in bearing], read, paths, ctx.task)
    ctx.state.pointers = [*unread_named, *(p for p in pointers if p not in unread_named)]
    read_results = [r.result for r in bearing if _path_of(r.arguments)]
    later = [r.arguments for r in records if not _path_of(r.arguments)]
    ctx.state.compute = pending_computation(ctx.task, read_results, later) if not pointers else []
    echoed = answer is not None and any(
        answer_in_result(answer, str(v)) for r in records for _, v in argument_values(r.arguments) if str(v) not in (".", "")
    )
    if ctx.state.compute:
        # The question wants the numbers a file holds computed, and no call has computed from them yet.
        out.signals["pending_computation"] = 1.0
        out.floor = UNSEEN_FLOOR
        out.reasons.append(f"the question wants {len(ctx.state.compute)} numbers from a result computed, and no call has")
        return out
    if pointers:
        # A result points at a file nobody has read: the answer lies there, not in what was read so far.
        out.signals["unread_pointer"] = 1.0
        out.floor = UNSEEN_FLOOR
        out.reasons.append(f"a result points at {pointers[0]}, which nobody has read")
        return out
    if echoed:
        # The answer repeats what a call was asked (a path, an expression), not what it returned.
        out.signals["echoes_call"] = 1.0
        out.floor = UNSEEN_FLOOR
        out.reasons.append("it repeats a tool call's arguments, not its result")
        return out
    if answer is not None and any(answer_in_result(answer, r.result) for r in bearing):
        if claim_false:
            out.reasons.append("it restates a tool result but states a false claim")
        else:
            out.grounded = True
            out.signals["tool_grounded"] = 1.0
            return out
    elif answer is not None and any(answer_in_result(answer, r.result) for r in unrelated):
        out.signals["tool_result_unrelated"] = 1.0
        out.reasons.append("it restates the result of a call that does not bear on the question")
    looks = bool(paths) or any(
        "path" in spec.parameters.get("properties", {}) for spec in ctx.settings.tool_specs
    )
    if need.unseen and looks and (not bearing or (unread_named and len(unread_named) == len(need.files))):
        out.signals["needs_tool"] = 1.0
        out.floor = UNSEEN_FLOOR
        what = f"the file {need.files[0]}" if need.files else "the workspace"
        out.reasons.append(f"it answers about {what} without any tool having looked")
    return out


def _path_of(arguments: str) -> str | None:
    for key, value in argument_values(arguments):
        if key.split(".")[-1] in ("path", "file", "filename") and isinstance(value, str):
            return value
    return None


def must_look_first(ctx: RunContext) -> bool:
    """Whether the task asks about files or the workspace that the run's tools can see and no call has looked at
    yet, or a file it names or a result points at is still unread: then its step is a short one (a local grammar
    offers tools only on short steps, and the grounding rules read short answers), whatever shape the answer will
    have ("Which file is a Python script?", "What is the code?" read as a code request)."""
    if not ctx.settings.tool_specs or not any(spec.offered for spec in ctx.settings.tool_specs):
        return False
    paths = known_paths(ctx)
    need = tool_need(ctx.task, paths)
    if not need.unseen:
        return False
    records = [r for r in call_records(ctx) if r.ok]
    if not records:
        return True
    # Still short while a named file is unread or a result points at one nobody has read.
    read = [p for p in (_path_of(r.arguments) for r in records) if p]
    if any(f in paths and f not in read for f in need.files):
        return True
    return bool(unread_pointers([r.result for r in records], read, paths, ctx.task))


def run_progress(ctx: RunContext) -> Progress:
    """The run's progress signals before the current step (stored on the run state)."""
    ledger = ctx.ledger
    prog = progress(
        call_records(ctx),
        steps_used=max(ledger.steps - 1, 0),
        max_steps=ledger.budget.max_steps,
        tokens_used=ledger.spent.total_tokens,
        max_tokens=ledger.budget.max_tokens,
    )
    ctx.state.progress = prog
    return prog
