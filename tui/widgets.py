"""The chat's widgets: messages, streamed answers with per-step badges, and the status bar."""

from __future__ import annotations

import time
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.widgets import Collapsible, Label, LoadingIndicator, Markdown, ProgressBar, Static
from textual.widgets.markdown import MarkdownStream

from thinkdial.budget import Budget
from thinkdial.models.base import Usage
from thinkdial.result import Step
from thinkdial.trace import (
    Final,
    Revised,
    RouteDecision,
    StepStarted,
    TextDelta,
    Thinking,
    ToolCalled,
    ToolReturned,
)
from thinkdial.tui.steps import AnswerTracker, gauge, money
from thinkdial.tui.storage import AnswerStatus, ChatMessage

#: Answer phases whose streamed text is shown (samples and verifier calls are not streamed to the chat).
SHOWN_PHASES = ("draft", "think", "revise")

STATUS_TEXT = {
    "streaming": "answering…",
    "final": "",
    "budget": "stopped: budget reached",
    "max_steps": "stopped: step limit",
    "error": "error",
    "cancelled": "cancelled",
}


def _norm(text: str) -> str:
    return " ".join(text.split())


class UserMessage(Static):
    """A message the user sent."""

    def __init__(self, text: str) -> None:
        super().__init__(Content(text), classes="user-message")
        self.text = text
        self.border_title = "you"


class Note(Static):
    """A line from the app itself: command results, errors, hints. ``level``: info, warning or error."""

    def __init__(self, text: str, level: str = "info") -> None:
        super().__init__(Content(text), classes=f"note -{level}")
        self.text = text
        self.level = level


class Badge(Static):
    """The compact per-step line: route, difficulty gauge, tokens, cost, verification. Click for the trace."""

    class Clicked(TextualMessage):
        """The badge was clicked."""

    def __init__(self, index: int) -> None:
        super().__init__("", classes="badge")
        self.index = index
        self.summary: Step | None = None
        self.tooltip = "click (or Enter on the answer) for the step trace"
        self.refresh_summary(Step(index=index))

    def refresh_summary(self, s: Step, done: bool = False) -> None:
        """Redraw from a step summary; ``done`` once the answer has ended (a step cut short says so)."""
        self.summary = s
        route = s.label
        self.set_class(s.route == "think", "-think")
        parts: list[tuple[str, str] | str] = [
            (f" {route} ", "bold reverse"),
            f"  step {s.index}",
        ]
        if s.estimated:
            parts.append(f" · difficulty {s.difficulty:.2f} {gauge(s.difficulty)}")
        elif not s.finished:
            parts.append(" · stopped before routing" if done else " · drafting…")
        parts.append(f" · {s.usage.total_tokens:,} tok · {money(s.usage.cost_usd)}")
        if s.thinking_budget and s.route == "think":
            parts.append(f" · budget {s.thinking_budget}")
        if s.tool_calls:
            parts.append(" · tools: " + ", ".join(str(t.get("name")) for t in s.tool_calls))
        if s.verify_passed is not None:
            parts.append((" · verified ✓" if s.verify_passed else " · verification ✗", "bold"))
        if s.revisions:
            parts.append((f" · revised ×{s.revisions}", "bold"))
        self.update(Content.assemble(*parts))

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Clicked())


