"""Tool calling for local models without native function calling: a JSON grammar.

The model is told about the tools in its system message and is constrained to
answer with one JSON object: ``{"tool": NAME, "arguments": {...}}``, built from
each tool's own JSON schema (one tool name from the list, its own argument names
and types). A string argument for which the tool offers values
(``ToolSpec.offered``, e.g. the workspace's files) is restricted to them, so a
small model names a real file instead of inventing one; optional arguments with a
default are left out. When the model may also
answer directly (``tool_choice="auto"``), a pseudo-tool ``final_answer`` with
one string argument carries the answer.
"""

from __future__ import annotations

import json
from typing import Any

from thinkdial.models.base import Message, ToolCall, ToolSpec
from thinkdial.tools import tool_call_schema

FINAL_ANSWER = "final_answer"


def tool_call_json_schema(tools: list[ToolSpec], allow_answer: bool) -> dict[str, Any]:
    """Schema of one call of one of ``tools`` (plus ``final_answer`` when allowed), built by the one
    call-schema builder, :func:`thinkdial.tools.tool_call_schema`."""
    answer = ToolSpec(
        name=FINAL_ANSWER,
        parameters={"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]},
    )
    specs = [grammar_spec(t) for t in tools]
    return tool_call_schema([*specs, answer] if allow_answer else specs)


def grammar_spec(spec: ToolSpec) -> ToolSpec:
    """``spec`` as a grammar writes it: each offered string argument restricted to its offered values (an
    ``enum``), and optional arguments that have a default left out (they take it: a small model forced through a
    grammar invents them, a ``max_bytes`` of 5 for a file it means to read)."""
    params = spec.parameters
    required = set(params.get("required", []))
    props = {k: p for k, p in params.get("properties", {}).items() if k in required or "default" not in p}
    for key, values in spec.offered.items():
        if key in props and values:
            props[key] = {**props[key], "enum": list(values)}
    return spec.model_copy(update={"parameters": {**params, "properties": props}})


def tools_system_text(tools: list[ToolSpec], allow_answer: bool) -> str:
    """Instructions listing the tools, appended to the system message."""
    lines = ["Answer by calling a tool. Reply with one JSON object.", "Tools:"]
    for t in map(grammar_spec, tools):
        args = ", ".join(
            f"{name} (one of: {', '.join(t.offered[name])})" if t.offered.get(name) else name
            for name in t.parameters.get("properties", {})
        )
        lines.append(f"- {t.name}: {t.description} Arguments: {args}")
    if allow_answer:
        lines.append(f"- {FINAL_ANSWER}: give the answer directly. Arguments: answer")
    return "\n".join(lines)


def parse_tool_json(text: str, call_id: str) -> tuple[str, list[ToolCall]]:
    """Turn the constrained JSON reply into (answer text, tool calls).

    Text that is not a JSON object of the expected shape becomes a tool call
    named ``invalid`` carrying the raw text, so the agent can report the
    problem back to the model instead of crashing.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return "", [ToolCall(id=call_id, name="invalid", arguments=text)]
    if not isinstance(data, dict) or not isinstance(data.get("tool"), str):
        return "", [ToolCall(id=call_id, name="invalid", arguments=text)]
    arguments = data.get("arguments", {})
    if data["tool"] == FINAL_ANSWER and isinstance(arguments, dict):
        return str(arguments.get("answer", "")), []
    return "", [ToolCall(id=call_id, name=data["tool"], arguments=json.dumps(arguments))]


def plain_chat_messages(messages: list[Message], extra_system: str = "") -> list[dict[str, str]]:
    """Messages as role/content dicts for any chat template: tool turns become text.

    A call and its result become one user turn ("The read_file tool, called with {...}, returned: ...") rather
    than an assistant turn announcing the call: a small model copies its own last assistant turn, and answered
    "I will use the read_file tool with ..." instead of from the result.
    """
    out: list[dict[str, str]] = []
    calls: dict[str, str] = {}
    for m in messages:
        if m.role == "tool":
            called = calls.get(m.tool_call_id or "", "")
            out.append({
                "role": "user",
                "content": f"The {m.name or 'tool'} tool{called} returned: {m.content}\nUse this result to answer.",
            })
        elif m.role == "assistant" and m.tool_calls:
            for c in m.tool_calls:
                calls[c.id] = f", called with {json.dumps(_loads_or_raw(c.arguments))},"
            if m.content:
                out.append({"role": "assistant", "content": m.content})
        else:
            out.append({"role": m.role, "content": m.content})
    if extra_system:
        if out and out[0]["role"] == "system":
            out[0] = {"role": "system", "content": out[0]["content"] + "\n\n" + extra_system}
        else:
            out.insert(0, {"role": "system", "content": extra_system})
    return out


def _loads_or_raw(arguments: str) -> Any:
    try:
        return json.loads(arguments)
    except json.JSONDecodeError:
        return arguments
