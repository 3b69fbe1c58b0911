"""The difficulty of a step whose draft is a tool call: how likely the action it chose is the wrong one.

An answer is scored by how unsure the model is of it; an action by what it offers:

* ``unknown_tool``: the call names a tool that does not exist (or is not a call at all);
* ``schema_invalid``: its arguments fail the tool's own schema (the tool's validation says why);
* ``ungrounded_args``: the share of its argument values that nobody put in the conversation: a path no
  message or listing mentions, numbers that appear nowhere, words of a query that come from nowhere
  (:func:`ungrounded_values`);
* ``call_confidence``: the mean probability of the tokens that spell the tool name and the argument values,
  where the backend gives logprobs (grammar-forced local calls do: structural JSON tokens are left out, as a
  grammar forces them);
* ``previous_tool_error``: the previous step's tool call failed;
* ``repeated_call``: the very call was made before in this run (its result is already known).

Each signal maps to a component in [0, 1] and the difficulty is their noisy-or, ``1 - prod(1 - c)``: one
certain fault (an unknown tool, 0.95) is enough to escalate, and weak ones add up.
This module is pure: the phase that calls it supplies what the tools said.
"""

from __future__ import annotations

import json
import math
import re
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from thinkdial.policies.estimate.signals import CompletionLike, TokenLike

__all__ = [
    "COMPONENTS",
    "CallFacts",
    "ToolStepEstimate",
    "argument_values",
    "call_confidence",
    "tool_step_estimate",
    "ungrounded_values",
]

COMPONENTS: dict[str, float] = {
    "unknown_tool": 0.95,
    "schema_invalid": 0.85,
    "ungrounded_args": 0.7,
    "repeated_call": 0.6,
    "previous_tool_error": 0.35,
}
"""The component a signal at its full value adds (``ungrounded_args`` scales with the share ungrounded)."""

CONFIDENT = 0.9
"""Mean call-token probability at or above which the call's tokens add nothing; below it the component grows
linearly, to 0.8 at probability 0.2."""

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]+")
_PATHLIKE = re.compile(r"[/\\]|\.[A-Za-z][A-Za-z0-9]{0,5}$")
_TRIVIAL = {".", "./", "", "/"}


@dataclass(frozen=True)
class CallFacts:
    """What is known of one call before it runs."""

    name: str
    arguments: str
    """The raw JSON text of the arguments."""
    known: bool
    """Whether a tool of that name exists."""
    invalid: str | None = None
    """Why the tool's schema refuses the arguments, or None when they validate."""


@dataclass(frozen=True)
class ToolStepEstimate:
    """The difficulty of a tool-call step and the signals behind it."""

    difficulty: float
    signals: dict[str, float]
    used: list[str]
    reasons: list[str]
    """The faults found, in words (empty for a clean call)."""


