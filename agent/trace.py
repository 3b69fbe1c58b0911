"""Trace events: everything a run does, as pydantic models.

``Agent.stream`` yields them live; ``TraceWriter`` writes them as JSON Lines;
``read_trace`` loads them back (``thinkdial trace FILE`` prints them).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from thinkdial.models.base import Usage
from thinkdial.result import StopReason

SCHEMA_VERSION = 1
"""Version of the JSON shapes thinkdial writes: the trace file's header line and ``thinkdial run --json``.

Readers skip event types they do not know, so adding an event type or a field does not
bump it; renaming or removing one does.
"""


class _Event(BaseModel):
    # A signal can be -inf (the log-probability of a token the model gave probability 0): JSON has no such number,
    # and written as null it would not read back as a float. "Infinity" / "NaN" strings round-trip.
    model_config = ConfigDict(ser_json_inf_nan="strings")

    at: float = Field(default_factory=time.time)
    step: int = 0


class RunStarted(_Event):
    type: Literal["run_started"] = "run_started"
    task: str
    policy: str
    fast: str
    thinker: str
    budget: dict[str, Any] = Field(default_factory=dict)


class StepStarted(_Event):
    type: Literal["step_started"] = "step_started"


class TextDelta(_Event):
    """A streamed piece of text. ``phase`` says which call produced it."""

    type: Literal["delta"] = "delta"
    phase: Literal["draft", "sample", "think", "verify", "revise"]
    kind: Literal["answer", "thinking"]
    text: str


class BudgetCheck(_Event):
    type: Literal["budget_check"] = "budget_check"
    purpose: str
    model: str
    prompt_tokens: int
    requested_tokens: int
    allowed_tokens: int
    allowed: bool
    reason: str = ""
    remaining_cost_usd: float | None = None
    remaining_tokens: int | None = None


class ModelCalled(_Event):
    type: Literal["model_called"] = "model_called"
    purpose: str
    model: str
    usage: Usage
    finish_reason: str = "stop"


class Draft(_Event):
    type: Literal["draft"] = "draft"
    text: str
    finish_reason: str = "stop"


class SignalsComputed(_Event):
    type: Literal["signals"] = "signals"
    difficulty: float
    signals: dict[str, float]
    used: list[str]
    stage: str
    estimate_tokens: int = 0


class RouteDecision(_Event):
    type: Literal["route"] = "route"
    action: Literal["keep", "escalate", "sample_more", "stop"]
    route: Literal["fast", "think"]
    level: str | None = None
    thinking_budget: int | None = None
    reason: str = ""


class Thinking(_Event):
    type: Literal["thinking"] = "thinking"
    text: str


class ToolCalled(_Event):
    type: Literal["tool_call"] = "tool_call"
    call_id: str
    name: str
    arguments: str


class ToolReturned(_Event):
    type: Literal["tool_result"] = "tool_result"
    call_id: str
    name: str
    ok: bool
    content: str
    seconds: float = 0.0


class Verified(_Event):
    type: Literal["verification"] = "verification"
    probability: float | None
    passed: bool
    threshold: float
    false_claim: str | None = None
    """The claim an exact check found false (``thinkdial.policies.checks.numbers``); no verifier model was asked then."""


class Revised(_Event):
    type: Literal["revision"] = "revision"
    revision: int
    text: str


class StepFinished(_Event):
    type: Literal["step_finished"] = "step_finished"
    route: Literal["fast", "think"]
    difficulty: float
    text: str


class Final(_Event):
    type: Literal["final"] = "final"
    output: str
    stop_reason: StopReason
    usage: Usage
    message: str = ""


TraceEvent = Annotated[
    RunStarted | StepStarted | TextDelta | BudgetCheck | ModelCalled | Draft | SignalsComputed | RouteDecision | Thinking | ToolCalled | ToolReturned | Verified | Revised | StepFinished | Final,
    Field(discriminator="type"),
]

_ADAPTER: TypeAdapter[Any] = TypeAdapter(TraceEvent)


_KNOWN_TYPES = frozenset(
    m.model_fields["type"].default
    for m in (RunStarted, StepStarted, TextDelta, BudgetCheck, ModelCalled, Draft, SignalsComputed, RouteDecision,
              Thinking, ToolCalled, ToolReturned, Verified, Revised, StepFinished, Final)
)


class TraceHeader(BaseModel):
    """The first line of a trace file: which shape of events follows (not an event itself)."""

    type: Literal["trace_header"] = "trace_header"
    schema_version: int = SCHEMA_VERSION
    thinkdial: str = ""
    """The thinkdial version that wrote the file."""
    at: float = Field(default_factory=time.time)


def _thinkdial_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("thinkdial")
    except PackageNotFoundError:  # pragma: no cover - a bare checkout
        return ""


class TraceWriter:
    """Writes events to a JSON Lines file after a :class:`TraceHeader` line (text deltas are left out unless asked)."""

    def __init__(self, path: str | Path, include_deltas: bool = False) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.include_deltas = include_deltas
        self._fh = self.path.open("w", encoding="utf-8")
        self._fh.write(TraceHeader(thinkdial=_thinkdial_version()).model_dump_json() + "\n")
        self._fh.flush()

    def write(self, event: BaseModel) -> None:
        """Append ``event`` as one JSON line (text a model wrote that has no UTF-8 form is written with U+FFFD)."""
        if isinstance(event, TextDelta) and not self.include_deltas:
            return
        try:
            line = event.model_dump_json()
        except ValueError:  # pydantic's serializer refuses lone surrogates (PydanticSerializationError)
            from thinkdial.text import encodable_data

            line = type(event).model_validate(encodable_data(event.model_dump())).model_dump_json()
        self._fh.write(line + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


def parse_event(data: dict[str, Any] | str) -> Any:
    """One event from its JSON form."""
    if isinstance(data, str):
        data = json.loads(data)
    return _ADAPTER.validate_python(data)


@dataclass
class TraceFile:
    """A trace file as read: its schema version, the events this thinkdial knows, and what it skipped."""

    schema_version: int | None
    """From the header line; None for files written before headers existed (or by the chat's /save)."""
    events: list[Any] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    """Event types this version does not know (written by a newer thinkdial), with how many were skipped."""


def load_trace(path: str | Path) -> TraceFile:
    """Read a JSON Lines trace file; event types this version does not know are skipped and counted.

    Raises:
        ValueError: a line is not JSON, not an object, or a known event with invalid fields.
    """
    out = TraceFile(schema_version=None)
    with Path(path).open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {number} is not JSON ({exc.msg})") from None
            if not isinstance(data, dict):
                raise ValueError(f"line {number} is not a JSON object")
            kind = data.get("type")
            if kind == "trace_header":
                out.schema_version = int(data.get("schema_version") or 0) or None
            elif kind in _KNOWN_TYPES:
                try:
                    out.events.append(parse_event(data))
                except ValueError as exc:
                    raise ValueError(f"line {number}: {str(exc).splitlines()[0]}") from None
            else:
                name = str(kind) if kind is not None else "(no type)"
                out.skipped[name] = out.skipped.get(name, 0) + 1
    return out


def read_trace(path: str | Path) -> list[Any]:
    """The events of a JSON Lines trace file (the header and unknown event types are skipped)."""
    return load_trace(path).events
