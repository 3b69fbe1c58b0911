"""An OpenAI-compatible chat server on 127.0.0.1 whose behaviour is chosen per request.

The model name picks the behaviour, so one server serves every fault:
``openai/normal`` answers properly, ``openai/cut`` ends its stream before a
``finish_reason`` and so on (see :data:`FAULTS`). It is a real HTTP server
(stdlib ``http.server`` on a thread), so litellm, httpx and the OpenAI client
see real sockets, real chunked transfer and real status codes.

Every request is recorded (time, model, body) in ``server.requests`` so tests
can check what was sent and when (e.g. that a retry waited for ``Retry-After``).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from servers.loopback import LoopbackHandler, LoopbackServer

FAULTS: dict[str, str] = {
    "normal": "answers properly (streamed or not), with usage; calls the calculator once when given tools",
    "tools": "same as normal (kept as a readable alias for tool tests)",
    "cut": "stream ends cleanly after 2 of 5 chunks: no finish_reason, no [DONE], no usage",
    "broken": "stream breaks mid-way: chunked transfer aborted after 3 chunks (billed tokens were streamed)",
    "notjson": "HTTP 200 whose body is an HTML page, not JSON",
    "retryafter": "first request of each conversation gets 429 with Retry-After: 1, the next one is answered",
    "ratelimited": "always 429 with Retry-After: 1",
    "hang": "accepts the request and never answers",
    "overbill": "reports 100x the max_tokens asked as completion tokens",
    "bigprompt": "bills 3,000 prompt tokens whatever the prompt (a hidden system prompt)",
    "error500": "always HTTP 500",
}

ANSWER = "The answer is 4."
BIG_PROMPT_TOKENS = 3000


def _words(text: str) -> list[str]:
    return re.findall(r"\S+\s*", text)


def _prompt_tokens(body: dict[str, Any]) -> int:
    """A rough count of the prompt (4 bytes a token), like a real tokenizer would give."""
    return max(1, len(json.dumps(body.get("messages", []))) // 4)


def _last_tool_result(messages: list[dict[str, Any]]) -> str | None:
    if messages and messages[-1].get("role") == "tool":
        return str(messages[-1].get("content", ""))
    return None


@dataclass
class Recorded:
    """One request the server received."""

    at: float
    model: str
    body: dict[str, Any]
    billed: int = 0
    """Tokens this server would bill for the request: its prompt plus every output token it sent or reported."""


@dataclass
class FaultServer(LoopbackServer):
    """The server and its record of requests. Start with :meth:`start` (or ``with``), stop with :meth:`stop`."""

    requests: list[Recorded] = field(default_factory=list)
    _seen: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, model: str) -> int:
        """How many requests asked for ``model`` (the part after the provider prefix)."""
        return sum(1 for r in self.requests if r.model == model)


class _Handler(LoopbackHandler):
    owner: FaultServer


    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._json(200, {"object": "list", "data": [{"id": name, "object": "model"} for name in FAULTS]})

    record: Recorded

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        model = str(body.get("model", "normal")).split("/")[-1]
        srv = self.owner
        self.record = Recorded(time.monotonic(), model, body)
        with srv._lock:
            srv.requests.append(self.record)
            key = model + json.dumps(body.get("messages", []))
            nth = srv._seen.get(key, 0)
            srv._seen[key] = nth + 1
        stream = bool(body.get("stream"))
        if model == "hang":
            srv._stop.wait(600)
            self.close_connection = True
            return
        if model == "error500":
            self._json(500, {"error": {"message": "internal error", "type": "server_error"}})
            return
        if model == "ratelimited" or (model == "retryafter" and nth == 0):
            self._json(429, {"error": {"message": "slow down", "type": "rate_limit"}}, {"Retry-After": "1"})
            return
        if model == "notjson":
            page = b"<html><body>502 Bad Gateway (from a proxy)</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        reply = self._reply(body)
        if stream:
            self._stream(model, body, reply)
        else:
            self._whole(model, body, reply)

    # -- replies -------------------------------------------------------------------

    def _reply(self, body: dict[str, Any]) -> dict[str, Any]:
        """What to say: a calculator call when tools are offered and none ran yet, else text."""
        messages = body.get("messages", [])
        result = _last_tool_result(messages)
        tools = body.get("tools") or []
        if tools and result is None:
            name = tools[0]["function"]["name"]
            return {"tool_call": {"id": "call_1", "name": name, "arguments": json.dumps({"expression": "2+2"})}}
        text = ANSWER if result is None else f"The answer is {result}."
        return {"text": text}

    def _usage(self, model: str, body: dict[str, Any], completion: int) -> dict[str, int]:
        prompt = BIG_PROMPT_TOKENS if model == "bigprompt" else _prompt_tokens(body)
        if model == "overbill":
            completion = 100 * int(body.get("max_tokens") or 16)
        self.record.billed = prompt + completion
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    def _whole(self, model: str, body: dict[str, Any], reply: dict[str, Any]) -> None:
        message: dict[str, Any] = {"role": "assistant", "content": reply.get("text")}
        finish = "stop"
        n = len(_words(reply.get("text") or ""))
        if "tool_call" in reply:
            call = reply["tool_call"]
            message["tool_calls"] = [
                {"id": call["id"], "type": "function", "function": {"name": call["name"], "arguments": call["arguments"]}}
            ]
            finish, n = "tool_calls", 12
        self._json(
            200,
            {
                "id": "chatcmpl-fault",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                "usage": self._usage(model, body, n),
            },
        )

    def _stream(self, model: str, body: dict[str, Any], reply: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        base = {"id": "chatcmpl-fault", "object": "chat.completion.chunk", "created": int(time.time()), "model": model}
        deltas: list[dict[str, Any]] = []
        if "tool_call" in reply:
            call = reply["tool_call"]
            args = call["arguments"]
            deltas.append({"role": "assistant", "tool_calls": [
                {"index": 0, "id": call["id"], "type": "function", "function": {"name": call["name"], "arguments": ""}}]})
            for i in range(0, len(args), 6):
                deltas.append({"tool_calls": [{"index": 0, "function": {"arguments": args[i : i + 6]}}]})
            finish = "tool_calls"
        else:
            words = _words(reply["text"])
            deltas.append({"role": "assistant", "content": ""})
            deltas.extend({"content": w} for w in words)
            finish = "stop"
        for i, delta in enumerate(deltas):
            self.record.billed = _prompt_tokens(body) + i  # what streamed so far is billed
            if model == "cut" and i == 3:  # role chunk + 2 content chunks, then a clean end
                self._chunk(b"")
                return
            if model == "broken" and i == 4:
                self.wfile.write(b"5\r\nda")  # half a chunk, then the connection drops
                self.wfile.flush()
                self.close_connection = True
                return
            self._event({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
            time.sleep(0.005)
        self._event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            n = max(len(deltas) - 1, 1)
            self._event({**base, "choices": [], "usage": self._usage(model, body, n)})
        self._chunk(b"data: [DONE]\n\n")
        self._chunk(b"")

    # -- wire helpers -------------------------------------------------------------

    def _event(self, payload: dict[str, Any]) -> None:
        self._chunk(b"data: " + json.dumps(payload).encode() + b"\n\n")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


FaultServer.handler = _Handler
