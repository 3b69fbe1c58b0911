"""``thinkdial chat``: the Textual chat app and its entry point :func:`run_chat`.

The first screen paints before any model work: the agent (and the weights of
local models) is built on a thread worker while a loading bar shows. Each
answer runs ``Agent.stream`` on an async worker and feeds its trace events to
an :class:`~tui.widgets.AnswerView`; Escape cancels that worker.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input
from textual.worker import Worker

from thinkdial.budget import Budget
from thinkdial.models.base import Usage
from thinkdial.settings import DEFAULT_BUDGET
from thinkdial.trace import Final, ModelCalled, TextDelta
from thinkdial.tui.commands import Command, CommandError, parse_command
from thinkdial.tui.screens import HelpScreen, HistoryScreen, TraceScreen
from thinkdial.tui.steps import trace_markdown
from thinkdial.tui.storage import ChatMessage, Conversation, ConversationStore, PartialSaver
from thinkdial.tui.widgets import AnswerView, LoadingBar, Note, StatusBar, UserMessage

ModelSpec = Any
"""A model object or a model string (``"embedded"``, a ``.gguf`` path, a litellm name); None = embedded."""

AgentFactory = Callable[[ModelSpec, ModelSpec], Any]
"""Builds an ``Agent`` from (fast, thinker) specs. Called on a worker thread."""


def _spec_name(spec: ModelSpec) -> str:
    if spec is None:
        return "embedded"
    if isinstance(spec, str):
        return spec
    return str(getattr(spec, "name", type(spec).__name__))


def describe_error(exc: BaseException) -> str:
    """A one-line, readable description of an exception for the chat."""
    text = str(exc).strip() or type(exc).__name__
    from thinkdial.errors import ThinkdialError

    if isinstance(exc, ThinkdialError):
        return text
    return f"{type(exc).__name__}: {text}"


class ChatApp(App[int]):
    """The thinkdial chat.

    Args:
        fast: the fast model (object or string; None = the embedded model).
        thinker: the thinking model (None = same as ``fast``).
        max_cost: cost ceiling per answer in USD (None = none).
        max_tokens: token ceiling per answer (None = none).
        policy: ``"adaptive"``, ``"fast"`` or ``"think"``.
        resume: True reopens the latest saved conversation; a string reopens that id.
        agent_factory: builds the ``Agent`` from (fast, thinker); default ``Agent(fast=..., thinker=..., **agent_options)``.
        agent_options: extra keyword arguments for the default ``Agent`` construction.
        conversations_dir: where conversations are saved (default ``$XDG_DATA_HOME/thinkdial/conversations``).
    """

    CSS_PATH = "styles.tcss"
    TITLE = "thinkdial"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("escape", "cancel", "Cancel answer"),
        Binding("ctrl+t", "toggle_thinking", "Thinking"),
        Binding("f2", "trace", "Step trace"),
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
    ]

    def __init__(
        self,
        fast: ModelSpec = None,
        thinker: ModelSpec = None,
        *,
        max_cost: float | None = None,
        max_tokens: int | None = None,
        policy: str = "adaptive",
        resume: str | bool | None = None,
        agent_factory: AgentFactory | None = None,
        agent_options: dict[str, Any] | None = None,
        conversations_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.fast_spec: ModelSpec = fast
        self.thinker_spec: ModelSpec = thinker
        self.max_cost = max_cost
        self.max_tokens = max_tokens
        self.policy = policy or "adaptive"
        self.resume = resume
        self.ceilings_off = False
        """Set by ``/budget off``: no ceiling at all instead of the default one."""
        self.agent_factory = agent_factory
        self.agent_options = dict(agent_options or {})
        self.store = ConversationStore(conversations_dir)
        self.conversation = Conversation(policy=self.policy)
        self.agent: Any = None
        self.load_error: str = ""
        self.answering = False
        self.launched_at = time.perf_counter()
        """When the app object was created (``perf_counter``); with the two below, for latency measurements."""
        self.first_paint_at: float | None = None
        self.agent_ready_at: float | None = None
        self._agent_ready: asyncio.Event | None = None
        self._load_generation = 0
        self._answer_worker: Worker[None] | None = None
        self._current: AnswerView | None = None
        self._started = 0.0
        self._ticker: Any = None

    # -- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield VerticalScroll(id="chat")
        yield LoadingBar(id="loading")
        yield Input(placeholder="Ask anything · /help for commands · Esc cancels · Ctrl+Q quits", id="prompt")
        yield StatusBar(id="status")
        yield Footer()

    @property
    def chat(self) -> VerticalScroll:
        """The scrolling chat column."""
        return self.query_one("#chat", VerticalScroll)

    @property
    def status_bar(self) -> StatusBar:
        """The status bar."""
        return self.query_one("#status", StatusBar)

    def budget(self) -> Budget:
        """The ceilings applied to each answer: the ones set, else the library's default ceiling."""
        if self.max_cost is None and self.max_tokens is None:
            return Budget() if self.ceilings_off else DEFAULT_BUDGET
        return Budget(max_cost_usd=self.max_cost, max_tokens=self.max_tokens)

    async def on_mount(self) -> None:
        self.call_after_refresh(self._painted)
        self._agent_ready = asyncio.Event()
        self._ticker = self.set_interval(0.2, self._tick, pause=True)
        self._refresh_status()
        self.status_bar.set_usage(Usage(), self.budget())
        self.query_one("#prompt", Input).focus()
        self.chat.anchor()
        self._start_loading(self.fast_spec, self.thinker_spec)
        if self.resume:
            await self._resume_at_start()
        else:
            await self.note("Ask a question. The badge under each step shows FAST or THINK. /help lists keys and commands.")

    def _painted(self) -> None:
        if self.first_paint_at is None:
            self.first_paint_at = time.perf_counter()

    def _refresh_status(self) -> None:
        fast = _spec_name(self.agent.fast if self.agent is not None else self.fast_spec)
        thinker_spec = self.thinker_spec if self.thinker_spec is not None else self.fast_spec
        thinker = _spec_name(self.agent.thinker if self.agent is not None else thinker_spec)
        self.status_bar.set_models(fast, thinker)
        self.status_bar.set_policy(self.policy)

    # -- chat output --------------------------------------------------------------------

    async def note(self, text: str, level: str = "info") -> Note:
        """Add a line from the app to the chat."""
        widget = Note(text, level)
        await self.chat.mount(widget)
        self.chat.scroll_end(animate=False)
        return widget

    # -- models ---------------------------------------------------------------------------

    def _start_loading(self, fast: ModelSpec, thinker: ModelSpec) -> None:
        assert self._agent_ready is not None
        self._agent_ready.clear()
        self.agent = None
        self.load_error = ""
        self._load_generation += 1
        if thinker is None or _spec_name(thinker) == _spec_name(fast):
            what = f"the {_spec_name(fast)} model"
        else:
            what = f"the {_spec_name(fast)} and {_spec_name(thinker)} models"
        self.query_one(LoadingBar).show(f"Loading {what}…")
        self._load_agent(fast, thinker, self._load_generation)

    @work(thread=True, group="load", exit_on_error=False)
    def _load_agent(self, fast: ModelSpec, thinker: ModelSpec, generation: int) -> None:
        """Build the agent and load model weights, off the UI thread."""
        try:
            if self.agent_factory is not None:
                agent = self.agent_factory(fast, thinker)
            else:
                from thinkdial import Agent

                agent = Agent(fast=fast, thinker=thinker, **self.agent_options)
            seen: set[int] = set()
            for model in (agent.fast, agent.thinker, getattr(agent, "verifier", None)):
                if model is None or id(model) in seen:
                    continue
                seen.add(id(model))
                load = getattr(model, "load", None)
                if callable(load):
                    load()
        except BaseException as exc:  # noqa: BLE001 - any failure must reach the chat, not kill the app
            self._call_ui(self._agent_failed, exc, generation)
            return
        self._call_ui(self._agent_loaded, agent, generation)

    def _call_ui(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            self.call_from_thread(fn, *args)
        except RuntimeError:  # the app is already closing
            pass

    async def _agent_loaded(self, agent: Any, generation: int) -> None:
        if generation != self._load_generation:  # a newer /model switch superseded this load
            return
        self.agent = agent
        self.agent_ready_at = time.perf_counter()
        self.query_one(LoadingBar).hide()
        self.conversation.fast = _spec_name(agent.fast)
        self.conversation.thinker = _spec_name(agent.thinker)
        self._refresh_status()
        assert self._agent_ready is not None
        self._agent_ready.set()

    async def _agent_failed(self, exc: BaseException, generation: int) -> None:
        if generation != self._load_generation:
            return
        self.agent = None
        self.load_error = describe_error(exc)
        self.query_one(LoadingBar).hide()
        await self.note(f"Could not load the model: {self.load_error}  Pick another with /model fast NAME.", "error")
        assert self._agent_ready is not None
        self._agent_ready.set()

    # -- sending -----------------------------------------------------------------------------

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        event.input.clear()
        if text.startswith("/"):
            await self.run_command(text)
            return
        if self.answering:
            event.input.value = text
            await self.note("An answer is still streaming. Wait for it, or press Escape to cancel it.", "warning")
            return
        await self.send(text)

    async def send(self, text: str) -> AnswerView:
        """Show ``text`` as a user message and start answering it."""
        history = self.conversation.history()
        self.conversation.add(ChatMessage(role="user", content=text))
        record = self.conversation.add(ChatMessage(role="assistant", status="streaming", policy=self.policy))
        view = AnswerView(record)
        self.chat.anchor()
        await self.chat.mount(UserMessage(text))
        await self.chat.mount(view)
        self._current = view
        self.answering = True
        self._started = time.monotonic()
        self._ticker.resume()
        self.status_bar.set_usage(Usage(), self.budget())
        self._save()
        self._answer_worker = self.run_worker(
            self._answer(text, view, history), group="answer", exclusive=True, exit_on_error=False
        )
        return view

    async def _answer(self, task: str, view: AnswerView, history: list[Any]) -> None:
        budget = self.budget()
        try:
            assert self._agent_ready is not None
            if not self._agent_ready.is_set():
                await self._agent_ready.wait()
            if self.agent is None:
                reason = self.load_error or "no model is loaded"
                await view.finish("error", "", f"{reason} Pick a model with /model fast NAME.")
                return
            # What streams is saved as it streams (at most once a second), so a crash loses little.
            saver = PartialSaver(self.store, self.conversation, view.record, min_interval=1.0)
            async for event in self.agent.stream(task, budget=budget, policy=self.policy, history=history):
                await view.handle(event)
                if isinstance(event, TextDelta):
                    try:
                        saver.update(view.visible_text())
                    except OSError:
                        pass  # the final save reports a disk problem once
                if isinstance(event, (ModelCalled, Final)):
                    self.status_bar.set_usage(view.tracker.usage, budget)
        except asyncio.CancelledError:
            try:
                await view.finish("cancelled", view.visible_text(), "cancelled")
            except Exception:  # noqa: BLE001 - the app may be shutting down
                pass
            raise
        except Exception as exc:  # noqa: BLE001 - show it, never crash
            await view.finish("error", view.visible_text(), describe_error(exc))
        finally:
            if view.status == "streaming":
                try:
                    await view.finish("error", view.visible_text(), "the run ended without a final answer")
                except Exception:  # noqa: BLE001
                    pass
            self.answering = False
            self._ticker.pause()
            self._tick()
            try:
                self.status_bar.set_usage(view.tracker.usage, budget)
            except Exception:  # noqa: BLE001 - closing
                pass
            self._save()

    def _tick(self) -> None:
        if self._started:
            try:
                self.status_bar.set_elapsed(time.monotonic() - self._started)
            except Exception:  # noqa: BLE001 - closing
                pass

    def _save(self) -> None:
        if not self.conversation.messages:
            return
        try:
            self.store.save(self.conversation)
        except OSError as exc:
            self.notify(f"Could not save the conversation: {exc}", severity="error")

    # -- actions -----------------------------------------------------------------------------

    async def action_cancel(self) -> None:
        """Escape: cancel the answer in flight (what streamed stays), else go back to the input."""
        if self.answering and self._answer_worker is not None and not self._answer_worker.is_finished:
            self._answer_worker.cancel()
            return
        self.query_one("#prompt", Input).focus()

    def _selected_answer(self) -> AnswerView | None:
        node: Any = self.focused
        while node is not None and not isinstance(node, AnswerView):
            node = node.parent
        if isinstance(node, AnswerView):
            return node
        answers = list(self.chat.query(AnswerView))
        return answers[-1] if answers else None

    def action_toggle_thinking(self) -> None:
        """Show or hide the thinking blocks of the selected (or latest) answer."""
        answer = self._selected_answer()
        if answer is None:
            return
        if not answer.thinking_blocks():
            self.notify("This answer has no thinking text.")
            return
        answer.toggle_thinking()

    def action_trace(self) -> None:
        """Open the step trace of the selected (or latest) answer."""
        answer = self._selected_answer()
        if answer is None:
            self.notify("No answer yet.")
            return
        self.show_trace(answer)

    def show_trace(self, answer: AnswerView) -> None:
        """Open ``answer``'s step trace in a modal screen."""
        self.push_screen(TraceScreen(trace_markdown(answer.trace_events())))

    def on_answer_view_selected(self, event: AnswerView.Selected) -> None:
        self.show_trace(event.answer)

    def action_help(self) -> None:
        """Open the help screen."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        """Leave cleanly: cancel the answer in flight, save, exit."""
        if self._answer_worker is not None and not self._answer_worker.is_finished:
            self._answer_worker.cancel()
        self._save()
        self.exit(0)

    # -- commands ----------------------------------------------------------------------------

    async def run_command(self, text: str) -> None:
        """Execute a slash command typed into the input."""
        try:
            cmd = parse_command(text)
        except CommandError as err:
            await self.note(str(err), "error")
            return
        handler = getattr(self, f"_cmd_{cmd.name}")
        await handler(cmd)

    async def _cmd_budget(self, cmd: Command) -> None:
        if not cmd.args.get("show"):
            if "cost" in cmd.args:
                self.max_cost = cmd.args["cost"]
            if "tokens" in cmd.args:
                self.max_tokens = cmd.args["tokens"]
            # Turning every ceiling off is explicit: no ceiling at all, not the default one.
            self.ceilings_off = self.max_cost is None and self.max_tokens is None
            self.status_bar.set_usage(Usage(), self.budget())
        b = self.budget()
        cost = "none" if b.max_cost_usd is None else f"${b.max_cost_usd:g}"
        tokens = "none" if b.max_tokens is None else f"{b.max_tokens:,}"
        default = " (the default ceiling; /budget off lifts it)" if b is DEFAULT_BUDGET else ""
        await self.note(f"Ceilings per answer: cost {cost}, tokens {tokens}{default}.")

    async def _cmd_policy(self, cmd: Command) -> None:
        if not cmd.args.get("show"):
            self.policy = cmd.args["policy"]
            self.conversation.policy = self.policy
            self._refresh_status()
        await self.note(f"Policy: {self.policy}.")

    async def _cmd_model(self, cmd: Command) -> None:
        if cmd.args.get("show"):
            fast = _spec_name(self.agent.fast) if self.agent else _spec_name(self.fast_spec)
            thinker = _spec_name(self.agent.thinker) if self.agent else _spec_name(self.thinker_spec or self.fast_spec)
            await self.note(f"Models: fast {fast}, thinker {thinker}.")
            return
        if self.answering:
            await self.note("Wait for the answer to finish (or press Escape) before switching models.", "warning")
            return
        current_fast = self.agent.fast if self.agent is not None else self.fast_spec
        current_thinker = self.agent.thinker if self.agent is not None else self.thinker_spec
        if cmd.args["role"] == "fast":
            self.fast_spec = cmd.args["name"]
            self.thinker_spec = current_thinker
        else:
            self.thinker_spec = cmd.args["name"]
            self.fast_spec = current_fast
        await self.note(f"Switching the {cmd.args['role']} model to {cmd.args['name']}…")
        self._start_loading(self.fast_spec, self.thinker_spec)
        self._refresh_status()

    async def _cmd_clear(self, cmd: Command) -> None:
        if self.answering:
            await self.note("Press Escape to cancel the answer before starting a new conversation.", "warning")
            return
        self._save()
        self.conversation = Conversation(
            policy=self.policy,
            fast=self.conversation.fast,
            thinker=self.conversation.thinker,
        )
        await self.chat.remove_children()
        self.status_bar.set_usage(Usage(), self.budget())
        self.status_bar.set_elapsed(None)
        await self.note("New conversation. The previous one is saved (/history to reopen it).")

    async def _cmd_save(self, cmd: Command) -> None:
        if not self.conversation.messages:
            await self.note("Nothing to save yet.", "warning")
            return
        try:
            md, jsonl = self.store.export(self.conversation)
        except OSError as exc:
            await self.note(f"Could not save: {exc}", "error")
            return
        await self.note(f"Saved the transcript to {md} and the trace to {jsonl}.")

    async def _cmd_history(self, cmd: Command) -> None:
        if self.answering:
            await self.note("Press Escape to cancel the answer before opening another conversation.", "warning")
            return
        if cmd.args.get("id"):
            await self.open_conversation(cmd.args["id"])
            return

        async def picked(conversation_id: str | None) -> None:
            if conversation_id:
                await self.open_conversation(conversation_id)

        self.push_screen(HistoryScreen(self.store.list(), self.conversation.id), picked)

    async def _cmd_help(self, cmd: Command) -> None:
        self.action_help()

    async def _cmd_trace(self, cmd: Command) -> None:
        self.action_trace()

    async def _cmd_quit(self, cmd: Command) -> None:
        await self.action_quit()

    # -- conversations ------------------------------------------------------------------------

    async def _resume_at_start(self) -> None:
        if self.resume is True:
            choice = self.store.resume_latest()
            if choice.conversation is not None:
                await self.show_conversation(choice.conversation)
            if choice.warning:
                await self.note(choice.warning, "warning")
            elif choice.conversation is None:
                await self.note("No saved conversation to resume; starting a new one.", "warning")
        else:
            await self.open_conversation(str(self.resume))

    async def open_conversation(self, conversation_id: str) -> bool:
        """Load a saved conversation by id and show it; False (with a note) when it cannot be read."""
        try:
            conversation = self.store.load(conversation_id)
        except FileNotFoundError as exc:
            await self.note(str(exc), "error")
            return False
        except ValueError as exc:
            await self.note(f"Could not read conversation {conversation_id!r}: {exc}", "error")
            return False
        self._save()
        await self.show_conversation(conversation)
        return True

    async def show_conversation(self, conversation: Conversation) -> None:
        """Replace the chat with ``conversation``; new messages continue it."""
        for m in conversation.messages:
            if m.role == "assistant" and m.status == "streaming":
                m.status = "cancelled"
        self.conversation = conversation
        await self.chat.remove_children()
        widgets = [UserMessage(m.content) if m.role == "user" else AnswerView(m) for m in conversation.messages]
        await self.chat.mount_all(widgets)
        await self.note(
            f"Resumed conversation {conversation.id}: {conversation.title or '(untitled)'} "
            f"({len(conversation.messages)} messages)."
        )
        self.chat.scroll_end(animate=False)


def run_chat(
    fast: str | None,
    thinker: str | None,
    max_cost: float | None,
    max_tokens: int | None,
    policy: str,
    resume: str | None | bool,
    agent_options: dict[str, Any] | None = None,
) -> int:
    """Open the chat UI; returns the exit code. Called by ``thinkdial chat``.

    Args:
        fast: the fast model name (None = the embedded model).
        thinker: the thinking model name (None = same as fast).
        max_cost: cost ceiling per answer in USD.
        max_tokens: token ceiling per answer.
        policy: ``"adaptive"``, ``"fast"`` or ``"think"``.
        resume: True (or ``""``) reopens the latest conversation, a string reopens that id, None starts a new one.
        agent_options: extra ``Agent`` keyword arguments (``tools``, ``api_base``, ``api_key``, ``n_gpu_layers``).
    """
    if resume == "":
        resume = True
    app = ChatApp(
        fast, thinker, max_cost=max_cost, max_tokens=max_tokens, policy=policy or "adaptive", resume=resume,
        agent_options=agent_options,
    )
    try:
        code = app.run()
    except KeyboardInterrupt:
        return 130
    return int(code or app.return_code or 0)
