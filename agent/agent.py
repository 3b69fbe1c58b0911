"""The public ``Agent``: models, tools, policy and budget in one object."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Literal, Sequence

from pydantic import BaseModel

from thinkdial.budget import Budget, Ledger
from thinkdial.controller import RunController
from thinkdial.models.base import Message, Model, ToolSpec
from thinkdial.models.resolve import resolve_model
from thinkdial.result import RunResult
from thinkdial.trace import TraceWriter
from thinkdial.policies.difficulty import DifficultyEstimator
from thinkdial.policies.routing import DEFAULT_LEVEL_TOKENS, RoutingPolicy, get_policy
from thinkdial.policies.strategies import Strategy
from thinkdial.tools import Tool, ToolSet

VerifyMode = Literal["never", "always", "think"] | float


class Agent:
    """An agent that thinks only as hard as each step needs.

    Args:
        fast: the drafting model: a model object, ``"embedded"`` (default), a ``.gguf`` path or a litellm name.
        thinker: the extended-thinking model (same forms; defaults to ``fast``).
        verifier: the model that checks answers (defaults to ``thinker``).
        tools: ``@tool`` functions (or plain typed functions) the agent may call.
        policy: ``"adaptive"`` (default), ``"fast"``, ``"think"`` or a routing policy object.
        budget: default ceilings for every run (a run's own ``budget=`` wins).
        output_type: a pydantic model; the final answer is returned as a validated instance.
        system_prompt: prepended to every conversation.
        thinking: strategy on the think route: ``"auto"``, ``"native"``, ``"cot"`` or ``"parallel"``.
        levels: thinking tokens per budget level (``low`` / ``medium`` / ``high``).
        estimate: ``"staged"`` (token signals, then samples when ambiguous) or ``"tokens"`` (draft only).
        verify: ``"never"``, ``"always"``, ``"think"`` (think-route answers) or a difficulty threshold.
        tool_timeout: seconds a tool may run when it sets no timeout of its own.
        probe_every: on models that continue a prefix, probe for the answer every this many thinking
            tokens and stop once ``probe_agreement`` probes in a row agree (0 disables).
    """

    def __init__(
        self,
        fast: str | Model | None = None,
        thinker: str | Model | None = None,
        *,
        verifier: str | Model | None = None,
        tools: Sequence[Tool | Callable[..., Any]] = (),
        policy: str | RoutingPolicy = "adaptive",
        budget: Budget | None = None,
        output_type: type[BaseModel] | None = None,
        system_prompt: str = "You are a helpful assistant. Answer concisely.",
        thinking: Strategy = "auto",
        levels: dict[str, int] | None = None,
        estimator: DifficultyEstimator | None = None,
        estimate: Literal["staged", "tokens"] = "staged",
        verify: VerifyMode = "never",
        verify_threshold: float = 0.5,
        max_revisions: int = 1,
        draft_tokens: int = 96,
        answer_tokens: int = 128,
        max_steps: int = 8,
        probe_every: int = 64,
        tool_timeout: float | None = 60.0,
        probe_agreement: int = 3,
        output_retries: int = 2,
        workspace: str | Path | None = None,
        seed: int | None = 0,
        api_base: str | None = None,
        api_key: str | None = None,
        n_gpu_layers: int | str = "auto",
    ) -> None:
        self._model_options = {"api_base": api_base, "api_key": api_key, "n_gpu_layers": n_gpu_layers}
        self.fast: Model = resolve_model(fast, **self._model_options)  # type: ignore[arg-type]
        self.thinker: Model = self.fast if thinker is None else resolve_model(thinker, **self._model_options)  # type: ignore[arg-type]
        self.verifier: Model = self.thinker if verifier is None else resolve_model(verifier, **self._model_options)  # type: ignore[arg-type]
        self.toolset = ToolSet(tools)
        self.tools = list(self.toolset)
        self.tool_specs = [ToolSpec(name=t.name, description=t.description, parameters=t.parameters) for t in self.tools]
        self.policy = get_policy(policy)
        self.budget = budget or Budget()
        self.output_type = output_type
        self.system_prompt = system_prompt
        self.thinking = thinking
        self.levels = {**DEFAULT_LEVEL_TOKENS, **(levels or {})}
        self.estimator = estimator or DifficultyEstimator()
        self.estimate = estimate
        self.verify = verify
        self.verify_threshold = verify_threshold
        self.max_revisions = max_revisions
        self.draft_tokens = draft_tokens
        self.answer_tokens = answer_tokens
        self.min_escalation_tokens = 32
        self.probe_every = probe_every
        self.tool_timeout = tool_timeout
        self.probe_agreement = probe_agreement
        self.max_steps = max_steps
        self.output_retries = output_retries
        self.workspace = Path(workspace) if workspace else None
        self.seed = seed

    # -- capabilities ------------------------------------------------------------

    @staticmethod
    def native_tools(model: Model) -> bool:
        """Whether ``model`` takes tools natively (local models use a JSON grammar on the think route instead)."""
        return bool(getattr(model, "supports_tools", False))

    def strategy_for(self, model: Model) -> Strategy:
        """The thinking strategy for ``model`` under ``thinking="auto"``."""
        if self.thinking != "auto":
            return self.thinking
        if getattr(model, "supports_reasoning", False):
            return "native"
        return "parallel"

    # -- running -----------------------------------------------------------------------

    async def run(
        self,
        task: str,
        *,
        budget: Budget | None = None,
        policy: str | RoutingPolicy | None = None,
        history: Sequence[Message] = (),
        trace: str | Path | None = None,
        on_event: Callable[[Any], None] | None = None,
    ) -> RunResult:
        """Run ``task`` to a final answer or a ceiling. ``on_event`` sees every trace event."""
        writer = TraceWriter(trace) if trace else None

        def emit(event: Any) -> None:
            if writer is not None:
                writer.write(event)
            if on_event is not None:
                on_event(event)

        controller = RunController(
            self,
            task,
            Ledger(budget or self.budget),
            get_policy(policy) if policy is not None else self.policy,
            emit,
            list(history),
        )
        try:
            return await controller.run()
        finally:
            if writer is not None:
                writer.close()

    def run_sync(self, task: str, **kwargs: Any) -> RunResult:
        """Blocking twin of :meth:`run`."""
        return asyncio.run(self.run(task, **kwargs))

    async def stream(self, task: str, **kwargs: Any) -> AsyncIterator[Any]:
        """Yield trace events as they happen; the last one is ``Final``.

        Breaking out of the loop (or cancelling the consumer) cancels the run.
        """
        queue: asyncio.Queue[Any] = asyncio.Queue()
        done = object()

        async def runner() -> None:
            try:
                await self.run(task, on_event=queue.put_nowait, **kwargs)
            finally:
                queue.put_nowait(done)

        worker = asyncio.create_task(runner())
        try:
            while True:
                event = await queue.get()
                if event is done:
                    break
                yield event
            await worker
        finally:
            if not worker.done():
                worker.cancel()
                try:
                    await worker
                except (asyncio.CancelledError, Exception):  # noqa: BLE001
                    pass
