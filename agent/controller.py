"""The adaptive loop: draft, estimate, route, think, use tools, verify, revise, within the budget.

One :class:`RunController` executes one task. Every model call goes through
:meth:`RunController.call`, which asks the ledger first, so no path can
spend past the ceiling.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, Callable

from pydantic import BaseModel, ValidationError

from thinkdial.budget import Ledger
from thinkdial.errors import BudgetExceededError, ContextOverflowError, ThinkdialError
from thinkdial.models.base import Completion, Message, Model, ModelRequest, Probe, ToolCall, Usage
from thinkdial.result import RunResult, Step
from thinkdial.trace import (
    BudgetCheck,
    Draft,
    Final,
    ModelCalled,
    RouteDecision,
    RunStarted,
    SignalsComputed,
    StepFinished,
    StepStarted,
    TextDelta,
    Thinking,
    ToolCalled,
    ToolReturned,
    Verified,
    Revised,
)
from thinkdial.policies.answers import extract_answer, normalize_answer
from thinkdial.policies.difficulty import Estimate
from thinkdial.policies.routing import RouteAction, RouteContext
from thinkdial.policies.signals import mean_confidence, verifier_yes_probability
from thinkdial.policies.strategies import (
    COT_INSTRUCTION,
    SAMPLES_BY_LEVEL,
    Vote,
    split_cot,
    vote_is_settled,
    weighted_vote,
)
from thinkdial.tools import ToolContext

if TYPE_CHECKING:
    from thinkdial.agent import Agent

Emit = Callable[[Any], None]

VERIFY_PROMPT = (
    "Question: {question}\nProposed answer: {answer}\n"
    "Is the proposed answer correct? Reply with one word: yes or no."
)
REVISE_PROMPT = (
    "A checker thinks your answer '{answer}' may be wrong (confidence it is right: {p:.0%}). "
    "Reconsider the question carefully and give a corrected final answer."
)


PROBE_SUFFIX = "\n... I now know the final answer to the question. Answer:"


class BudgetStop(Exception):
    """Internal: a ceiling was reached; the run ends with the best answer so far."""


class RunController:
    """Runs one task for an :class:`~agent.agent.Agent`."""

    def __init__(self, agent: Agent, task: str, ledger: Ledger, policy: Any, emit: Emit, history: list[Message]):
        self.agent = agent
        self.task = task
        self.ledger = ledger
        self.policy = policy
        self.emit = emit
        self.history = history
        self.steps: list[Step] = []
        self.best = ""
        self.step_no = 0
        self.tool_values: set[str] = set()
        self.tool_memo: dict[tuple[str, str], tuple[bool, str, float]] = {}

    # -- the one gate every model call goes through ----------------------------

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
        """Call ``model`` if the budget allows; ``None`` when the ledger refuses."""
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
        plan = self.ledger.plan(model.pricing, prompt_tokens, max_tokens, min_tokens)
        left = self.ledger.remaining()
        self.emit(
            BudgetCheck(
                step=self.step_no,
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
        seconds = left.seconds
        try:
            if seconds is not None:
                completion = await asyncio.wait_for(model.complete(req, on_delta), timeout=seconds)
            else:
                completion = await model.complete(req, on_delta)
        except asyncio.TimeoutError:
            usage = self.ledger.charge_worst_case(model.pricing, prompt_tokens, plan.max_tokens)
            self.emit(ModelCalled(step=self.step_no, purpose=purpose, model=model.name, usage=usage, finish_reason="cancelled"))
            raise BudgetStop(f"time ceiling of {self.ledger.budget.max_seconds}s reached during {purpose}")
        self.ledger.record(completion.usage)
        self.emit(
            ModelCalled(
                step=self.step_no, purpose=purpose, model=model.name, usage=completion.usage, finish_reason=completion.finish_reason
            )
        )
        return completion

    def _delta_sink(self, phase: str) -> Callable[[str, str], None]:
        loop = asyncio.get_running_loop()
        step = self.step_no

        def sink(kind: str, text: str) -> None:
            event = TextDelta(step=step, phase=phase, kind=kind, text=text)  # type: ignore[arg-type]
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                self.emit(event)
            else:
                loop.call_soon_threadsafe(self.emit, event)

        return sink

    # -- the loop ------------------------------------------------------------------

    async def run(self) -> RunResult:
        a = self.agent
        self.emit(
            RunStarted(
                task=self.task,
                policy=self.policy.name,
                fast=a.fast.name,
                thinker=a.thinker.name,
                budget=self.ledger.budget.model_dump(exclude_none=True),
            )
        )
        messages = self._initial_messages()
        stop_reason = "final"
        message = ""
        output: Any = ""
        try:
            while True:
                limit = self.ledger.budget.max_steps
                if limit is not None and self.ledger.steps >= limit:
                    stop_reason, message = "max_steps", f"stopped after {limit} steps"
                    break
                if self.ledger.steps >= a.max_steps:
                    stop_reason, message = "max_steps", f"stopped after the agent's limit of {a.max_steps} steps"
                    break
                final = await self._step(messages)
                if final is not None:
                    output = final
                    break
        except BudgetStop as stop:
            stop_reason, message = "budget", str(stop)
        except ThinkdialError as err:
            stop_reason, message = "error", str(err)
        if stop_reason != "final":
            output = self.best
            if stop_reason == "budget" and self.ledger.budget.strict:
                self.emit(Final(output=str(output), stop_reason="budget", usage=self._usage(), message=message))
                raise BudgetExceededError(message, "Raise the ceiling or pass strict=False to get the best answer so far.")
        if a.output_type is not None and stop_reason == "final":
            output, stop_reason, message = await self._structured(messages, output)
        self.emit(
            Final(
                output=output.model_dump_json() if isinstance(output, BaseModel) else str(output),
                stop_reason=stop_reason,  # type: ignore[arg-type]
                usage=self._usage(),
                message=message,
                step=self.step_no,
            )
        )
        return RunResult(output=output, stop_reason=stop_reason, usage=self._usage(), steps=self.steps, message=message)  # type: ignore[arg-type]

    def _usage(self) -> Usage:
        """What the run spent, with ``seconds`` as its wall-clock time."""
        return self.ledger.spent.model_copy(update={"seconds": self.ledger.elapsed()})

    def _initial_messages(self) -> list[Message]:
        msgs: list[Message] = []
        if self.agent.system_prompt:
            msgs.append(Message(role="system", content=self.agent.system_prompt))
        msgs.extend(self.history)
        msgs.append(Message(role="user", content=self.task))
        return msgs

    async def _step(self, messages: list[Message]) -> str | None:
        """One step. Returns the final answer, or None when tool calls need another step."""
        a = self.agent
        self.ledger.steps += 1
        self.step_no = self.ledger.steps
        step = Step(index=self.step_no)
        self.steps.append(step)
        spent_before = self.ledger.spent
        self.emit(StepStarted(step=self.step_no))

        fast_tools = a.tool_specs if a.native_tools(a.fast) else []
        draft = await self.call(
            "draft", "draft", a.fast, messages, a.draft_tokens, tools=fast_tools, temperature=0.0, seed=a.seed
        )
        if draft is None:
            raise BudgetStop("budget too small for the fast draft")
        step.draft = draft.text
        if draft.text:
            self.best = draft.text
        self.emit(Draft(step=self.step_no, text=draft.text, finish_reason=draft.finish_reason))

        estimate = await self._estimate(messages, draft)
        step.difficulty, step.signals = estimate.difficulty, estimate.signals
        step.signals_used, step.estimate_stage = estimate.used, estimate.stage

        if estimate.stage == "grounded":
            # The draft restates what a tool computed this turn: nothing left to think about.
            action = RouteAction("keep", reason="the draft restates a tool result")
        else:
            action = self.policy.decide(
                RouteContext(estimate.difficulty, estimate.signals, self.ledger.remaining(), estimate.stage)
            )
        if action.action == "sample_more" and estimate.stage != "samples":
            estimate = await self._estimate(messages, draft, force_samples=True)
            step.difficulty, step.signals, step.signals_used = estimate.difficulty, estimate.signals, estimate.used
            action = self.policy.decide(
                RouteContext(estimate.difficulty, estimate.signals, self.ledger.remaining(), estimate.stage, a.estimator.samples)
            )
            if action.action == "sample_more":
                action = RouteAction("keep", reason="policy asked for more samples twice; keeping the draft")

        result = draft
        if action.action == "escalate":
            thought = await self._think(messages, action, step)
            if thought is not None:
                result = thought
        elif action.action == "stop":
            self._decide(step, "stop", "fast", None, action.reason)
            step.output = draft.text
            self._finish_step(step, spent_before)
            return draft.text
        else:
            self._decide(step, "keep", "fast", None, action.reason)

        if result.tool_calls:
            mark = len(messages)
            any_ok = await self._run_tools(messages, result, step)
            grammar_tools = step.route == "think" and not a.native_tools(a.thinker)
            if any_ok or not grammar_tools:
                self._finish_step(step, spent_before)
                return None
            # A grammar-forced tool call that failed (a local model reaching for a tool that does not
            # fit the question): drop it and let the thinker answer with prompted reasoning instead.
            del messages[mark:]
            level = step.level or "medium"
            thought = await self._cot(messages, level, a.levels[level], parallel=True)
            if thought is None:
                raise BudgetStop("budget too small to think after a failed tool call")
            result = thought

        answer = result.text
        if answer:
            self.best = answer
        answer = await self._verify_and_revise(messages, answer, step)
        step.output = answer
        self._finish_step(step, spent_before)
        return answer

    def _finish_step(self, step: Step, spent_before: Usage) -> None:
        spent = self.ledger.spent
        step.usage = Usage(
            input_tokens=spent.input_tokens - spent_before.input_tokens,
            output_tokens=spent.output_tokens - spent_before.output_tokens,
            thinking_tokens=spent.thinking_tokens - spent_before.thinking_tokens,
            cost_usd=spent.cost_usd - spent_before.cost_usd,
            seconds=spent.seconds - spent_before.seconds,
        )
        self.emit(StepFinished(step=step.index, route=step.route, difficulty=step.difficulty, text=step.output))

    def _decide(self, step: Step, action: str, route: str, level: str | None, reason: str, budget: int | None = None) -> None:
        step.route = route  # type: ignore[assignment]
        step.level = level
        step.thinking_budget = budget
        step.decision_reason = reason
        self.emit(
            RouteDecision(
                step=self.step_no, action=action, route=route, level=level, thinking_budget=budget, reason=reason  # type: ignore[arg-type]
            )
        )

    # -- difficulty ---------------------------------------------------------------------

    async def _estimate(self, messages: list[Message], draft: Completion, force_samples: bool = False) -> Estimate:
        a = self.agent
        est = a.estimator.from_draft(draft, draft.finish_reason)
        if draft.tool_calls:
            est = Estimate(0.0, {"tool_call": 1.0}, ["tool_call"], "tool_call", None)
        elif est.answer is not None and normalize_answer(est.answer) in self.tool_values:
            # The draft restates what a tool computed: grounded, not guessed.
            signals = {**est.signals, "tool_grounded": 1.0}
            est = Estimate(min(est.difficulty, 0.05), signals, [*est.used, "tool_grounded"], "grounded", est.answer)
        elif a.estimate == "staged" and (force_samples or a.estimator.needs_samples(est)):
            texts: list[str] = []
            tokens = 0
            for i in range(a.estimator.samples):
                sample = await self.call(
                    "estimate",
                    "sample",
                    a.fast,
                    messages,
                    a.draft_tokens,
                    stream=False,
                    temperature=a.estimator.sample_temperature,
                    seed=(a.seed or 0) + 1 + i,
                    logprobs=False,
                )
                if sample is None:
                    break
                texts.append(sample.text)
                tokens += sample.usage.total_tokens
            if texts:
                est = a.estimator.with_samples(est, texts)
            self.steps[-1].estimate_tokens = tokens
        self.emit(
            SignalsComputed(
                step=self.step_no,
                difficulty=est.difficulty,
                signals=est.signals,
                used=est.used,
                stage=est.stage,
                estimate_tokens=self.steps[-1].estimate_tokens,
            )
        )
        return est

    # -- the think route -------------------------------------------------------------------

    async def _think(self, messages: list[Message], action: RouteAction, step: Step) -> Completion | None:
        a = self.agent
        level = action.level or "medium"
        budget = a.levels[level]
        thinker = a.thinker
        strategy = a.strategy_for(thinker)
        max_tokens = budget + a.answer_tokens
        need = a.min_escalation_tokens
        prompt = thinker.count_tokens(messages, a.tool_specs)
        bound = self.ledger.affordable_output(thinker.pricing, prompt)
        if bound is not None and bound < need:
            self._decide(
                step,
                "keep",
                "fast",
                level,
                f"escalation to {level} was wanted ({action.reason}) but the remaining budget allows only "
                f"{max(bound, 0)} output tokens of the {need} needed; keeping the draft",
            )
            return None
        self._decide(step, "escalate", "think", level, f"{action.reason}; strategy {strategy}", budget)

        # Right after tool results the thinker answers from them instead of calling more tools.
        fresh_results = bool(messages) and messages[-1].role == "tool"
        if a.tool_specs and not fresh_results:
            result = await self.call(
                "think", "think", thinker, messages, max_tokens, min_tokens=need, tools=a.tool_specs, temperature=0.0, seed=a.seed,
                thinking_budget=budget if strategy == "native" else None,
            )
        elif strategy == "native":
            result = await self.call(
                "think", "think", thinker, messages, max_tokens, min_tokens=need, thinking_budget=budget, seed=a.seed,
                min_thinking=budget // 4,
            )
        else:
            result = await self._cot(messages, level, budget, parallel=strategy == "parallel" or strategy == "auto")
        if result is None:
            return None
        if result.thinking:
            step.thinking = result.thinking
            self.emit(Thinking(step=self.step_no, text=result.thinking))
        return result

    async def _cot(self, messages: list[Message], level: str, budget: int, parallel: bool) -> Completion | None:
        """Prompted chain of thought; with ``parallel``, several samples and a confidence-weighted vote."""
        a = self.agent
        cot_messages = [Message(role="system", content=COT_INSTRUCTION), *[m for m in messages if m.role != "system"]]
        k = SAMPLES_BY_LEVEL.get(level, 1) if parallel else 1
        votes: list[Vote] = []
        first: Completion | None = None
        usage = Usage()
        for i in range(k):
            c = await self._cot_sample(cot_messages, budget, temperature=0.0 if i == 0 else 0.7, seed=(a.seed or 0) + i, stream=i == 0)
            if c is None:
                break
            first = first or c
            usage = usage + c.usage
            answer, _ = split_cot(c.text)
            votes.append(Vote(extract_answer(c.text) or answer, mean_confidence(c) or 0.0, c.text))
            if vote_is_settled(votes, k - i - 1):
                break
        if first is None:
            return None
        vote = weighted_vote(votes)
        answer, reasoning = split_cot(vote.text)
        final = vote.answer or answer
        return Completion(text=final, thinking=reasoning, usage=usage, tokens=first.tokens, model=first.model)

    async def _cot_sample(
        self, cot_messages: list[Message], budget: int, temperature: float, seed: int, stream: bool
    ) -> Completion | None:
        """One chain of thought. On models that can probe mid-generation, ask for the answer every
        ``probe_every`` tokens (Dynasor's probe-in-the-middle) and stop thinking once the last
        ``probe_agreement`` probes agree. The probe continues the cached context, so the cost stays
        linear in the length of the thought."""
        a = self.agent
        thinker = a.thinker
        chunk = a.probe_every
        if not getattr(thinker, "supports_probes", False) or chunk <= 0 or budget < 2 * chunk:
            return await self.call(
                "think", "think", thinker, cot_messages, budget + a.answer_tokens,
                min_tokens=a.min_escalation_tokens, stream=stream, temperature=temperature, seed=seed,
            )
        probes: list[str] = []
        settled: list[str] = []

        def should_stop(line: str) -> bool:
            answer = extract_answer(line)
            probes.append(normalize_answer(answer) if answer else "")
            recent = probes[-a.probe_agreement :]
            if len(recent) == a.probe_agreement and recent[0] and len(set(recent)) == 1:
                settled.append(answer or "")
                return True
            return False

        probe = Probe(every=chunk, suffix=PROBE_SUFFIX, should_stop=should_stop)
        result = await self.call(
            "think", "think", thinker, cot_messages, budget + a.answer_tokens, min_tokens=a.min_escalation_tokens,
            stream=stream, temperature=temperature, seed=seed, probe=probe,
        )
        if result is None or not settled:
            return result
        self.emit(Thinking(step=self.step_no, text=f"[early exit: {a.probe_agreement} probes agree on {settled[0]!r}]"))
        return result.model_copy(update={"text": f"{result.text}\nAnswer: {settled[0]}"})

    # -- tools -------------------------------------------------------------------------------

    async def _run_tools(self, messages: list[Message], result: Completion, step: Step) -> bool:
        """Run the calls, append them and their results to ``messages``; True when any succeeded."""
        any_ok = False
        messages.append(Message(role="assistant", content=result.text, tool_calls=result.tool_calls))
        for call in result.tool_calls:
            self.emit(ToolCalled(step=self.step_no, call_id=call.id, name=call.name, arguments=call.arguments))
            key = (call.name, call.arguments)
            if key in self.tool_memo:
                ok, content, _ = self.tool_memo[key]
                outcome = (ok, f"{content} (you already called {call.name} with these arguments; give the final answer now)", 0.0)
            else:
                outcome = await self._call_tool(call)
                self.tool_memo[key] = outcome
                if outcome[0]:
                    self.tool_values.add(normalize_answer(outcome[1]))
            step.tool_calls.append({"name": call.name, "arguments": call.arguments, "ok": outcome[0], "result": outcome[1]})
            self.emit(
                ToolReturned(step=self.step_no, call_id=call.id, name=call.name, ok=outcome[0], content=outcome[1], seconds=outcome[2])
            )
            messages.append(Message(role="tool", content=outcome[1], tool_call_id=call.id, name=call.name))
            any_ok = any_ok or outcome[0]
        return any_ok

    async def _call_tool(self, call: ToolCall) -> tuple[bool, str, float]:
        a = self.agent
        if call.name == "invalid":
            return False, f"Your tool call was not valid JSON of the form {{\"tool\": NAME, \"arguments\": {{...}}}}: {call.arguments[:200]}", 0.0
        left = self.ledger.remaining()
        context = ToolContext(workspace=a.workspace, remaining=left)
        tool = a.toolset.get(call.name) if call.name in a.toolset else None
        limit = tool.timeout if tool is not None and tool.timeout is not None else a.tool_timeout
        if left.seconds is not None:
            limit = min(limit, left.seconds) if limit is not None else left.seconds
        started = time.perf_counter()
        try:
            res = await asyncio.wait_for(a.toolset.call(call.name, call.arguments, context), timeout=limit)
        except asyncio.TimeoutError:
            if left.seconds is not None and limit == left.seconds:
                raise BudgetStop(f"time ceiling reached while the tool {call.name} ran") from None
            return False, f"Tool '{call.name}' timed out after {limit:g} s.", time.perf_counter() - started
        return res.ok, res.content, res.seconds

    # -- verification and revision -------------------------------------------------------------------

    def _should_verify(self, step: Step) -> bool:
        mode = self.agent.verify
        if mode == "never" or mode is None:
            return False
        if mode == "always":
            return True
        if mode == "think":
            return step.route == "think"
        return step.difficulty >= float(mode)

    async def _verify_and_revise(self, messages: list[Message], answer: str, step: Step) -> str:
        a = self.agent
        for revision in range(a.max_revisions + 1):
            if not answer or not self._should_verify(step):
                return answer
            check = [Message(role="user", content=VERIFY_PROMPT.format(question=self.task, answer=answer))]
            verdict = await self.call("verify", "verify", a.verifier, check, 3, stream=False, temperature=0.0, top_logprobs=10)
            if verdict is None:
                return answer
            p = verifier_yes_probability(verdict)
            passed = p is None or p >= a.verify_threshold
            step.verified = p
            self.emit(Verified(step=self.step_no, probability=p, passed=passed, threshold=a.verify_threshold))
            if passed or revision == a.max_revisions:
                return answer
            revise = [
                *messages,
                Message(role="assistant", content=answer),
                Message(role="user", content=REVISE_PROMPT.format(answer=answer, p=p or 0.0)),
            ]
            revised = await self.call(
                "revise", "revise", a.thinker, revise, a.levels["low"] + a.answer_tokens, min_tokens=a.min_escalation_tokens, temperature=0.0
            )
            if revised is None or not revised.text:
                return answer
            answer = extract_answer(revised.text) or revised.text
            self.best = answer
            step.revisions = revision + 1
            self.emit(Revised(step=self.step_no, revision=revision + 1, text=answer))
        return answer

    # -- structured output ---------------------------------------------------------------------------------

    async def _structured(self, messages: list[Message], answer: str) -> tuple[Any, str, str]:
        """Turn the answer into ``output_type``, retrying on validation errors within the budget."""
        a = self.agent
        output_type = a.output_type
        assert output_type is not None
        schema = output_type.model_json_schema()
        convo = [
            *messages,
            Message(role="assistant", content=answer),
            Message(role="user", content="Now give that answer as JSON matching the required schema."),
        ]
        error = ""
        for _ in range(a.output_retries + 1):
            c = await self.call("structure", "revise", a.thinker, convo, a.answer_tokens * 2, json_schema=schema, temperature=0.0)
            if c is None:
                return answer, "budget", "budget too small to produce the structured output"
            try:
                return output_type.model_validate_json(c.text), "final", ""
            except ValidationError as exc:
                error = str(exc).splitlines()[0]
                convo = [*convo, Message(role="assistant", content=c.text), Message(role="user", content=f"Invalid: {exc}. Fix it.")]
        return answer, "error", f"could not produce a valid {output_type.__name__}: {error}"