class StepView(Vertical):
    """One agent step inside an answer: badge, streamed draft / thinking / think answer, tool calls."""

    def __init__(self, index: int) -> None:
        super().__init__(classes="step")
        self.index = index
        self.badge = Badge(index)
        self.blocks: dict[str, Markdown] = {}
        self.texts: dict[str, str] = {}
        self.streams: list[MarkdownStream] = []
        self._stream_of: dict[str, MarkdownStream] = {}
        self.thinking: Collapsible | None = None
        self.thinking_md: Markdown | None = None
        self.thinking_text = ""
        self.tools: dict[str, Collapsible] = {}
        self.superseded: set[str] = set()

    def compose(self) -> ComposeResult:
        yield self.badge

    async def _block(self, phase: str) -> tuple[Markdown, MarkdownStream]:
        if phase not in self.blocks:
            md = Markdown("", classes=f"answer-text phase-{phase}")
            if phase != "draft":
                md.border_title = {"think": "thinker", "revise": "revised"}.get(phase, phase)
            await self.mount(md)
            stream = Markdown.get_stream(md)
            self.blocks[phase] = md
            self.texts[phase] = ""
            self._stream_of[phase] = stream
            self.streams.append(stream)
        return self.blocks[phase], self._stream_of[phase]

    async def _thinking_block(self) -> Markdown:
        if self.thinking_md is None:
            self.thinking_md = Markdown("", classes="thinking-text")
            self.thinking = Collapsible(self.thinking_md, title="thinking", collapsed=True, classes="thinking")
            # Thinking sits above the answer blocks of the step, right under the badge.
            await self.mount(self.thinking, after=self.badge)
            stream = Markdown.get_stream(self.thinking_md)
            self._stream_of["__thinking__"] = stream
            self.streams.append(stream)
        return self.thinking_md

    async def write(self, phase: str, kind: str, text: str) -> None:
        """Append a streamed piece of text to the right block."""
        if kind == "thinking":
            await self._thinking_block()
            self.thinking_text += text
            await self._stream_of["__thinking__"].write(text)
            self._update_thinking_title()
            return
        if phase not in SHOWN_PHASES:
            return
        _, stream = await self._block(phase)
        if not self.texts[phase]:
            text = text.lstrip()
        self.texts[phase] += text
        await stream.write(text)

    def _update_thinking_title(self) -> None:
        if self.thinking is not None:
            words = len(self.thinking_text.split())
            self.thinking.title = f"thinking ({words} words)"

    async def add_thinking(self, text: str) -> None:
        """Show thinking text that arrived in one piece (when it was not streamed)."""
        if self.thinking_text.strip() or not text.strip():
            return
        await self._thinking_block()
        self.thinking_text = text
        await self._stream_of["__thinking__"].write(text)
        self._update_thinking_title()

    def supersede(self, phase: str, why: str) -> None:
        """Dim a block whose answer was replaced (the draft after an escalation, say)."""
        md = self.blocks.get(phase)
        if md is not None and phase not in self.superseded:
            self.superseded.add(phase)
            md.add_class("superseded")
            md.border_title = why

    def visible_text(self) -> str:
        """The text of the latest answer block that is not superseded."""
        for phase in reversed(list(self.blocks)):
            if phase not in self.superseded and self.texts.get(phase, "").strip():
                return self.texts[phase]
        return ""

    async def tool_called(self, event: ToolCalled) -> None:
        """Show a tool call, collapsed."""
        body = Static(Content(f"arguments: {event.arguments}"), classes="tool-args")
        # Content, not str: a str title would be parsed as markup, and tool arguments are untrusted text.
        title = Content(f"🔧 {event.name}({_short(event.arguments)})")
        box = Collapsible(body, title=title, collapsed=True, classes="tool")  # type: ignore[arg-type]  # Textual renders Content titles
        self.tools[event.call_id] = box
        await self.mount(box)

    async def tool_returned(self, event: ToolReturned) -> None:
        """Add a tool result to its call."""
        box = self.tools.get(event.call_id)
        if box is None:
            return
        mark = "→" if event.ok else "✗"
        box.title = Content(f"🔧 {event.name} {mark} {_short(event.content)}")  # type: ignore[assignment]  # as above
        box.set_class(not event.ok, "-failed")
        await box.query_one(Collapsible.Contents).mount(Static(Content(f"result: {event.content}"), classes="tool-result"))

    async def stop_streams(self) -> None:
        """Flush and stop this step's Markdown streams."""
        for stream in self.streams:
            await stream.stop()
        self.streams.clear()


def _short(text: str, width: int = 60) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= width else line[: width - 1] + "…"


