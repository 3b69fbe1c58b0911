"""The adaptive loop: one task, step by step, each phase in its own module (``thinkdial.phases``).

A step: the fast model drafts; the estimate phase scores the draft; the policy
keeps it or escalates to the think phase; tool calls run; the verify phase may
revise. Every model call goes through :meth:`RunContext.call`, which asks the
ledger first, so no path can spend past the ceiling.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel

from thinkdial.budget import Ledger
from thinkdial.errors import BudgetExceededError, ThinkdialError
from thinkdial.models.base import Completion, Message, Usage
from thinkdial.phases.agent_steps import must_look_first, run_progress
from thinkdial.phases.choose import think_features, thinker_failure
from thinkdial.phases.context import BudgetStop, Emit, RunContext, ToolHandOver
from thinkdial.phases.estimate import estimate
from thinkdial.phases.progress import stalled_action, stop_stalled, with_budget_note
from thinkdial.phases.strategies.chain import vote_chains
from thinkdial.phases.structured import structured
from thinkdial.phases.think import decide, think
from thinkdial.phases.tools import hand_over, run_tools
from thinkdial.phases.verify import verify_and_revise
from thinkdial.policies.estimate.difficulty import Estimate
from thinkdial.policies.estimate.long_form import trim_loop
from thinkdial.policies.reading.answer_shape import request_shape, step_shape
from thinkdial.policies.reading.answers import normalize_answer
from thinkdial.policies.routing import RouteAction, RouteContext, RoutingPolicy
from thinkdial.result import RunResult, Step
from thinkdial.settings import RunSettings
from thinkdial.trace import Draft, Final, RunStarted, StepFinished, StepStarted


class RunController:
    """Runs one task under ``settings`` within ``ledger``'s ceilings."""

    def __init__(
        self, settings: RunSettings, task: str, ledger: Ledger, policy: RoutingPolicy, emit: Emit, history: list[Message],
        tail: list[Message] | None = None,
    ) -> None:
        self.ctx = RunContext(settings=settings, task=task, ledger=ledger, emit=emit)
        self.policy = policy
        self.history = history
        self.tail = tail or []
        """Messages after the task (a caller's tool calls and their results) that the run goes on from."""
        # Results of tools the caller ran ground a draft that restates them, as the agent's own do.
        self.ctx.state.tool_values.update(normalize_answer(m.content) for m in self.tail if m.role == "tool" and m.content)
        asked = {c.id: c for m in self.tail if m.role == "assistant" for c in m.tool_calls}
        for m in self.tail:
            if m.role == "tool":
                call = asked.get(m.tool_call_id or "")
                self.ctx.state.prior_calls.append({"name": call.name if call else (m.name or ""),
                                                   "arguments": call.arguments if call else "{}", "ok": True,
                                                   "result": m.content})

    async def run(self) -> RunResult:
        ctx, s = self.ctx, self.ctx.settings
        ctx.emit(
            RunStarted(task=ctx.task, policy=self.policy.name, fast=s.fast.name, thinker=s.thinker.name,
                       budget=ctx.ledger.budget.model_dump(exclude_none=True))
        )
        messages = self._initial_messages()
        stop_reason, message, output = "final", "", ""
        output_value: Any = ""
        try:
            try:
                while True:
                    limit = ctx.ledger.budget.max_steps
                    if limit is not None and ctx.ledger.steps >= limit:
                        stop_reason, message = "max_steps", f"stopped after {limit} steps"
                        break
                    final = await self._step(messages)
                    if final is not None:
                        output = final
                        break
                if ctx.state.stalled and ctx.state.steps and ctx.state.steps[-1].action == "stop":
                    message = ctx.state.stalled
            except BudgetStop as stop:
                stop_reason, message = "budget", str(stop)
            except ToolHandOver as handed:
                stop_reason, message = "tool_calls", str(handed)
            except ThinkdialError as err:
                stop_reason, message = "error", str(err)
            if stop_reason not in ("final", "tool_calls"):
                output = ctx.state.best
                if stop_reason == "budget" and ctx.ledger.budget.strict:
                    ctx.emit(Final(output=output, stop_reason="budget", usage=self._usage(), message=message))
                    raise BudgetExceededError(message, "Raise the ceiling or pass strict=False to get the best answer so far.")
            elif stop_reason == "final" and not output.strip():
                stop_reason, message = "error", "the model returned an empty answer"
            output_value = output
            if s.output_type is not None and stop_reason == "final":
                try:
                    output_value, stop_reason, message = await structured(ctx, messages, output)
                except BudgetStop as stop:
                    stop_reason, message = "budget", f"{stop} (while producing the structured output)"
                    if ctx.ledger.budget.strict:
                        ctx.emit(Final(output=output, stop_reason="budget", usage=self._usage(), message=message))
                        raise BudgetExceededError(message, "Raise the ceiling or pass strict=False to get the best answer so far.") from None
                except ThinkdialError as err:  # a model failure while structuring ends the run like any other
                    stop_reason, message = "error", f"{err} (while producing the structured output)"
        except asyncio.CancelledError:
            ctx.emit(Final(output=ctx.state.best, stop_reason="cancelled", usage=self._usage(), message="the run was cancelled",
                           step=ctx.state.step_no))
            raise
        if output:
            messages.append(Message(role="assistant", content=output))
        ctx.emit(
            Final(
                output=output_value.model_dump_json() if isinstance(output_value, BaseModel) else str(output_value),
                stop_reason=stop_reason,  # type: ignore[arg-type]
                usage=self._usage(),
                message=message,
                step=ctx.state.step_no,
            )
        )
        return RunResult(
            output=output_value, stop_reason=stop_reason, usage=self._usage(), steps=ctx.state.steps,  # type: ignore[arg-type]
            message=message, messages=messages[1:] if s.system_prompt else messages,
        )

    def _usage(self) -> Usage:
        """What the run spent, with ``seconds`` as its wall-clock time."""
        ledger = self.ctx.ledger
        return ledger.spent.model_copy(update={"seconds": ledger.elapsed()})

    def _initial_messages(self) -> list[Message]:
        s = self.ctx.settings
        msgs = [Message(role="system", content=s.system_prompt)] if s.system_prompt else []
        return [*msgs, *self.history, Message(role="user", content=self.ctx.task), *self.tail]

    async def _step(self, messages: list[Message]) -> str | None:
        """One step. Returns the final answer, or None when tool calls need another step."""
        ctx, s, state = self.ctx, self.ctx.settings, self.ctx.state
        ctx.ledger.steps += 1
        state.step_no = ctx.ledger.steps
        step = Step(index=state.step_no)
        state.steps.append(step)
        spent_before = ctx.ledger.spent
        ctx.emit(StepStarted(step=state.step_no))
        prog = run_progress(ctx)
        if prog.stop:
            # The run stopped making progress (policies.estimate.progress): end it with its best answer.
            answer = await stop_stalled(ctx, messages, step, prog)
            self._finish_step(step, spent_before)
            return answer

        # A question about files no tool has looked at yet is a short step first: its next action is a tool call.
        look_first = must_look_first(ctx)
        wants_long = request_shape(ctx.task) == "long" and messages[-1].role != "tool" and not look_first
        draft_cap = s.estimate.long_draft_tokens if wants_long else s.estimate.draft_tokens
        fast_tools = s.tool_specs if s.fast.capabilities.tools else []
        seen = with_budget_note(ctx, messages)  # the run's messages, or a copy ending with what the ceiling leaves
        draft = await ctx.call("draft", "draft", s.fast, seen, draft_cap, tools=fast_tools, temperature=0.0, seed=s.seed)
        if draft is None:
            raise BudgetStop("budget too small for the fast draft")
        step.draft = draft.text
        step.shape = "long" if wants_long or (step_shape(ctx.task, draft.text) == "long" and not look_first) else "short"
        long_form = step.shape == "long" and not draft.tool_calls
        if draft.text:
            state.best = draft.text
        ctx.emit(Draft(step=state.step_no, text=draft.text, finish_reason=draft.finish_reason))

        est = await estimate(ctx, messages, draft, long_form=long_form)
        step.difficulty, step.signals, step.signals_used, step.estimate_stage = est.difficulty, est.signals, est.used, est.stage
        if est.stage == "grounded":
            action = RouteAction("keep", reason="the draft restates a tool result")
        else:
            action = self.policy.decide(
                RouteContext(est.difficulty, est.signals, ctx.ledger.remaining(), est.stage,
                             thinker_right=self._thinker_right_before(est))
            )
        if action.action == "sample_more" and est.stage not in ("samples", "long_form"):
            est = await estimate(ctx, messages, draft, force_samples=True)
            step.difficulty, step.signals, step.signals_used = est.difficulty, est.signals, est.used
            action = self.policy.decide(
                RouteContext(est.difficulty, est.signals, ctx.ledger.remaining(), est.stage, s.estimator.samples,
                             thinker_right=self._thinker_right_before(est))
            )
        if action.action == "sample_more":
            action = RouteAction("keep", reason="the policy asked for more samples again; keeping the draft")
        forced = stalled_action(ctx, self.policy, prog) if est.stage != "grounded" else None
        if forced is not None:
            action = forced if action.action != "escalate" else RouteAction("escalate", action.level, f"{action.reason}; {forced.reason}")
        if step.faults and action.action != "stop":
            action = RouteAction(action.action, action.level, reason=f"{action.reason} ({'; '.join(step.faults)})")

        result: Completion = draft
        if action.action == "escalate":
            thought = await think(ctx, seen, action, step, long_form=long_form)
            result = self._better_of(step, draft, thought, long_form)
        elif action.action == "stop":
            decide(ctx, step, "stop", "fast", None, action.reason)
            step.output = draft.text
            self._finish_step(step, spent_before)
            return draft.text
        else:
            decide(ctx, step, "keep", "fast", None, action.reason)

        if result.tool_calls:
            if s.external_tools:
                try:
                    hand_over(ctx, messages, result, step)
                except ToolHandOver:
                    self._finish_step(step, spent_before)
                    raise
            mark = len(messages)
            any_ok = await run_tools(ctx, messages, result, step)
            grammar_tools = step.route == "think" and not s.thinker.capabilities.tools
            if any_ok or not grammar_tools:
                self._finish_step(step, spent_before)
                return None
            # A grammar-forced tool call that failed (a local model reaching for a tool that does not fit the
            # question): drop it and let the thinker answer with prompted reasoning instead.
            del messages[mark:]
            level = step.level or "medium"
            thought = await vote_chains(ctx, messages, level, s.thinking.levels[level], k=3)
            if thought is None:
                raise BudgetStop("budget too small to think after a failed tool call")
            result = thought

        answer = trim_loop(result.text) if long_form else result.text
        if answer:
            state.best = answer
        answer = await verify_and_revise(ctx, messages, answer, step, long_form=long_form)
        step.output = answer
        self._finish_step(step, spent_before)
        return answer

    def _better_of(self, step: Step, draft: Completion, thought: Completion | None, long_form: bool) -> Completion:
        """The thinker's completion, unless it failed in a way that needs no reading of its meaning, or the
        pair's calibration says the draft is more likely right. The trace and ``step.kept_draft_by`` say which
        rule kept a draft."""
        if thought is None:
            return draft
        rule, why = thinker_failure(draft, thought, long_form, self.ctx.settings.checks, self.ctx.task)
        if not rule and not long_form:
            rule, why = self._calibrated_choice(step, draft, thought)
        if not rule:
            return thought
        step.kept_draft_by = rule
        decide(self.ctx, step, "keep", "fast", step.level, f"{step.decision_reason}; kept the draft: {why}", step.thinking_budget)
        return draft

    def _thinker_right_before(self, est: Estimate) -> float | None:
        """The pair's P(thinker right) before thinking; None without a calibration (the thinker is trusted) and on
        steps it was not fitted for (open-ended answers, tool calls)."""
        gain = self.ctx.settings.gain
        if gain is None or est.stage.startswith("long") or est.stage == "tool_call":
            return None
        p = gain.thinker_right_before(est.difficulty, est.signals)
        self.ctx.state.step.thinker_right = p
        return p

    def _calibrated_choice(self, step: Step, draft: Completion, thought: Completion) -> tuple[str, str]:
        """("calibrated", why) when the pair's calibration rates the draft more likely right than the thinker's
        answer; ("", "") otherwise, and always without a calibration for the pair (the thinker is trusted)."""
        s = self.ctx.settings
        if thought.tool_calls or draft.tool_calls or not draft.text.strip():
            return "", ""
        features = think_features(step, draft, thought, bool(self.ctx.state.tool_values))
        step.think_signals.update(features)
        p_thinker = s.gain.thinker_right_after(step.difficulty, step.signals, features) if s.gain is not None else None
        step.thinker_right = p_thinker
        if p_thinker is None:
            return "", ""
        p_draft = 1.0 - step.difficulty
        if p_draft > p_thinker:
            return "calibrated", (
                f"the pair's calibration rates the draft more likely right ({p_draft:.2f}) than the thinker's answer "
                f"({p_thinker:.2f})"
            )
        return "", ""

    def _finish_step(self, step: Step, spent_before: Usage) -> None:
        spent = self.ctx.ledger.spent
        step.usage = Usage(
            input_tokens=spent.input_tokens - spent_before.input_tokens,
            output_tokens=spent.output_tokens - spent_before.output_tokens,
            thinking_tokens=spent.thinking_tokens - spent_before.thinking_tokens,
            cost_usd=spent.cost_usd - spent_before.cost_usd,
            seconds=spent.seconds - spent_before.seconds,
        )
        step.finished = True
        self.ctx.emit(StepFinished(step=step.index, route=step.route, difficulty=step.difficulty, text=step.output))
