"""The OpenAI chat-completions shapes: a request read into thinkdial's types, a run written back, and errors.

Only what thinkdial can honour is accepted; anything it cannot (``n > 1``, image parts, an unknown role)
is a 400 naming the field, never silently dropped. Unknown top-level fields are ignored, as OpenAI
clients send many optional ones (``user``, ``metadata``, ``parallel_tool_calls`` ...).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, model_validator

from thinkdial.budget import Budget
from thinkdial.models.base import Message, ToolCall, ToolSpec, Usage
from thinkdial.result import RunResult


class APIError(Exception):
    """An error answered in OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}``."""

    def __init__(
        self, status: int, message: str, *, type: str = "invalid_request_error", param: str | None = None,  # noqa: A002
        code: str | None = None, headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON body."""
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def bad_request(param: str, message: str) -> APIError:
    """A 400 naming the field at fault."""
    return APIError(400, f"{param}: {message}", param=param, code="invalid_value")


# -- the request -------------------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TextPart(_In):
    type: Literal["text"]
    text: str


Content = str | list[TextPart] | None


class FunctionIn(_In):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool | None = None


class ToolIn(_In):
    type: Literal["function"]
    function: FunctionIn


class CalledFunction(_In):
    name: str
    arguments: str = "{}"


class ToolCallIn(_In):
    id: str
    type: Literal["function"] = "function"
    function: CalledFunction