class AnswerView(Vertical, can_focus=True):
    """One assistant answer: live (fed trace events) or rebuilt from a saved :class:`ChatMessage`."""

    BINDINGS = [
        Binding("enter", "open_trace", "Step trace", show=False),
        Binding("t", "toggle_thinking", "Thinking", show=False),
        Binding("up", "focus_neighbour(-1)", "Previous answer", show=False),
        Binding("down", "focus_neighbour(1)", "Next answer", show=False),
    ]

    class Selected(TextualMessage):
        """The user asked for this answer's step trace."""

        def __init__(self, answer: AnswerView) -> None:
            super().__init__()
            self.answer = answer

    def __init__(self, record: ChatMessage) -> None:
        super().__init__(classes="answer")
        self.record = record
        self.tracker = AnswerTracker()
        self.step_views: dict[int, StepView] = {}
        self.header = Label("", classes="answer-header")
        self.final_md: Markdown | None = None
        self.status = record.status
        self.created_at = time.perf_counter()
        self.first_token_at: float | None = None
        """When the first streamed text arrived (``perf_counter``), for latency measurements."""
        self.first_token_painted_at: float | None = None
        """When the screen refresh after the first streamed text completed."""

    # -- composition ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self.header
        if self.record.status == "streaming":
            return
        # A saved answer: badges, thinking, the answer text, the stop notice.
        for s in self.record.steps:
            badge = Badge(s.index)
            badge.refresh_summary(s, done=True)
            yield badge
        if self.record.thinking.strip():
            yield Collapsible(
                Markdown(self.record.thinking, classes="thinking-text"), title="thinking", collapsed=True, classes="thinking"
            )
        if self.record.superseded_draft.strip():
            md = Markdown(self.record.superseded_draft, classes="answer-text phase-draft superseded")
            md.border_title = "draft — superseded by the thinker"
            yield md
        if self.record.content.strip():
            yield Markdown(self.record.content, classes="answer-text saved-answer")
        if self.record.status not in ("final", "streaming"):
            yield _stop_note(self.record.status, self.record.message)

    def on_mount(self) -> None:
        self._show_status(self.record.status)

    def _show_status(self, status: AnswerStatus) -> None:
        self.status = status
        text = STATUS_TEXT.get(status, status)
        self.header.update(Content.assemble(("thinkdial", "bold"), f"  {text}" if text else ""))
        for name in STATUS_TEXT:
            self.set_class(name == status, f"-{name}")

    # -- live updates ---------------------------------------------------------------------

    async def step_view(self, index: int) -> StepView:
        """The view of step ``index``, mounted on first use."""
        view = self.step_views.get(index)
        if view is None:
            view = StepView(index)
            self.step_views[index] = view
            await self.mount(view)
        return view

    async def handle(self, event: Any) -> None:
        """Show one trace event."""
        summary = self.tracker.feed(event)
        if isinstance(event, TextDelta):
            if event.step > 0:
                await (await self.step_view(event.step)).write(event.phase, event.kind, event.text)
            if self.first_token_at is None:
                self.first_token_at = time.perf_counter()
                self.call_after_refresh(self._first_token_painted)
            return
        if isinstance(event, Final):
            await self.finish(event.stop_reason, event.output, event.message)
            return
        if event.step <= 0:
            return
        view = await self.step_view(event.step)
        if isinstance(event, StepStarted):
            pass
        elif isinstance(event, RouteDecision) and event.route == "think":
            view.supersede("draft", "draft — superseded by the thinker")
        elif isinstance(event, Thinking):
            await view.add_thinking(event.text)
        elif isinstance(event, ToolCalled):
            await view.tool_called(event)
        elif isinstance(event, ToolReturned):
            await view.tool_returned(event)
        elif isinstance(event, Revised):
            for phase in ("draft", "think"):
                view.supersede(phase, f"{phase} — revised after verification")
        if summary is not None:
            view.badge.refresh_summary(summary)

    def _first_token_painted(self) -> None:
        if self.first_token_painted_at is None:
            self.first_token_painted_at = time.perf_counter()

    def visible_text(self) -> str:
        """The answer text currently shown (the latest step's latest non-superseded block)."""
        for index in sorted(self.step_views, reverse=True):
            text = self.step_views[index].visible_text()
            if text.strip():
                return text.strip()
        return ""

    async def stop_streams(self) -> None:
        """Flush and stop every Markdown stream of this answer."""
        for view in self.step_views.values():
            await view.stop_streams()

    async def finish(self, status: AnswerStatus, output: str, message: str = "") -> None:
        """End the answer: flush streams, show the final answer if it differs from what streamed, note why it stopped."""
        await self.stop_streams()
        for index, view in self.step_views.items():
            view.badge.refresh_summary(self.tracker.step(index), done=True)
        shown = self.visible_text()
        if output.strip() and _norm(output) != _norm(shown):
            self.final_md = Markdown(output.strip(), classes="answer-text final-answer")
            self.final_md.border_title = "answer"
            await self.mount(self.final_md)
        if status not in ("final", "streaming"):
            await self.mount(_stop_note(status, message))
        self._record_result(status, output.strip() or shown, message)
        self._show_status(status)

    def _record_result(self, status: AnswerStatus, output: str, message: str) -> None:
        r = self.record
        r.status = status
        r.content = output
        r.message = message
        r.usage = self.tracker.usage
        r.steps = self.tracker.summaries()
        r.trace = self.tracker.trace_dicts()
        r.thinking = "\n\n".join(v.thinking_text.strip() for v in self.step_views.values() if v.thinking_text.strip())
        drafts = [v.texts.get("draft", "") for v in self.step_views.values() if "draft" in v.superseded]
        r.superseded_draft = "\n\n".join(d.strip() for d in drafts if d.strip())

    # -- interaction ---------------------------------------------------------------------

    def trace_events(self) -> list[Any]:
        """This answer's trace events (live, or loaded from the saved record)."""
        if self.tracker.events:
            return list(self.tracker.events)
        from thinkdial.tui.steps import events_from_dicts

        return events_from_dicts(self.record.trace)

    def thinking_blocks(self) -> list[Collapsible]:
        """The answer's thinking Collapsibles."""
        return [c for c in self.query(Collapsible) if c.has_class("thinking")]

    def toggle_thinking(self) -> bool:
        """Expand all thinking blocks if any is collapsed, else collapse them. Returns the new expanded state."""
        blocks = self.thinking_blocks()
        expand = any(b.collapsed for b in blocks)
        for b in blocks:
            b.collapsed = not expand
        return expand

    def action_toggle_thinking(self) -> None:
        self.toggle_thinking()

    def action_open_trace(self) -> None:
        self.post_message(self.Selected(self))

    def action_focus_neighbour(self, delta: int) -> None:
        answers = [a for a in self.screen.query(AnswerView)]
        if self in answers:
            i = answers.index(self) + delta
            if 0 <= i < len(answers):
                answers[i].focus()
                answers[i].scroll_visible()

    def on_badge_clicked(self, event: Badge.Clicked) -> None:
        event.stop()
        self.focus()
        self.post_message(self.Selected(self))


