"""Turning trace events into what the chat shows: step summaries, badges and step traces.

Pure functions and one small accumulator; no textual import, so it is cheap to
test on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from thinkdial.models.base import Usage
from thinkdial.result import Step
from thinkdial.trace import (
    BudgetCheck,
    Final,
    ModelCalled,
    Revised,
    RouteDecision,
    RunStarted,
    SignalsComputed,
    StepFinished,
    StepStarted,
    TextDelta,
    ToolCalled,
    ToolReturned,
    Verified,
    parse_event,
)

_GAUGE = "▁▂▃▄▅▆▇█"


def gauge(value: float | None) -> str:
    """A one-character gauge for a value in [0, 1]."""
    if value is None:
        return " "
    v = min(max(value, 0.0), 1.0)
    return _GAUGE[min(int(v * len(_GAUGE)), len(_GAUGE) - 1)]


def money(usd: float) -> str:
    """A cost in USD with enough digits to see small local-model prices move."""
    if usd == 0:
        return "$0"
    if abs(usd) < 0.01:
        return f"${usd:.6f}".rstrip("0")
    return f"${usd:.4f}"


class AnswerTracker:
    """Accumulates the events of one run into per-step summaries and running usage."""

    def __init__(self) -> None:
        self.steps: dict[int, Step] = {}
        self.events: list[Any] = []
        self.usage = Usage()
        self.final: Final | None = None
        self.run_started: RunStarted | None = None

    def step(self, index: int) -> Step:
        """The summary of step ``index`` (created on first use)."""
        if index not in self.steps:
            self.steps[index] = Step(index=index)
        return self.steps[index]

    def feed(self, event: Any) -> Step | None:
        """Record one event; returns the step summary it changed, if any."""
        if isinstance(event, TextDelta):
            return None
        self.events.append(event)
        if isinstance(event, RunStarted):
            self.run_started = event
            return None
        if isinstance(event, Final):
            self.final = event
            self.usage = event.usage
            return None
        if event.step <= 0:
            return None
        s = self.step(event.step)
        if isinstance(event, StepStarted):
            pass
        elif isinstance(event, ModelCalled):
            self.usage = self.usage + event.usage
            s.usage = s.usage + event.usage
        elif isinstance(event, SignalsComputed):
            s.difficulty = event.difficulty
            s.signals = dict(event.signals)
            s.estimate_stage = event.stage
        elif isinstance(event, RouteDecision):
            s.route = event.route
            s.action = event.action
            s.level = event.level if event.route == "think" else None
            s.thinking_budget = event.thinking_budget
            s.decision_reason = event.reason
        elif isinstance(event, Verified):
            s.verified, s.verify_passed = event.probability, event.passed
        elif isinstance(event, Revised):
            s.revisions = max(s.revisions, event.revision)
        elif isinstance(event, ToolCalled):
            s.tool_calls.append({"id": event.call_id, "name": event.name, "arguments": event.arguments})
        elif isinstance(event, ToolReturned):
            for call in s.tool_calls:
                if call.get("id") == event.call_id and "result" not in call:
                    call.update(ok=event.ok, result=event.content)
                    break
        elif isinstance(event, StepFinished):
            s.route = event.route
            s.difficulty = event.difficulty
            s.finished = True
        return s

    def summaries(self) -> list[Step]:
        """Step summaries in step order."""
        return [self.steps[i] for i in sorted(self.steps)]

    def trace_dicts(self) -> list[dict[str, Any]]:
        """The recorded events in JSON form (for saving)."""
        return [e.model_dump(mode="json") for e in self.events]


def events_from_dicts(items: Iterable[dict[str, Any]]) -> list[Any]:
    """Trace events back from their saved JSON form (unknown shapes are skipped)."""
    out: list[Any] = []
    for item in items:
        try:
            out.append(parse_event(item))
        except (ValueError, TypeError):
            continue
    return out


def _num(value: float | None, fmt: str = ".3f") -> str:
    return "–" if value is None else format(value, fmt)


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def trace_markdown(events: list[Any], title: str = "") -> str:
    """A compact Markdown report of a run's trace: signals, route decisions, budget checks, calls, tools."""
    tracker = AnswerTracker()
    for e in events:
        tracker.feed(e)
    lines = [f"# {title}", ""] if title else []
    run = tracker.run_started
    if run is not None:
        budget = ", ".join(f"{k}={v}" for k, v in run.budget.items() if k != "strict") or "none"
        lines += [
            f"**Task:** {_cell(run.task)}  ",
            f"**Policy** {run.policy} · **fast** {run.fast} · **thinker** {run.thinker} · **budget** {budget}",
            "",
        ]
    by_step: dict[int, list[Any]] = {}
    for e in tracker.events:
        if isinstance(e, (RunStarted, Final)):
            continue
        by_step.setdefault(e.step, []).append(e)
    for index in sorted(by_step):
        s = tracker.steps.get(index) or Step(index=index)
        lines += [
            f"## Step {index} · {s.label}",
            "",
            f"difficulty **{_num(s.difficulty if s.estimated else None)}** · {s.usage.total_tokens:,} tokens · "
            f"{money(s.usage.cost_usd)} · {s.usage.seconds:.2f}s",
            "",
        ]
        for e in by_step[index]:
            if isinstance(e, SignalsComputed):
                values = " · ".join(f"{_cell(k)} {v:.3f}" for k, v in e.signals.items()) or "none"
                lines.append(f"- **signals** (stage `{e.stage}`, used {', '.join(e.used) or '–'}): {values}")
            elif isinstance(e, RouteDecision):
                extra = f" · level {e.level}" if e.level else ""
                extra += f" · thinking budget {e.thinking_budget}" if e.thinking_budget else ""
                lines.append(f"- **route** {e.action} → {e.route.upper()}{extra} — {_cell(e.reason) or 'no reason given'}")
            elif isinstance(e, BudgetCheck):
                left = []
                if e.remaining_cost_usd is not None:
                    left.append(money(e.remaining_cost_usd))
                if e.remaining_tokens is not None:
                    left.append(f"{e.remaining_tokens:,} tok")
                verdict = f"allowed {e.allowed_tokens}" if e.allowed else "**refused**"
                lines.append(
                    f"- **budget check** ({e.purpose}, {_cell(e.model)}): prompt {e.prompt_tokens}, asked {e.requested_tokens}"
                    f" → {verdict}; left {', '.join(left) or 'unlimited'}" + (f" — {_cell(e.reason)}" if e.reason else "")
                )
            elif isinstance(e, ModelCalled):
                u = e.usage
                lines.append(
                    f"- **call** {e.purpose} on {_cell(e.model)}: {u.input_tokens} in, {u.output_tokens} out, "
                    f"{u.thinking_tokens} thinking · {money(u.cost_usd)} · {u.seconds:.2f}s · {e.finish_reason}"
                )
            elif isinstance(e, Verified):
                lines.append(
                    f"- **verification** p={_num(e.probability)} (threshold {e.threshold}) → {'passed' if e.passed else 'failed'}"
                )
            elif isinstance(e, Revised):
                lines.append(f"- **revision {e.revision}**: {_cell(e.text)}")
            elif isinstance(e, ToolCalled):
                lines.append(f"- **tool call** `{e.name}({_cell(e.arguments)})`")
            elif isinstance(e, ToolReturned):
                lines.append(f"- **tool result** ({'ok' if e.ok else 'error'}, {e.seconds:.2f}s): {_cell(e.content)}")
        lines.append("")
    final = tracker.final
    if final is not None:
        u = final.usage
        lines += [
            "## Result",
            "",
            f"stop reason **{final.stop_reason}**" + (f" — {_cell(final.message)}" if final.message else "") + "  ",
            f"{u.total_tokens:,} tokens ({u.input_tokens} in, {u.output_tokens} out, {u.thinking_tokens} thinking) · "
            f"{money(u.cost_usd)} · {u.seconds:.2f}s of model time",
            "",
        ]
    if not lines:
        lines.append("*No trace recorded for this answer.*")
    return "\n".join(lines)