class MessageIn(BaseModel):
    """One message as OpenAI clients send it (``developer`` is read as ``system``)."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Content = None
    tool_calls: list[ToolCallIn] | None = None
    tool_call_id: str | None = None
    name: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> MessageIn:
        if self.role == "tool" and not self.tool_call_id:
            raise ValueError("a tool message needs tool_call_id")
        if self.role != "assistant" and self.tool_calls:
            raise ValueError("only assistant messages carry tool_calls")
        if self.role in ("system", "developer", "user") and self.content is None:
            raise ValueError(f"a {self.role} message needs content")
        return self

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""


class BudgetIn(_In):
    """``thinkdial.budget``: this request's ceilings (each at most the server's own)."""

    max_cost_usd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    max_tokens: int | None = Field(default=None, ge=0)
    max_steps: int | None = Field(default=None, ge=1)
    max_seconds: float | None = Field(default=None, gt=0, allow_inf_nan=False)


class ExtensionIn(_In):
    """``thinkdial``: the extension object of the request body (``extra_body={"thinkdial": {...}}``)."""

    policy: str | None = None
    budget: BudgetIn | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")
    include_usage: bool = False


class ChatRequest(BaseModel):
    """``POST /v1/chat/completions``: the fields thinkdial reads (others are ignored)."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(min_length=1)
    messages: list[MessageIn] = Field(min_length=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    stop: str | list[str] | None = None
    seed: int | None = None
    n: int | None = Field(default=None, ge=1, le=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    response_format: dict[str, Any] | None = None
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high"] | None = None
    tools: list[ToolIn] | None = None
    tool_choice: Literal["auto", "none", "required"] | dict[str, Any] | None = None
    thinkdial: ExtensionIn | None = None

    @property
    def answer_cap(self) -> int | None:
        """The answer's token ceiling: ``max_completion_tokens``, else ``max_tokens``."""
        return self.max_completion_tokens or self.max_tokens

    @property
    def stops(self) -> list[str]:
        if self.stop is None:
            return []
        return [self.stop] if isinstance(self.stop, str) else [s for s in self.stop if s]


def _param(loc: tuple[Any, ...]) -> str:
    """``("messages", 0, "content")`` -> ``messages[0].content``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("str", "list[TextPart]", "none", "function-after[_shape()]"):
            continue  # pydantic's name for a union member or validator, not a field
        else:
            out += ("." if out else "") + str(part)
    return out or "body"


def parse_request(data: Any) -> ChatRequest:
    """Validate a decoded JSON body; a problem is a 400 naming its field (``messages[1].role``)."""
    if not isinstance(data, dict):
        raise bad_request("body", "the request body must be a JSON object")
    try:
        req = ChatRequest.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise bad_request(_param(tuple(err["loc"])), msg) from None
    if len(req.stops) > 4:
        raise bad_request("stop", "at most 4 stop sequences")
    return req


# -- the request as thinkdial's types ------------------------------------------------------------


def to_messages(req: ChatRequest) -> list[Message]:
    """The conversation as thinkdial ``Message`` objects; a tool result is named after the call it answers."""
    names: dict[str, str] = {}
    out: list[Message] = []
    for i, m in enumerate(req.messages):
        if m.role == "assistant":
            calls = [ToolCall(id=c.id, name=c.function.name, arguments=c.function.arguments) for c in m.tool_calls or []]
            names.update((c.id, c.name) for c in calls)
            out.append(Message(role="assistant", content=m.text(), tool_calls=calls))
        elif m.role == "tool":
            if m.tool_call_id not in names:
                raise bad_request(f"messages[{i}].tool_call_id", f"{m.tool_call_id!r} answers no earlier assistant tool call")
            out.append(Message(role="tool", content=m.text(), tool_call_id=m.tool_call_id, name=names[m.tool_call_id or ""]))
        else:
            out.append(Message(role="system" if m.role == "developer" else m.role, content=m.text()))
    if not any(m.role == "user" and m.content.strip() for m in out):
        raise bad_request("messages", "needs a user message with text (the task)")
    return out


@dataclass
class ToolPlan:
    """Which tools a request offers: the client's (returned as ``tool_calls``) and whether the server's join them."""

    client: list[ToolSpec] = field(default_factory=list)
    server_tools: bool = True


def tool_plan(req: ChatRequest) -> ToolPlan:
    """Read ``tools`` and ``tool_choice``.

    ``"none"`` offers no tools at all; a named function offers only that client tool; ``"auto"`` and
    ``"required"`` offer the client's tools and the server's (thinkdial does not force a call: the step
    decides, as under ``"auto"``). A client tool named like a server tool wins over it.
    """
    specs = [ToolSpec(name=t.function.name, description=t.function.description, parameters=t.function.parameters)
             for t in req.tools or []]
    if len({s.name for s in specs}) != len(specs):
        raise bad_request("tools", "two tools have the same name")
    for i, spec in enumerate(specs):
        if spec.parameters.get("type", "object") != "object":
            raise bad_request(f"tools[{i}].function.parameters", "must describe an object of arguments")
    choice = req.tool_choice
    if choice is None or choice in ("auto", "required"):
        return ToolPlan(specs, True)
    if choice == "none":
        return ToolPlan([], False)
    assert isinstance(choice, dict)
    name = (choice.get("function") or {}).get("name") if choice.get("type") == "function" else None
    if not isinstance(name, str):
        raise bad_request("tool_choice", 'expected "auto", "none", "required" or {"type": "function", "function": {"name": ...}}')
    chosen = [s for s in specs if s.name == name]
    if not chosen:
        raise bad_request("tool_choice.function.name", f"{name!r} is not one of the request's tools")
    return ToolPlan(chosen, False)


def response_schema(req: ChatRequest) -> tuple[str, dict[str, Any]] | None:
    """``response_format`` as (name, JSON schema), or None for plain text."""
    fmt = req.response_format
    if fmt is None or fmt.get("type") == "text":
        return None
    kind = fmt.get("type")
    if kind == "json_object":
        return "json_object", {"type": "object"}
    if kind != "json_schema":
        raise bad_request("response_format.type", f"expected 'text', 'json_object' or 'json_schema', got {kind!r}")
    spec = fmt.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("schema"), dict):
        raise bad_request("response_format.json_schema.schema", "a JSON schema object is required")
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import validator_for

    schema = spec["schema"]
    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        raise bad_request("response_format.json_schema.schema", f"not a valid JSON schema: {exc.message}") from None
    return str(spec.get("name") or "response"), schema


def schema_output_type(name: str, schema: dict[str, Any]) -> type[BaseModel]:
    """A pydantic model that validates against a JSON schema: the ``output_type`` of a ``response_format``."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema)

    class SchemaOutput(RootModel[Any]):
        @model_validator(mode="after")
        def _matches(self) -> SchemaOutput:
            error = next(iter(validator.iter_errors(self.root)), None)
            if error is not None:
                where = ".".join(str(p) for p in error.absolute_path)
                raise ValueError(f"{where or '(root)'}: {error.message}")
            return self

        @classmethod
        def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
            return schema

    SchemaOutput.__name__ = SchemaOutput.__qualname__ = name if name.isidentifier() else "Response"
    return SchemaOutput


def budget_of(req: ChatRequest) -> Budget | None:
    """The extension's budget, or None when the request names none."""
    ext = req.thinkdial
    if ext is None or ext.budget is None:
        return None
    return Budget(**ext.budget.model_dump())


# -- the answer ----------------------------------------------------------------------------------


@dataclass
class StepReport:
    """What the client learns about the request's step(s): the extension field and the ``x-thinkdial-*`` headers."""

    route: str
    level: str | None
    difficulty: float
    usage: Usage
    stop_reason: str
    steps: list[dict[str, Any]]
    policy: str
    message: str = ""

    @classmethod
    def of(cls, result: RunResult, policy: str) -> StepReport:
        """The request's report. A request runs more than one step only when server-side tools ran; then its route
        is ``think`` if any step thought (at the highest level any did), and its difficulty the highest estimated."""
        thought = [s for s in result.steps if s.route == "think"]
        order = {"low": 0, "medium": 1, "high": 2}
        level = max((s.level for s in thought if s.level), key=lambda x: order.get(x, -1), default=None)
        return cls(
            route="think" if thought else "fast", level=level,
            difficulty=max((s.difficulty for s in result.steps), default=0.0), usage=result.usage, stop_reason=result.stop_reason,
            steps=[{"index": s.index, "route": s.route, "level": s.level, "difficulty": round(s.difficulty, 4),
                    "action": s.action, "reason": s.decision_reason} for s in result.steps],
            policy=policy, message=result.message,
        )

    def extension(self) -> dict[str, Any]:
        u = self.usage
        return {
            "route": self.route, "level": self.level, "difficulty": round(self.difficulty, 4), "policy": self.policy,
            "stop_reason": self.stop_reason, "message": self.message, "steps": self.steps,
            "tokens": {"input": u.input_tokens, "output": u.output_tokens, "thinking": u.thinking_tokens,
                       "total": u.total_tokens},
            "cost_usd": u.cost_usd, "seconds": round(u.seconds, 4),
        }

    def headers(self) -> dict[str, str]:
        return {**route_headers(self.route, self.level, self.difficulty), "x-thinkdial-cost-usd": f"{self.usage.cost_usd:.8f}",
                "x-thinkdial-tokens": str(self.usage.total_tokens)}


def route_headers(route: str, level: str | None, difficulty: float) -> dict[str, str]:
    """The route headers (a streamed response sends these before its first token)."""
    return {"x-thinkdial-route": route, "x-thinkdial-level": level or "", "x-thinkdial-difficulty": f"{difficulty:.4f}"}


def usage_body(u: Usage) -> dict[str, Any]:
    """OpenAI's ``usage``, with reasoning tokens and thinkdial's cost."""
    return {
        "prompt_tokens": u.input_tokens,
        "completion_tokens": u.output_tokens + u.thinking_tokens,
        "total_tokens": u.total_tokens,
        "completion_tokens_details": {"reasoning_tokens": u.thinking_tokens},
        "cost_usd": u.cost_usd,
    }


def finish_reason(result: RunResult, answer_cut: bool) -> str:
    """``tool_calls`` when the client is to run tools, ``length`` when a ceiling or ``max_tokens`` cut the answer."""
    if result.stop_reason == "tool_calls":
        return "tool_calls"
    if result.stop_reason in ("budget", "max_steps") or answer_cut:
        return "length"
    return "stop"


def answer_text(result: RunResult, stops: list[str]) -> str:
    """The answer as text (a structured output as its JSON), cut before the first stop sequence."""
    out = result.output
    text = json.dumps(out.model_dump(mode="json")) if isinstance(out, BaseModel) else str(out)
    for s in stops:
        at = text.find(s)
        if at >= 0:
            text = text[:at]
    return text


def tool_calls_body(calls: list[ToolCall]) -> list[dict[str, Any]]:
    return [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in calls]


def new_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:24]


def completion_body(
    rid: str, model: str, result: RunResult, text: str, finish: str, report: StepReport, thinking: str
) -> dict[str, Any]:
    """A non-streamed ``chat.completion``."""
    message: dict[str, Any] = {"role": "assistant", "content": text if not result.tool_calls else (text or None)}
    if result.tool_calls:
        message["tool_calls"] = tool_calls_body(result.tool_calls)
    if thinking:
        message["reasoning_content"] = thinking
    return {
        "id": rid, "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": usage_body(result.usage), "thinkdial": report.extension(),
    }


def chunk(rid: str, model: str, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    """One ``chat.completion.chunk``."""
    return {
        "id": rid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra,
    }


def sse(data: dict[str, Any] | str) -> bytes:
    """One server-sent event."""
    return f"data: {data if isinstance(data, str) else json.dumps(data)}\n\n".encode()


def pieces(text: str, size: int = 24) -> list[str]:
    """The answer cut into stream chunks at word boundaries (about ``size`` characters each)."""
    out: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and len(candidate) > size:
            out.append(current + " ")
            current = word
        else:
            current = candidate
    if current:
        out.append(current)
    return out
