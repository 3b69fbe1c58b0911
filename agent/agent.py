"""The public ``Agent``: models, tools, policy and budget in one object."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from thinkdial.budget import Budget, Ledger, require_prices
from thinkdial.controller import RunController
from thinkdial.models.base import Message, Model, Pricing, ToolSpec
from thinkdial.models.resolve import resolve_model
from thinkdial.policies.checks import Check, default_checks
from thinkdial.policies.estimate.difficulty import DifficultyEstimator
from thinkdial.policies.estimate.gain import load_gain
from thinkdial.policies.routing import RoutingPolicy, get_policy
from thinkdial.prompts import SYSTEM_PROMPT
from thinkdial.result import RunResult
from thinkdial.settings import (
    DEFAULT_BUDGET,
    EstimateSettings,
    RunSettings,
    StrategyName,
    ThinkingSettings,
    VerifySettings,
)
from thinkdial.tools import Tool, ToolSet
from thinkdial.trace import TraceWriter

ModelSpec = str | Model | Sequence[str | Model] | None


def _settings(argument: str, cls: type[Any], value: Any, shortcut: str) -> Any:
    """``value`` as ``cls``: an instance, a dict of its fields, or the shortcut field's value; errors name the argument."""
    if isinstance(value, cls):
        return value
    try:
        return cls(**value) if isinstance(value, dict) else cls(**{shortcut: value})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or shortcut}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"Agent({argument}=...) is invalid: {problems}") from None


def _check_model(argument: str, spec: Any) -> None:
    ok = spec is None or isinstance(spec, str) or hasattr(spec, "complete")
    if isinstance(spec, (list, tuple)):
        ok = bool(spec) and all(isinstance(s, str) or hasattr(s, "complete") for s in spec)
    if not ok:
        raise TypeError(
            f"Agent({argument}=...) takes a model object, 'embedded', a .gguf path or a litellm model name "
            f"(or a list of them), not {type(spec).__name__}: {spec!r}"
        )


def _checks(checks: Sequence[Check] | None) -> tuple[Check, ...]:
    if checks is None:
        return default_checks()
    if isinstance(checks, (str, bytes)) or not isinstance(checks, Sequence):
        raise TypeError(f"Agent(checks=...) takes a sequence of checks (or () for none), not {type(checks).__name__}")
    for i, check in enumerate(checks):
        if not isinstance(check, Check):
            raise TypeError(
                f"Agent(checks=...)[{i}] is not a check: it needs a 'name' and a 'claims(reply, question)' method, "
                f"got {check!r}"
            )
    return tuple(checks)


