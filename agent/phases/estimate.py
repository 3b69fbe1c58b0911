"""Estimate phase: how unsure the fast model is about its draft."""

from __future__ import annotations

from thinkdial.models.base import Completion, Message
from thinkdial.phases.context import RunContext
from thinkdial.policies.estimate.difficulty import Estimate
from thinkdial.policies.estimate.long_form import long_form_estimate
from thinkdial.policies.reading.answers import normalize_answer
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
    if draft.tool_calls:
        est = Estimate(0.0, {"tool_call": 1.0}, ["tool_call"], "tool_call", None)
    elif long_form:
        est = long_form_estimate(draft)
    elif est.answer is not None and normalize_answer(est.answer) in ctx.state.tool_values:
        # The draft restates what a tool computed: grounded, not guessed.
        signals = {**est.signals, "tool_grounded": 1.0}
        est = Estimate(min(est.difficulty, 0.05), signals, [*est.used, "tool_grounded"], "grounded", est.answer)
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
    est.signals["computable"] = 1.0 if s.tool_specs and Question.parse(ctx.task).computable else 0.0
    ctx.emit(
        SignalsComputed(
            step=ctx.state.step_no, difficulty=est.difficulty, signals=est.signals, used=est.used, stage=est.stage,
            estimate_tokens=step.estimate_tokens,
        )
    )
    return est
