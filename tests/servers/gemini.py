"""A loopback server speaking Google AI Studio's Gemini API (``generateContent``, ``streamGenerateContent``).

litellm's ``gemini/<model>`` with ``api_base`` posts to ``{api_base}/models/{model}:generateContent`` (or
``:streamGenerateContent?alt=sse``). The server records every request (path and JSON body), thinks as long as
``generationConfig.thinkingConfig`` says (``thinkingBudget`` tokens, or :data:`LEVEL_TOKENS` for a
``thinkingLevel``), counts thinking inside ``maxOutputTokens`` as Gemini does, and answers the arithmetic in
the question (``What is 37 + 48?`` -> ``The answer is 85.``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from servers.loopback import LoopbackHandler, LoopbackServer
from servers.reasoning import Recorded, solve

LEVEL_TOKENS = {"minimal": 8, "low": 64, "medium": 256, "high": 1024}
"""Thinking tokens spent for each ``thinkingLevel`` (Gemini 3)."""
DYNAMIC_THINKING = 48
"""Thinking tokens spent when the request sets no thinking budget or level."""


@dataclass
class GeminiServer(LoopbackServer):
    """``base`` (``http://127.0.0.1:PORT/v1beta``) is the ``api_base`` for ``gemini/<model>``."""

    requests: list[Recorded] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}/v1beta"


class _Handler(LoopbackHandler):
    owner: GeminiServer

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        self.owner.requests.append(Recorded(self.path, body, {k.lower(): v for k, v in self.headers.items()}))
        config = body.get("generationConfig") or {}
        cap = int(config.get("maxOutputTokens") or config.get("max_output_tokens") or 8192)  # proto JSON takes both spellings
        thinking_config = config.get("thinkingConfig") or {}
        if "thinkingBudget" in thinking_config:
            wanted = int(thinking_config["thinkingBudget"])
        elif "thinkingLevel" in thinking_config:
            wanted = LEVEL_TOKENS[str(thinking_config["thinkingLevel"]).lower()]
        else:
            wanted = DYNAMIC_THINKING
        thinking = min(max(wanted, 0), cap)
        question = " ".join(p.get("text", "") for c in body.get("contents", []) for p in c.get("parts", []) if isinstance(p, dict))
        words = re.findall(r"\S+\s*", solve(question)[1])[: cap - thinking]
        finish = "STOP" if len(words) == len(re.findall(r"\S+\s*", solve(question)[1])) else "MAX_TOKENS"
        prompt = max(1, len(json.dumps(body.get("contents"))) // 4)
        usage = {"promptTokenCount": prompt, "candidatesTokenCount": len(words), "thoughtsTokenCount": thinking,
                 "totalTokenCount": prompt + len(words) + thinking}
        parts: list[dict[str, Any]] = []
        if thinking and thinking_config.get("includeThoughts"):
            parts.append({"text": "hmm " * thinking, "thought": True})
        parts.append({"text": "".join(words)})
        reply = {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": finish, "index": 0}],
                 "usageMetadata": usage, "modelVersion": self.path.split("/models/")[-1].split(":")[0]}
        if ":streamGenerateContent" not in self.path:
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        chunks = [{"candidates": [{"content": {"role": "model", "parts": [p]}, "index": 0}], "usageMetadata": usage} for p in parts]
        chunks[-1]["candidates"][0]["finishReason"] = finish
        data = b"".join(b"data: " + json.dumps(c).encode() + b"\r\n\r\n" for c in chunks)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


GeminiServer.handler = _Handler