class Agent:
    """An agent that thinks only as hard as each step needs.

    Args:
        fast: the drafting model: a model object, ``"embedded"`` (default), a ``.gguf`` path or a litellm name.
        thinker: the extended-thinking model (same forms; defaults to ``fast``).
        verifier: the model that checks answers (defaults to ``thinker``).
        tools: ``@tool`` functions (or plain typed functions) the agent may call.
        policy: ``"adaptive"`` (default), ``"fast"``, ``"think"`` or a routing policy object.
        budget: ceilings for every run (a run's own ``budget=`` wins). With none at all, a run is capped
            at 16,000 tokens and 8 steps (``DEFAULT_BUDGET``); pass ``Budget()`` for no ceiling.
        output_type: a pydantic model; the final answer is returned as a validated instance.
        system_prompt: prepended to every conversation.
        thinking: a :class:`ThinkingSettings` (or just its strategy: ``"auto"``, ``"native"``, ``"cot"``, ``"parallel"``).
        estimate: an :class:`EstimateSettings` (or just its mode: ``"staged"`` or ``"tokens"``).
        verify: a :class:`VerifySettings` (or just its mode: ``"never"``, ``"always"``, ``"think"`` or a difficulty).
        estimator: the difficulty estimator (the calibrated default when None).
        checks: the exact claim checks (``thinkdial.policies.checks``): None for the default set
            (``default_checks()``), ``()`` for none, or your own objects with ``name`` and ``claims(reply, question)``.
            Their claims are signals for the estimate; a claim read with certainty that is false also fails
            verification and keeps a draft over a thinker's answer that states it.
        tool_timeout: seconds a tool may run when it sets no timeout of its own.
        output_retries: extra tries when the structured output fails validation.
        workspace: folder that workspace tools are confined to.
        seed: seed of every sampled call (greedy calls are deterministic anyway).
        budget_note: when a ceiling is set, end what the models see at each step with one line of what is left
            (``[Budget left: 1200 tokens, 3 steps.]``). Off by default: on the agent suite it did not pay
            (``bench/RESULTS.md``, issue 19).
        api_base, api_key, n_gpu_layers: passed to model resolution for models given as strings.
        prices: prices of remote models given as strings, by litellm name (``{"openai/my-model":
            Pricing(input_per_mtok=0.5, output_per_mtok=1.5)}``; ``Pricing.free()`` declares one free). A run
            with a dollar ceiling refuses to start while any model it may call has no known price.
    """

    def __init__(
        self,
        fast: ModelSpec = None,
        thinker: ModelSpec = None,
        *,
        verifier: ModelSpec = None,
        tools: Sequence[Tool | Callable[..., Any]] = (),
        policy: str | RoutingPolicy = "adaptive",
        budget: Budget | None = None,
        output_type: type[BaseModel] | None = None,
        system_prompt: str = SYSTEM_PROMPT,
        thinking: ThinkingSettings | StrategyName | dict[str, Any] = "auto",
        estimate: EstimateSettings | Literal["staged", "tokens"] | dict[str, Any] = "staged",
        verify: VerifySettings | Literal["never", "always", "think"] | float | dict[str, Any] = "never",
        estimator: DifficultyEstimator | None = None,
        checks: Sequence[Check] | None = None,
        tool_timeout: float | None = 60.0,
        output_retries: int = 2,
        workspace: str | Path | None = None,
        seed: int | None = 0,
        budget_note: bool = False,
        api_base: str | None = None,
        api_key: str | None = None,
        n_gpu_layers: int | str = "auto",
        prices: Mapping[str, Pricing] | None = None,
    ) -> None:
        for argument, spec in (("fast", fast), ("thinker", thinker), ("verifier", verifier)):
            _check_model(argument, spec)
        if budget is not None and not isinstance(budget, Budget):
            raise TypeError(f"Agent(budget=...) takes a Budget, not {type(budget).__name__}; e.g. Budget(max_cost_usd=0.05)")
        if output_type is not None and not (isinstance(output_type, type) and issubclass(output_type, BaseModel)):
            raise TypeError(f"Agent(output_type=...) takes a pydantic model class, not {output_type!r}")
        if not isinstance(system_prompt, str):
            raise TypeError(f"Agent(system_prompt=...) takes a string, not {type(system_prompt).__name__}")
        if tool_timeout is not None and not tool_timeout > 0:
            raise ValueError(f"Agent(tool_timeout=...) must be positive seconds or None, got {tool_timeout!r}")
        if not isinstance(output_retries, int) or output_retries < 0:
            raise ValueError(f"Agent(output_retries=...) must be a whole number >= 0, got {output_retries!r}")
        if seed is not None and not isinstance(seed, int):
            raise TypeError(f"Agent(seed=...) takes an int or None, not {seed!r}")
        if estimator is not None and not isinstance(estimator, DifficultyEstimator):
            raise TypeError(f"Agent(estimator=...) takes a DifficultyEstimator, not {type(estimator).__name__}")
        self.checks: tuple[Check, ...] = _checks(checks)
        self.thinking: ThinkingSettings = _settings("thinking", ThinkingSettings, thinking, "strategy")
        self.estimate: EstimateSettings = _settings("estimate", EstimateSettings, estimate, "mode")
        self.verify: VerifySettings = _settings("verify", VerifySettings, verify, "mode")
        if prices is not None and not (
            isinstance(prices, Mapping) and all(isinstance(k, str) and isinstance(v, Pricing) for k, v in prices.items())
        ):
            raise TypeError(f"Agent(prices=...) takes a dict of model name -> Pricing, e.g. {{'openai/my-model': Pricing.free()}}, not {prices!r}")
        self.policy = get_policy(policy)
        options: dict[str, Any] = {"api_base": api_base, "api_key": api_key, "n_gpu_layers": n_gpu_layers,
                                   "prices": dict(prices or {})}
        self.fast: Model = resolve_model(fast, **options)
        self.thinker: Model = self.fast if thinker is None else resolve_model(thinker, **options)
        self.verifier: Model = self.thinker if verifier is None else resolve_model(verifier, **options)
        self.toolset = ToolSet(tools)
        self.tools = list(self.toolset)
        self.tool_specs = [ToolSpec(name=t.name, description=t.description, parameters=t.parameters) for t in self.tools]
        self.budget = budget
        self.output_type = output_type
        self.system_prompt = system_prompt
        self.estimator = estimator or DifficultyEstimator()
        self.gain = load_gain(self.fast.name, self.thinker.name)
        """The pair's calibration of P(thinker right) (``thinkdial.policies.estimate.gain``); None trusts the thinker."""
        self.tool_timeout = tool_timeout
        self.output_retries = output_retries
        self.workspace = Path(workspace) if workspace else None
        self.seed = seed
        self.budget_note = bool(budget_note)

    def _run_tool_specs(self) -> list[ToolSpec]:
        """The tool specs of one run: with the values each tool offers now (``Tool.offers``: the workspace's files)."""
        specs = []
        for t, spec in zip(self.tools, self.tool_specs, strict=True):
            offered = t.offered_values()
            specs.append(spec.model_copy(update={"offered": offered}) if offered else spec)
        return specs

    def callable_models(self) -> list[Model]:
        """The models a run may call: fast and thinker, and the verifier when answers are verified."""
        models = [self.fast, self.thinker]
        if self.verify.mode != "never":
            models.append(self.verifier)
        return models

    def settings(self, policy: RoutingPolicy | None = None) -> RunSettings:
        """The frozen settings one run sees."""
        return RunSettings(
            fast=self.fast, thinker=self.thinker, verifier=self.verifier, toolset=self.toolset, tool_specs=self._run_tool_specs(),
            policy=policy or self.policy, estimator=self.estimator, thinking=self.thinking, estimate=self.estimate,
            verify=self.verify, system_prompt=self.system_prompt, output_type=self.output_type,
            output_retries=self.output_retries, tool_timeout=self.tool_timeout, workspace=self.workspace, seed=self.seed,
            checks=self.checks, gain=self.gain, budget_note=self.budget_note,
        )

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
        """Run ``task`` to a final answer or a ceiling. ``on_event`` sees every trace event.

        ``history`` continues a conversation: pass a previous ``RunResult.messages``.

        Raises:
            UnpricedModelError: the budget has ``max_cost_usd`` and a model the run may call has no known
                price (nothing is called; the message says how to price it).
            BudgetExceededError: a ceiling was hit under ``Budget(strict=True)``.
        """
        if not isinstance(task, str) or not task.strip():
            raise ValueError(f"run(task=...) needs a non-empty string, got {task!r}")
        if budget is not None and not isinstance(budget, Budget):
            raise TypeError(f"run(budget=...) takes a Budget, not {type(budget).__name__}; e.g. Budget(max_tokens=4000)")
        if not all(isinstance(m, Message) for m in history):
            raise TypeError("run(history=...) takes Message objects, e.g. a previous RunResult.messages")
        return await self._run(task, list(history), [], budget, policy, trace, on_event, {})

    async def run_messages(
        self,
        messages: Sequence[Message],
        *,
        external_tools: Sequence[ToolSpec] = (),
        budget: Budget | None = None,
        policy: str | RoutingPolicy | None = None,
        trace: str | Path | None = None,
        on_event: Callable[[Any], None] | None = None,
    ) -> RunResult:
        """Go on from a whole conversation as a chat client keeps it (``thinkdial serve`` runs each request so).

        The last user message is the task, the messages before it are the history, and any after it (the
        assistant's tool calls and their results) are where the run picks up. Leading system messages replace
        the agent's system prompt. A step that calls one of ``external_tools`` (tools the caller runs itself;
        one named like an agent tool wins over it) ends the run with ``stop_reason="tool_calls"`` and the calls
        in ``result.tool_calls``; send their results back as ``tool`` messages in the next call.
        """
        msgs = list(messages)
        if not all(isinstance(m, Message) for m in msgs):
            raise TypeError("run_messages(messages=...) takes Message objects")
        if not all(isinstance(t, ToolSpec) for t in external_tools):
            raise TypeError("run_messages(external_tools=...) takes ToolSpec objects")
        users = [i for i, m in enumerate(msgs) if m.role == "user"]
        if not users or not msgs[users[-1]].content.strip():
            raise ValueError("run_messages(messages=...) needs a non-empty user message (the task)")
        last = users[-1]
        n_system = 0
        while n_system < len(msgs) and msgs[n_system].role == "system":
            n_system += 1
        changes: dict[str, Any] = {}
        if n_system:
            changes["system_prompt"] = "\n\n".join(m.content for m in msgs[:n_system])
        if external_tools:
            names = frozenset(t.name for t in external_tools)
            own = [t for t in self.tool_specs if t.name not in names]
            changes.update(tool_specs=[*external_tools, *own], external_tools=names)
        return await self._run(
            msgs[last].content, msgs[n_system:last], msgs[last + 1:], budget, policy, trace, on_event, changes
        )

    async def _run(
        self,
        task: str,
        history: list[Message],
        tail: list[Message],
        budget: Budget | None,
        policy: str | RoutingPolicy | None,
        trace: str | Path | None,
        on_event: Callable[[Any], None] | None,
        changes: dict[str, Any],
    ) -> RunResult:
        if budget is not None and not isinstance(budget, Budget):
            raise TypeError(f"run(budget=...) takes a Budget, not {type(budget).__name__}; e.g. Budget(max_tokens=4000)")
        run_policy = get_policy(policy) if policy is not None else self.policy
        ceiling = budget or self.budget or DEFAULT_BUDGET
        require_prices(ceiling, self.callable_models())
        writer = TraceWriter(trace) if trace else None

        def emit(event: Any) -> None:
            if writer is not None:
                writer.write(event)
            if on_event is not None:
                on_event(event)

        settings = dataclasses.replace(self.settings(run_policy), **changes) if changes else self.settings(run_policy)
        controller = RunController(settings, task, Ledger(ceiling), run_policy, emit, history, tail)
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
                except (asyncio.CancelledError, Exception):  # noqa: BLE001 - the consumer is already gone
                    pass
