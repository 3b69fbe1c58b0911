"""After thinking: which answer a step keeps, the fast draft or the thinker's.

The thinker's answer wins unless it failed in a way that needs no reading of
its meaning (:func:`thinker_failure`: empty, cut short by its budget, looping,
or stating an arithmetic identity that is false when evaluated exactly), or the
pair's calibration rates the draft more likely right (the controller, from
:func:`think_features`). No reading of form, options, yes/no wording or an
"answer span" can keep a draft over it.
"""

from __future__ import annotations

from collections.abc import Sequence

from thinkdial.models.base import Completion
from thinkdial.policies.checks import Check, run_checks
from thinkdial.policies.estimate.long_form import REPETITION_CENTRE, answer_quality, repetition
from thinkdial.policies.estimate.signals import mean_confidence
from thinkdial.policies.reading.answers import answers_equivalent, extract_answer
from thinkdial.result import Step

__all__ = ["think_features", "thinker_failure"]


def thinker_failure(
    draft: Completion, thought: Completion, long_form: bool, checks: Sequence[Check], task: str
) -> tuple[str, str]:
    """(rule, why) when the thinker's answer failed without any reading of its meaning and the draft did not fail
    the same way; ("", "") when it stands."""
    if not thought.text.strip() and not thought.tool_calls:
        return "empty", "the thinker returned no answer"
    if thought.tool_calls or draft.tool_calls or not draft.text.strip():
        return "", ""
    if long_form:
        if answer_quality(thought)[0] < answer_quality(draft)[0]:
            if thought.finish_reason != "stop":
                return "cut_short", "the thinker's answer was cut short by its budget"
            return "looping", "the thinker's answer was looping"
        return "", ""
    if thought.finish_reason == "length" and draft.finish_reason == "stop":
        return "cut_short", "the thinker's answer was cut short by its budget"
    if repetition(thought.text) >= REPETITION_CENTRE > repetition(draft.text):
        return "looping", "the thinker's answer was looping"
    false_in_thought = run_checks(checks, thought.text, task).certain_false
    if false_in_thought is not None and run_checks(checks, draft.text, task).certain_false is None:
        return "false_arithmetic", f"the thinker's answer says that {false_in_thought}, which is false when evaluated exactly"
    return "", ""


def think_features(step: Step, draft: Completion, thought: Completion, tool_results: bool) -> dict[str, float]:
    """What the think route measured of its own answer, for the pair's calibration (all in [0, 1]).

    ``vote_share`` and ``chains`` come from the strategy (one chain: share 1); ``thinker_confidence`` is the mean
    token probability of its answer (0.5 when the backend gives none); ``thinker_finished`` whether it stopped by
    itself; ``agrees_with_draft`` whether its answer says what the draft says; ``tool_grounded`` whether tool
    results were in the conversation.
    """
    own = step.think_signals
    confidence = mean_confidence(thought)
    return {
        "vote_share": float(own.get("vote_share", 1.0)),
        "chains": float(own.get("chains", 1.0)),
        "thinker_confidence": 0.5 if confidence is None else float(confidence),
        "thinker_finished": 1.0 if thought.finish_reason == "stop" else 0.0,
        "agrees_with_draft": 1.0 if answers_equivalent(extract_answer(thought.text), extract_answer(draft.text)) else 0.0,
        "tool_grounded": 1.0 if tool_results else 0.0,
    }
