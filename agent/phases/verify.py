"""Verify phase: an exact claim check, else the verifier model, checks an answer; when it fails the thinker revises it.

A claim the answer states that a check reads with certainty and finds false ("23 * 14 = 312") fails the answer
without asking the verifier, and the revision is told which claim was false. The revision is returned whole.
"""

from __future__ import annotations

from thinkdial.models.base import Message
from thinkdial.phases.context import RunContext
from thinkdial.policies.checks import run_checks
from thinkdial.policies.estimate.signals import verifier_yes_probability
from thinkdial.policies.voting import split_cot
from thinkdial.prompts import REVISE_FALSE_CLAIM_PROMPT, REVISE_PROMPT, VERIFY_PROMPT
from thinkdial.result import Step
from thinkdial.trace import Revised, Verified


def should_verify(ctx: RunContext, step: Step) -> bool:
    """Whether this step's answer is checked under the agent's verify mode."""
    mode = ctx.settings.verify.mode
    if mode == "never":
        return False
    if mode == "always":
        return True
    if mode == "think":
        return step.route == "think"
    return step.difficulty >= float(mode)


async def verify_and_revise(ctx: RunContext, messages: list[Message], answer: str, step: Step, *, long_form: bool = False) -> str:
    """The answer after up to ``max_revisions`` check-and-revise rounds (unchanged when it passes or nothing is affordable)."""
    s = ctx.settings
    v = s.verify
    for revision in range(v.max_revisions + 1):
        if not answer or not should_verify(ctx, step):
            return answer
        false_claim = None if long_form else run_checks(s.checks, answer, ctx.task).certain_false
        if false_claim is not None:
            p: float | None = 0.0  # an exact check needs no verifier model
        else:
            check = [Message(role="user", content=VERIFY_PROMPT.format(question=ctx.task, answer=answer))]
            verdict = await ctx.call("verify", "verify", s.verifier, check, 3, stream=False, temperature=0.0, top_logprobs=10)
            if verdict is None:
                return answer
            p = verifier_yes_probability(verdict)
        passed = false_claim is None and (p is None or p >= v.threshold)
        step.verified, step.verify_passed = p, passed
        ctx.emit(Verified(step=ctx.state.step_no, probability=p, passed=passed, threshold=v.threshold, false_claim=false_claim))
        if passed or revision == v.max_revisions:
            return answer
        feedback = (
            REVISE_FALSE_CLAIM_PROMPT.format(answer=answer, claim=false_claim)
            if false_claim is not None
            else REVISE_PROMPT.format(answer=answer, p=p or 0.0)
        )
        revise = [*messages, Message(role="assistant", content=answer), Message(role="user", content=feedback)]
        cap = s.thinking.long_answer_tokens if long_form else s.thinking.levels["low"] + s.thinking.answer_tokens
        revised = await ctx.call("revise", "revise", s.thinker, revise, cap, min_tokens=s.thinking.min_tokens, temperature=0.0)
        if revised is None or not revised.text or (long_form and revised.finish_reason != "stop"):
            return answer
        answer = revised.text.strip() if long_form else split_cot(revised.text)[0]
        ctx.state.best = answer
        step.revisions = revision + 1
        ctx.emit(Revised(step=ctx.state.step_no, revision=revision + 1, text=answer))
    return answer
