"""A loopback server that behaves like a reasoning API (OpenAI o-series and Anthropic extended thinking).

Real HTTP on 127.0.0.1 (stdlib ``http.server`` on a thread), so litellm and the
OpenAI/Anthropic clients see real sockets, real SSE and real status codes.

OpenAI-compatible ``POST /v1/chat/completions``:

- thinks before answering: ``reasoning_content`` is streamed (or returned) first,
  and the usage reports ``completion_tokens_details.reasoning_tokens``;
- how long it thinks follows ``reasoning_effort`` (:data:`EFFORT_TOKENS`), and
  thinking plus answer never exceed ``max_completion_tokens`` / ``max_tokens``
  (a request that leaves no room for the answer gets ``finish_reason="length"``);
- refuses ``logprobs`` with HTTP 400, as OpenAI's reasoning models do;
- a model whose name does not look like a reasoning model (:func:`is_reasoning`) neither
  thinks (unless sent ``reasoning_effort``) nor refuses logprobs: it silently returns none,
  as many OpenAI-compatible servers do;
- answers arithmetic in the question (``What is 37 + 48?`` -> ``The answer is 85.``);
  offered tools, it first calls the first tool with the expression, then answers
  with the tool's result.

Anthropic ``POST /v1/messages``: the same, with ``thinking.budget_tokens`` as the
thinking length (thinking blocks, ``thinking_delta`` events).

Every request is recorded in ``server.requests`` (path and body); ``delay`` sets
the pause between streamed chunks.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from servers.loopback import LoopbackHandler, LoopbackServer

EFFORT_TOKENS = {"minimal": 16, "low": 64, "medium": 256, "high": 1024}
"""Reasoning tokens the server spends for each ``reasoning_effort`` (none sent: :data:`DEFAULT_REASONING`)."""
DEFAULT_REASONING = 32
THINK_WORD = "hmm "
"""One reasoning token of thinking text."""
_EXPR = re.compile(r"(-?\d+(?:\.\d+)?)\s*([-+*/x×])\s*(-?\d+(?:\.\d+)?)")


def is_reasoning(model: str) -> bool:
    """Whether a model name looks like a reasoning model (o1/o3/o4, gpt-5, or 'reason' in it)."""
    name = model.split("/")[-1].lower()
    return bool(re.match(r"o\d", name)) or name.startswith("gpt-5") or "reason" in name


def prompt_tokens(messages: Any) -> int:
    """A rough prompt size (4 bytes a token), like a tokenizer would give."""
    return max(1, len(json.dumps(messages)) // 4)


def solve(text: str) -> tuple[str | None, str]:
    """The arithmetic expression in ``text`` and its answer sentence."""
    match = _EXPR.search(text)
    if not match:
        return None, "I think the answer is Paris, the capital of France."
    a, op, b = float(match.group(1)), match.group(2), float(match.group(3))
    value = {"+": a + b, "-": a - b, "*": a * b, "x": a * b, "×": a * b, "/": a / b if b else float("nan")}[op]
    shown = str(int(value)) if value == int(value) else f"{value:g}"
    return f"{match.group(1)} {'*' if op in 'x×' else op} {match.group(3)}", f"The answer is {shown}."


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


@dataclass
class Recorded:
    """One request: its path and JSON body."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    """Request headers, names in lower case."""


@dataclass
class ReasoningServer(LoopbackServer):
    """Start with :meth:`start` (or ``with``); ``base`` is the ``api_base`` for OpenAI-style clients."""

    delay: float = 0.0
    requests: list[Recorded] = field(default_factory=list)

    @property
    def root(self) -> str:
        """``http://127.0.0.1:PORT``: the Anthropic ``api_base``."""
        return f"http://{self.host}:{self.port}"


