"""Estimate phase: how unsure the fast model is about its draft.

A tool-call draft is scored by what its call offers (``phases.agent_steps.assess_calls``); a direct answer
is grounded only in the result of a call that bears on the question, and one about a file or the workspace that
no tool has looked at gets at least ``UNSEEN_FLOOR``. Every step's difficulty is then raised by the run's stall
(``policies.estimate.progress``): repeated calls, failing tools, results that add nothing, budget used.
"""

from __future__ import annotations

from thinkdial.models.base import Completion, Message
from thinkdial.phases.agent_steps import answer_grounding, assess_calls
from thinkdial.phases.context import RunContext
from thinkdial.policies.estimate.difficulty import Estimate
from thinkdial.policies.estimate.long_form import long_form_estimate
from thinkdial.policies.estimate.progress import Progress, raise_difficulty
from thinkdial.policies.reading.question import Question
from thinkdial.trace import SignalsComputed


async def estimate(
    ctx: RunContext, messages: list[Message], draft: Completion, *, long_form: bool = False, force_samples: bool = False
) -> Estimate:
    """The draft's difficulty: token signals first, then k samples when they are ambiguous.

    Open-ended drafts (``long_form``) are scored from the uncertainty of their content instead of
    from an extracted answer they do not have.
    """
    s = ctx.settings
    step = ctx.state.step
    est = s.estimator.from_draft(draft, draft.finish_reason, prompt=ctx.task, checks=s.checks)
    grounding = None if draft.tool_calls or long_form else answer_grounding(ctx, est.answer, bool(est.signals.get("claim_false")))
    if draft.tool_calls:
        call = assess_calls(ctx, messages, draft)
        est = Estimate(call.difficulty, call.signals, call.used, "tool_call", None)
        step.faults = call.reasons
    elif long_form:
        est = long_form_estimate(draft)
    elif grounding is not None and grounding.grounded:
        # The draft restates what a call bearing on the question returned: grounded, not guessed.
        signals = {**est.signals, **grounding.signals}
        est = Estimate(min(est.difficulty, 0.05), signals, [*est.used, "tool_grounded"], "grounded", est.answer)
    elif grounding is not None and grounding.floor > est.difficulty:
        # Only a tool can see what the draft answers about, and none has looked (or a result points further).
        signals = {**est.signals, **grounding.signals}
        est = Estimate(grounding.floor, signals, [*est.used, *grounding.signals], "needs_tool", est.answer)
        step.faults = grounding.reasons
    elif s.estimate.mode == "staged" and (force_samples or s.estimator.needs_samples(est)):
        texts: list[str] = []
        tokens = 0
        for i in range(s.estimator.samples):
            sample = await ctx.call(
                "estimate", "sample", s.fast, messages, s.estimate.draft_tokens, stream=False,
                temperature=s.estimator.sample_temperature, seed=(s.seed or 0) + 1 + i, logprobs=False,
            )
            if sample is None:
                break
            texts.append(sample.text)
            tokens += sample.usage.total_tokens
        if texts:
            est = s.estimator.with_samples(est, texts)
        step.estimate_tokens = tokens
    if grounding is not None and not step.faults:
        est.signals.update({k: v for k, v in grounding.signals.items() if k not in est.signals})
        step.faults = grounding.reasons if not grounding.grounded else []
    est.signals["computable"] = 1.0 if s.tool_specs and Question.parse(ctx.task).computable else 0.0
    est = _with_progress(est, ctx.state.progress)
    ctx.emit(
        SignalsComputed(
            step=ctx.state.step_no, difficulty=est.difficulty, signals=est.signals, used=est.used, stage=est.stage,
            estimate_tokens=step.estimate_tokens,
        )
    )
    return est


def _with_progress(est: Estimate, prog: Progress | None) -> Estimate:
    """``est`` with the run's progress signals (``progress_*``) and its difficulty raised by the stall."""
    if prog is None or not any(prog.signals[k] for k in prog.signals):
        return est
    signals = {**est.signals, **{f"progress_{k}": v for k, v in prog.signals.items()}, "stall": prog.stall}
    return Estimate(raise_difficulty(est.difficulty, prog.stall), signals, [*est.used, "stall"], est.stage, est.answer,
                    est.candidates, est.model)