def _stop_note(status: str, message: str) -> Note:
    hints = {
        "budget": "Budget reached. Raise it with /budget 0.05 or /budget tokens 4000 (or /budget off).",
        "max_steps": "Stopped at the step limit.",
        "error": "The answer failed.",
        "cancelled": "Cancelled — the text above is what had streamed.",
    }
    text = hints.get(status, status)
    if message and status != "cancelled":
        text = f"{text} {message}" if status != "error" else f"Error: {message}"
    level = "error" if status == "error" else "warning"
    return Note(text, level)


class LoadingBar(Horizontal):
    """Shown while a model is being constructed and loaded."""

    def compose(self) -> ComposeResult:
        yield LoadingIndicator()
        yield Label("", id="loading-label")

    def show(self, text: str) -> None:
        """Show with a message."""
        self.query_one("#loading-label", Label).update(Content(text))
        self.display = True

    def hide(self) -> None:
        """Hide."""
        self.display = False


class StatusBar(Horizontal):
    """Models, policy, spend of the current answer against its ceiling, elapsed time."""

    WARN_AT = 0.8

    def compose(self) -> ComposeResult:
        yield Label("", id="status-models")
        yield Label("", id="status-policy")
        yield ProgressBar(total=1.0, show_eta=False, show_percentage=False, id="status-ceiling")
        yield Label("", id="status-usage")
        yield Label("", id="status-elapsed")

    def set_models(self, fast: str, thinker: str) -> None:
        """Show the model names."""
        self.query_one("#status-models", Label).update(Content(f"fast: {fast} · thinker: {thinker}"))

    def set_policy(self, policy: str) -> None:
        """Show the routing policy."""
        self.query_one("#status-policy", Label).update(Content(f"policy: {policy}"))

    def set_usage(self, usage: Usage, budget: Budget) -> float | None:
        """Show tokens and cost against the ceilings; returns the fraction of the ceiling used (None if none)."""
        tok = f"{usage.total_tokens:,}"
        cost = money(usage.cost_usd)
        fractions: list[float] = []
        if budget.max_tokens is not None:
            tok += f"/{budget.max_tokens:,}"
            fractions.append(usage.total_tokens / budget.max_tokens if budget.max_tokens else 1.0)
        if budget.max_cost_usd is not None:
            cost += f"/${budget.max_cost_usd:g}"
            fractions.append(usage.cost_usd / budget.max_cost_usd if budget.max_cost_usd else 1.0)
        text = f"{tok} tok · {cost}"
        if not fractions:
            text += " · no ceiling"
        self.query_one("#status-usage", Label).update(Content(text))
        bar = self.query_one("#status-ceiling", ProgressBar)
        used = max(fractions) if fractions else None
        bar.update(total=1.0, progress=min(used or 0.0, 1.0))
        bar.set_class(used is not None and used >= self.WARN_AT, "-warning")
        bar.set_class(used is None, "-unbounded")
        return used

    def set_elapsed(self, seconds: float | None) -> None:
        """Show the elapsed time of the current answer."""
        self.query_one("#status-elapsed", Label).update("" if seconds is None else f"⏱ {seconds:.1f}s")


__all__ = [
    "AnswerView",
    "Badge",
    "LoadingBar",
    "Note",
    "StatusBar",
    "StepView",
    "UserMessage",
]