class _Handler(LoopbackHandler):
    owner: ReasoningServer


    def do_GET(self) -> None:  # noqa: N802
        self._json(200, {"object": "list", "data": [{"id": "o3-mini", "object": "model"}]})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.owner.requests.append(Recorded(self.path, body, {k.lower(): v for k, v in self.headers.items()}))
        if self.path.rstrip("/").endswith("/messages"):
            self._anthropic(body)
        else:
            self._openai(body)

    # -- what to say ---------------------------------------------------------------

    @staticmethod
    def _plan(messages: list[dict[str, Any]], tools: list[Any], tool_name: str) -> dict[str, Any]:
        """A tool call (tools offered, none ran yet) or an answer sentence."""
        question = ""
        result = None
        for m in messages:
            if m.get("role") == "user":
                content = m.get("content")
                if isinstance(content, list) and any(isinstance(p, dict) and p.get("type") == "tool_result" for p in content):
                    result = " ".join(_text_of(p.get("content")) for p in content if p.get("type") == "tool_result")
                else:
                    question = _text_of(content)
            elif m.get("role") == "tool":
                result = _text_of(m.get("content"))
        expr, answer = solve(question)
        if tools and expr is not None and result is None:
            return {"tool": tool_name, "arguments": json.dumps({"expression": expr})}
        if result is not None:
            answer = f"The answer is {result.strip()}."
        return {"text": answer}

    # -- OpenAI ------------------------------------------------------------------------

    def _openai(self, body: dict[str, Any]) -> None:
        reasoner = is_reasoning(str(body.get("model", "")))
        if reasoner and (body.get("logprobs") or body.get("top_logprobs")):
            self._json(400, {"error": {
                "message": "logprobs is not supported with this model.",
                "type": "invalid_request_error", "param": "logprobs", "code": "unsupported_parameter"}})
            return
        cap = int(body.get("max_completion_tokens") or body.get("max_tokens") or 4096)
        effort = body.get("reasoning_effort")
        wanted = EFFORT_TOKENS.get(str(effort), DEFAULT_REASONING if reasoner else 0)
        thinking = min(wanted, cap)
        tools = body.get("tools") or []
        plan = self._plan(body.get("messages", []), tools, tools[0]["function"]["name"] if tools else "")
        answer_words = re.findall(r"\S+\s*", plan.get("text") or "")
        room = cap - thinking
        finish = "tool_calls" if "tool" in plan else "stop"
        if "tool" not in plan and len(answer_words) > room:
            answer_words, finish = answer_words[:room], "length"
        answer_n = 12 if "tool" in plan and room >= 12 else len(answer_words)
        if "tool" in plan and room < 12:
            plan, finish, answer_n = {"text": ""}, "length", 0
        usage = {
            "prompt_tokens": prompt_tokens(body.get("messages")),
            "completion_tokens": thinking + answer_n,
            "total_tokens": prompt_tokens(body.get("messages")) + thinking + answer_n,
            "completion_tokens_details": {"reasoning_tokens": thinking},
        }
        reasoning = THINK_WORD * thinking
        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": "".join(answer_words) or None,
                                       "reasoning_content": reasoning}
            if "tool" in plan:
                message["tool_calls"] = [{"id": "call_1", "type": "function",
                                          "function": {"name": plan["tool"], "arguments": plan["arguments"]}}]
            self._json(200, {"id": "chatcmpl-r", "object": "chat.completion", "created": int(time.time()),
                             "model": body.get("model", ""), "usage": usage,
                             "choices": [{"index": 0, "message": message, "finish_reason": finish}]})
            return
        base = {"id": "chatcmpl-r", "object": "chat.completion.chunk", "created": int(time.time()), "model": body.get("model", "")}
        deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
        for i in range(0, thinking, 16):
            deltas.append({"reasoning_content": THINK_WORD * min(16, thinking - i)})
        if "tool" in plan:
            deltas.append({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                           "function": {"name": plan["tool"], "arguments": plan["arguments"]}}]})
        deltas.extend({"content": w} for w in answer_words)
        self._sse_start()
        for delta in deltas:
            self._sse({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
        self._sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            self._sse({**base, "choices": [], "usage": usage})
        self._chunk(b"data: [DONE]\n\n")
        self._chunk(b"")

    # -- Anthropic ---------------------------------------------------------------------

    def _anthropic(self, body: dict[str, Any]) -> None:
        cap = int(body.get("max_tokens") or 1024)
        thinking_cfg = body.get("thinking") or {}
        thinking = min(int(thinking_cfg.get("budget_tokens") or 0), cap) if thinking_cfg.get("type") == "enabled" else 0
        tools = body.get("tools") or []
        plan = self._plan(body.get("messages", []), tools, tools[0]["name"] if tools else "")
        text = "".join(re.findall(r"\S+\s*", plan.get("text") or "")[: max(cap - thinking, 0)])  # max_tokens holds
        answer_n = len(re.findall(r"\S+\s*", text)) if "tool" not in plan else 12
        usage = {"input_tokens": prompt_tokens(body.get("messages")), "output_tokens": thinking + answer_n}
        blocks: list[dict[str, Any]] = []
        if thinking:
            blocks.append({"type": "thinking", "thinking": THINK_WORD * thinking, "signature": "sig"})
        if "tool" in plan:
            blocks.append({"type": "tool_use", "id": "toolu_1", "name": plan["tool"], "input": json.loads(plan["arguments"])})
        else:
            blocks.append({"type": "text", "text": text})
        stop = "tool_use" if "tool" in plan else "end_turn"
        message = {"id": "msg_1", "type": "message", "role": "assistant", "model": body.get("model", ""),
                   "content": blocks, "stop_reason": stop, "stop_sequence": None, "usage": usage}
        if not body.get("stream"):
            self._json(200, message)
            return
        self._sse_start()
        self._sse({"type": "message_start", "message": {**message, "content": [], "stop_reason": None,
                                                         "usage": {"input_tokens": usage["input_tokens"], "output_tokens": 1}}},
                  event="message_start")
        for i, block in enumerate(blocks):
            if block["type"] == "thinking":
                self._sse({"type": "content_block_start", "index": i, "content_block": {"type": "thinking", "thinking": ""}},
                          event="content_block_start")
                self._sse({"type": "content_block_delta", "index": i,
                           "delta": {"type": "thinking_delta", "thinking": block["thinking"]}}, event="content_block_delta")
                self._sse({"type": "content_block_delta", "index": i,
                           "delta": {"type": "signature_delta", "signature": "sig"}}, event="content_block_delta")
            elif block["type"] == "text":
                self._sse({"type": "content_block_start", "index": i, "content_block": {"type": "text", "text": ""}},
                          event="content_block_start")
                for w in re.findall(r"\S+\s*", block["text"]):
                    self._sse({"type": "content_block_delta", "index": i, "delta": {"type": "text_delta", "text": w}},
                              event="content_block_delta")
            else:
                self._sse({"type": "content_block_start", "index": i,
                           "content_block": {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}},
                          event="content_block_start")
                self._sse({"type": "content_block_delta", "index": i,
                           "delta": {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}},
                          event="content_block_delta")
            self._sse({"type": "content_block_stop", "index": i}, event="content_block_stop")
        self._sse({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                   "usage": {"output_tokens": usage["output_tokens"]}}, event="message_delta")
        self._sse({"type": "message_stop"}, event="message_stop")
        self._chunk(b"")

    # -- wire helpers --------------------------------------------------------------------

    def _sse_start(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _sse(self, payload: dict[str, Any], event: str | None = None) -> None:
        head = f"event: {event}\n".encode() if event else b""
        self._chunk(head + b"data: " + json.dumps(payload).encode() + b"\n\n")
        if self.owner.delay:
            time.sleep(self.owner.delay)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


ReasoningServer.handler = _Handler