def argument_values(arguments: str) -> Iterator[tuple[str, Any]]:
    """Every leaf value of the arguments as (key, value); nothing for text that is not a JSON object."""
    try:
        data = json.loads(arguments) if arguments.strip() else {}
    except (ValueError, AttributeError, RecursionError):  # malformed, a 5,000-digit integer, or nested too deep
        return
    if not isinstance(data, dict):
        return
    stack: deque[tuple[str, Any]] = deque(data.items())
    while stack:
        key, value = stack.popleft()
        if isinstance(value, dict):
            stack.extend((f"{key}.{k}", v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((key, v) for v in value)
        else:
            yield key, value


def _number_text(value: float) -> str:
    try:
        return str(int(value)) if float(value).is_integer() else str(value)
    except (OverflowError, ValueError):  # beyond a float, or NaN
        return str(value)


def ungrounded_values(arguments: str, context: str, defaults: Mapping[str, Any] | None = None) -> tuple[int, list[str]]:
    """(how many argument values were judged, those of them that nothing in ``context`` supports).

    A number is grounded when it appears in the context; a path-like string (a ``/`` or a file extension) when
    it, or its last part, does; a string holding numbers (an expression) when at least half of its numbers do
    (``0.15 * 80`` for "15% of 80"); any other string when at least half of its words do. Booleans, null, the root path ``"."`` and values equal to
    the argument's default are not judged.
    """
    lowered = context.lower()
    numbers = set(_NUMBER.findall(context))
    words = set(_WORD.findall(lowered))
    judged, bad = 0, []
    for key, value in argument_values(arguments):
        if defaults is not None and key in defaults and defaults[key] == value:
            continue
        if value is None or isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            judged += 1
            if _number_text(value) not in numbers:
                bad.append(f"{key}={value!r}")
            continue
        text = str(value).strip()
        if text in _TRIVIAL:
            continue
        judged += 1
        if _PATHLIKE.search(text):
            last = re.split(r"[/\\]", text)[-1].lower()
            ok = text.lower() in lowered or (bool(last) and last in lowered)
        elif _NUMBER.search(text):
            found = _NUMBER.findall(text)
            ok = sum(1 for n in found if n in numbers) * 2 >= len(found)
        else:
            ws = _WORD.findall(text.lower())
            ok = not ws or sum(1 for w in ws if w in words) * 2 >= len(ws)
        if not ok:
            bad.append(f"{key}={text!r}")
    return judged, bad


def _call_spans(raw: str, calls: Sequence[CallFacts]) -> list[tuple[int, int]]:
    """Character spans of ``raw`` (the call as the model wrote it) that spell tool names and argument values."""
    spans: list[tuple[int, int]] = []
    for call in calls:
        pieces = [json.dumps(call.name)] + [json.dumps(v) for _, v in argument_values(call.arguments)]
        start = 0
        for piece in pieces:
            at = raw.find(piece, start)
            if at < 0:
                at = raw.find(piece)
            if at >= 0:
                spans.append((at, at + len(piece)))
                start = at + len(piece)
    return spans


def call_confidence(completion: CompletionLike, calls: Sequence[CallFacts]) -> float | None:
    """Mean probability of the tokens that spell the calls' tool names and argument values (None without
    logprobs). When the tokens do not spell the calls (a native tool call reported beside text), every token
    counts."""
    tokens: Sequence[TokenLike] | None = completion.tokens
    if not tokens:
        return None
    raw = "".join(t.token for t in tokens)
    spans = _call_spans(raw, calls)
    chosen: list[TokenLike] = []
    if spans:
        pos = 0
        for tok in tokens:
            end = pos + len(tok.token)
            if any(pos < b and end > a for a, b in spans):
                chosen.append(tok)
            pos = end
    probs = [math.exp(t.logprob) for t in (chosen or list(tokens)) if math.isfinite(t.logprob)]
    return sum(probs) / len(probs) if probs else None


def tool_step_estimate(
    calls: Sequence[CallFacts],
    *,
    context: str,
    confidence: float | None = None,
    previous_error: bool = False,
    repeated: bool = False,
    defaults: Mapping[str, Mapping[str, Any]] | None = None,
) -> ToolStepEstimate:
    """The difficulty of a step that drafted ``calls``.

    Args:
        calls: The calls the draft asked for.
        context: The conversation the calls may draw on (the task, earlier messages and tool results).
        confidence: :func:`call_confidence` of the draft, None without logprobs.
        previous_error: Whether the previous step's tool call failed.
        repeated: Whether one of the calls repeats an earlier call of the run exactly.
        defaults: Per tool, its arguments' default values (a default is not judged for grounding).
    """
    signals: dict[str, float] = {"tool_call": 1.0}
    reasons: list[str] = []
    unknown = [c.name for c in calls if not c.known]
    invalid = [c.name for c in calls if c.known and c.invalid]
    judged, bad = 0, []
    for c in calls:
        if c.known and not c.invalid:
            n, b = ungrounded_values(c.arguments, context, (defaults or {}).get(c.name))
            judged += n
            bad += b
    signals["unknown_tool"] = 1.0 if unknown else 0.0
    signals["schema_invalid"] = 1.0 if invalid else 0.0
    signals["ungrounded_args"] = len(bad) / judged if judged else 0.0
    signals["previous_tool_error"] = 1.0 if previous_error else 0.0
    signals["repeated_call"] = 1.0 if repeated else 0.0
    if unknown:
        reasons.append(f"no tool named {', '.join(unknown)}")
    if invalid:
        reasons.append(f"arguments of {', '.join(invalid)} fail the schema")
    if bad:
        reasons.append(f"arguments nobody mentioned: {', '.join(bad)}")
    if repeated:
        reasons.append("the same call was made before")
    if previous_error:
        reasons.append("the previous tool call failed")
    components = [COMPONENTS[name] * signals[name] for name in COMPONENTS]
    used = list(COMPONENTS)
    if confidence is not None:
        signals["call_confidence"] = confidence
        used.append("call_confidence")
        low = max(0.0, min(1.0, (CONFIDENT - confidence) / (CONFIDENT - 0.2))) * 0.8
        components.append(low)
        if low >= 0.4:
            reasons.append(f"the call's tokens are unsure (mean probability {confidence:.2f})")
    keep = 1.0
    for part in components:
        keep *= 1.0 - part
    return ToolStepEstimate(1.0 - keep, signals, used, reasons)
