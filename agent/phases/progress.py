"""Progress phase: what the run does when it stops making progress (the rule is in ``policies.estimate.progress``).

Before each step the run's progress signals are read from its tool calls and budget
(:func:`~thinkdial.phases.agent_steps.run_progress`). The estimate raises the step's difficulty by the stall;
here the two limits act:

* :func:`stalled_action`: from ``ESCALATE_AT`` on, every remaining step of the task goes to the thinker
  (``RouteAction("escalate", "medium")``, the reason naming the signal that fired), unless the policy never
  escalates (``fast``);
* :func:`stop_stalled`: from ``STOP_AT`` on, the run ends before drafting again, with its best answer so far
  (or, when it has none, one answer from the fast model without tools, from the results it has). The run's
  ``stop_reason`` is ``"final"`` (it ended with an answer, by its own decision, not by a ceiling) and its
  ``message`` says which signal stopped it; the step records ``action="stop"`` and ``stalled_by``.
"""

from __future__ import annotations

from thinkdial.models.base import Message
from thinkdial.phases.context import BudgetStop, RunContext
from thinkdial.phases.think import decide
from thinkdial.policies.estimate.progress import Progress
from thinkdial.policies.routing import FastPolicy, RouteAction, RoutingPolicy
from thinkdial.prompts import STALLED_ANSWER_PROMPT
from thinkdial.result import Step

__all__ = ["budget_line", "stalled_action", "stop_stalled", "with_budget_note"]


def budget_line(ctx: RunContext) -> str:
    """What the ceiling leaves, in one line (empty when no ceiling is set)."""
    left = ctx.ledger.remaining()
    parts = []
    if left.tokens is not None:
        parts.append(f"{left.tokens} tokens")
    if left.steps is not None:
        parts.append(f"{left.steps} more step{'s' if left.steps != 1 else ''}")
    if left.cost_usd is not None:
        parts.append(f"${left.cost_usd:.4f}")
    if left.seconds is not None:
        parts.append(f"{left.seconds:.0f} s")
    return f"[Budget left: {', '.join(parts)}.]" if parts else ""


def with_budget_note(ctx: RunContext, messages: list[Message]) -> list[Message]:
    """``messages`` as this step's calls see them: with ``Agent(budget_note=True)`` and a ceiling set, the last
    message ends with :func:`budget_line` (a copy: the run's messages do not keep it)."""
    line = budget_line(ctx) if ctx.settings.budget_note and messages else ""
    if not line:
        return messages
    last = messages[-1]
    return [*messages[:-1], last.model_copy(update={"content": f"{last.content}\n\n{line}"})]


def stalled_action(ctx: RunContext, policy: RoutingPolicy, prog: Progress | None) -> RouteAction | None:
    """Escalation for the rest of the task once the stall reached ``ESCALATE_AT`` (None: the policy decides)."""
    if isinstance(policy, FastPolicy) or getattr(policy, "name", "") == "fast":
        return None
    if prog is not None and prog.escalate and not ctx.state.stalled:
        ctx.state.stalled = prog.describe()
        ctx.state.step.stalled_by = prog.fired
    if not ctx.state.stalled:
        return None
    if ctx.state.step.stalled_by is None and prog is not None:
        ctx.state.step.stalled_by = prog.fired
    return RouteAction("escalate", "medium", reason=f"{ctx.state.stalled}; escalating every remaining step of the task")


async def stop_stalled(ctx: RunContext, messages: list[Message], step: Step, prog: Progress) -> str:
    """End the run with its best answer: the best so far, else one tool-free answer from the fast model."""
    s = ctx.settings
    step.stalled_by = prog.fired
    reason = f"{prog.describe()}; stopping with the best answer so far"
    answer = ctx.state.best
    if not answer.strip():
        nudge = [*messages, Message(role="user", content=STALLED_ANSWER_PROMPT)]
        reply = await ctx.call("draft", "draft", s.fast, nudge, s.estimate.draft_tokens, tools=[], temperature=0.0, seed=s.seed)
        if reply is None:
            raise BudgetStop("budget too small for an answer after the run stopped making progress")
        answer = reply.text
        step.draft = reply.text
        reason = f"{prog.describe()}; stopping with an answer from the results so far"
    decide(ctx, step, "stop", "fast", None, reason)
    ctx.state.stalled = reason
    step.output = answer
    return answer
