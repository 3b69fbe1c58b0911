"""What every phase sees: the run's frozen settings, the gate to the models, and the run state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from thinkdial.budget import Ledger
from thinkdial.errors import ContextOverflowError, ThinkdialError
from thinkdial.models.base import Completion, Message, Model, ModelRequest
from thinkdial.result import Step
from thinkdial.settings import RunSettings
from thinkdial.trace import BudgetCheck, ModelCalled, TextDelta

Emit = Callable[[Any], None]


class BudgetStop(Exception):
    """A ceiling was reached; the run ends with the best answer so far."""


class ToolHandOver(Exception):
    """A step called tools the caller runs itself (``RunSettings.external_tools``): the run ends with those calls."""


@dataclass
class RunState:
    """What a run accumulates: its steps, the best answer so far, and what tools returned."""

    steps: list[Step] = field(default_factory=list)
    best: str = ""
    step_no: int = 0
    tool_values: set[str] = field(default_factory=set)
    """Normalised results of successful tool calls: a draft restating one is grounded."""
    tool_memo: dict[tuple[str, str], tuple[bool, str, float]] = field(default_factory=dict)
    prior_calls: list[dict[str, Any]] = field(default_factory=list)
    """Calls the caller ran before this run (``Agent.run_messages``), as steps record theirs: name, arguments, ok, result."""
    """(tool, arguments) -> (ok, content, seconds): a repeated call is answered from here."""
    progress: Any = None
    """The run's progress signals before the current step (``policies.estimate.progress.Progress``)."""
    stalled: str = ""
    """Why the run escalates every remaining step (a progress signal fired), or empty."""
    pointers: list[str] = field(default_factory=list)
    """Files a tool result points at that nobody has read yet: the thinker is offered tools after results."""
    compute: list[str] = field(default_factory=list)
    """Numbers from tool results the question wants summed (or averaged, ...) that no call has computed from yet."""

    @property
    def step(self) -> Step:
        return self.steps[-1]


@dataclass
class RunContext:
    """One run: settings, task, ledger, trace sink and state. Every model call goes through :meth:`call`."""

    settings: RunSettings
    task: str
    ledger: Ledger
    emit: Emit
    state: RunState = field(default_factory=RunState)

    async def call(
        self,
        purpose: str,
        phase: str,
        model: Model,
        messages: list[Message],
        max_tokens: int,
        *,
        min_tokens: int = 1,
        stream: bool = True,
        **request: Any,
    ) -> Completion | None:
        """Call ``model`` if the budget allows its worst case; ``None`` when the ledger refuses."""
        step_no = self.state.step_no
        tools = request.get("tools") or []
        prompt_tokens = model.count_tokens(messages, tools)
        if request.get("prefill"):
            prompt_tokens += model.count_tokens([Message(role="assistant", content=request["prefill"])])
        probe = request.get("probe")
        if probe is not None:
            # Each probe reads its suffix on top of the cached context (a token is at least one byte).
            prompt_tokens += (max_tokens // probe.every) * len(probe.suffix.encode("utf-8"))
        if model.context_window is not None and prompt_tokens >= model.context_window:
            raise ContextOverflowError(
                f"The prompt ({prompt_tokens} tokens) does not fit {model.name}'s context window ({model.context_window}).",
                "Shorten the task or use a model with a larger context.",
            )
        plan = self.ledger.plan(model.pricing, prompt_tokens, max_tokens, min_tokens, model=model.name)
        left = self.ledger.remaining()
        self.emit(
            BudgetCheck(
                step=step_no,
                purpose=purpose,
                model=model.name,
                prompt_tokens=prompt_tokens,
                requested_tokens=max_tokens,
                allowed_tokens=plan.max_tokens,
                allowed=plan.allowed,
                reason=plan.reason,
                remaining_cost_usd=left.cost_usd,
                remaining_tokens=left.tokens,
            )
        )
        if not plan.allowed:
            return None
        req = ModelRequest(messages=messages, max_tokens=plan.max_tokens, **request)
        on_delta = self._delta_sink(phase) if stream else None
        try:
            if left.seconds is not None:
                completion = await asyncio.wait_for(model.complete(req, on_delta), timeout=left.seconds)
            else:
                completion = await model.complete(req, on_delta)
        except (TimeoutError, asyncio.CancelledError) as exc:
            # The call's real usage is unknown: book its reserved worst case.
            usage = self.ledger.charge_worst_case(model.pricing, prompt_tokens, plan.max_tokens)
            self.emit(ModelCalled(step=step_no, purpose=purpose, model=model.name, usage=usage, finish_reason="cancelled"))
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise BudgetStop(f"time ceiling of {self.ledger.budget.max_seconds}s reached during {purpose}") from None
        except ThinkdialError as err:
            # A call that failed after the provider may have billed it: what it spent counts against the ceiling.
            if err.usage is not None:
                self.ledger.record(err.usage, model=model.name)
                self.emit(ModelCalled(step=step_no, purpose=purpose, model=model.name, usage=err.usage, finish_reason="error"))
            raise
        self.ledger.record(completion.usage, model=completion.model or model.name)
        # A model list names the member that answered in its completion.
        self.emit(
            ModelCalled(
                step=step_no, purpose=purpose, model=completion.model or model.name, usage=completion.usage,
                finish_reason=completion.finish_reason,
            )
        )
        return completion

    def _delta_sink(self, phase: str) -> Callable[[str, str], None]:
        loop = asyncio.get_running_loop()
        step = self.state.step_no

        def sink(kind: str, text: str) -> None:
            event = TextDelta(step=step, phase=phase, kind=kind, text=text)  # type: ignore[arg-type]
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                self.emit(event)
            elif not loop.is_closed():  # a cancelled call's worker may outlive the run
                loop.call_soon_threadsafe(self.emit, event)

        return sink
