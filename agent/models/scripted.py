"""``ScriptedModel``: a deterministic test double for logic tests.

It plays back a script of replies (text, thinking, tool calls, token
distributions, failures, per-token delays) and records every request, in the
spirit of PydanticAI's ``FunctionModel`` and httpx's ``MockTransport``. It is a
declared double: it never pretends to be a real backend.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Union

from thinkdial.models.base import (
    Completion,
    DeltaCallback,
    Message,
    ModelCapabilities,
    ModelRequest,
    Pricing,
    TokenAlternative,
    TokenInfo,
    ToolCall,
    ToolSpec,
    Usage,
)

_WORD_RE = re.compile(r"\S+")


def scripted_tokens(text: str) -> list[str]:
    """Split text the way ``ScriptedModel`` counts tokens: one token per word, leading space kept.

    Linear in the text (``re.findall(r"\\s*\\S+")`` rescans a long run of spaces from every position in it).
    """
    tokens: list[str] = []
    start = 0
    for word in _WORD_RE.finditer(text):
        tokens.append(text[start:word.end()])
        start = word.end()
    return tokens


@dataclass
class ScriptedReply:
    """One scripted model reply.

    ``confidence`` is the probability of each chosen token: one number for all
    tokens, or one per token (the last value repeats). A reply that is only tool
    calls gets tokens for the calls' JSON (``{"tool": ..., "arguments": ...}``,
    as a grammar-forced local model writes them) at that confidence. ``error`` is raised
    instead of replying. ``delay`` is slept before each streamed token.
    ``probes`` are the lines the model's mid-generation probes read, in order
    (the last one repeats), when the request asks for probes.
    """

    text: str = ""
    thinking: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    confidence: float | Sequence[float] = 0.95
    error: BaseException | None = None
    delay: float = 0.0
    logprobs: bool = True
    probes: Sequence[str] = ()


ScriptItem = Union[str, ScriptedReply, Completion, BaseException, Callable[[ModelRequest], "ScriptItem"]]  # noqa: UP007 - a recursive alias needs Union


def tool_call(name: str, arguments: str | dict, call_id: str | None = None) -> ToolCall:
    """Build a ToolCall for a script (``arguments`` as a dict or raw, possibly malformed, text)."""
    import json

    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return ToolCall(id=call_id or f"call_{name}", name=name, arguments=raw)


def _token_info(token: str, p: float, n_alternatives: int = 4) -> TokenInfo:
    """A token chosen with probability ``p``; the rest spread evenly over ``n_alternatives`` others."""
    p = min(max(p, 1e-6), 1.0)
    rest = (1.0 - p) / n_alternatives
    top = [TokenAlternative(token=token, logprob=math.log(p))]
    entropy = -p * math.log(p)
    if rest > 1e-12:
        top += [TokenAlternative(token=f" <alt{i}>", logprob=math.log(rest)) for i in range(n_alternatives)]
        entropy -= n_alternatives * rest * math.log(rest)
    top.sort(key=lambda a: a.logprob, reverse=True)
    return TokenInfo(token=token, logprob=math.log(p), entropy=entropy, top=top)


def _call_text(calls: Sequence[ToolCall]) -> str:
    """The calls as the JSON a tool grammar makes a local model write."""
    import json

    def args(raw: str) -> object:
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):  # malformed, a huge integer, or nested too deep: kept as text
            return raw

    return " ".join(json.dumps({"tool": c.name, "arguments": args(c.arguments)}) for c in calls)


class ScriptedModel:
    """Plays back ``script`` one item per call.

    Items: a string (a confident text reply), a :class:`ScriptedReply`, a
    ready :class:`Completion`, an exception (raised), or a callable taking the
    :class:`ModelRequest` and returning any of these. When the script runs out
    the last item repeats if ``repeat_last`` is true, otherwise the call fails.
    ``capabilities`` default to logprobs, prefill and probes (no native tools).
    """

    def __init__(
        self,
        script: Sequence[ScriptItem] | ScriptItem = (),
        *,
        name: str = "scripted",
        pricing: Pricing | None = None,
        context_window: int | None = 8192,
        repeat_last: bool = False,
        capabilities: ModelCapabilities | None = None,
    ) -> None:
        if isinstance(script, (str, ScriptedReply, Completion, BaseException)) or callable(script):
            script = [script]
            repeat_last = True
        self.script: list[ScriptItem] = list(script)
        self.name = name
        self.pricing = pricing or Pricing()
        self.context_window = context_window
        self.capabilities = capabilities or ModelCapabilities(logprobs=True, prefill=True, probes=True)
        self.repeat_last = repeat_last
        self.requests: list[ModelRequest] = []
        self._next = 0

    def count_tokens(self, messages: list[Message], tools: list[ToolSpec] | None = None) -> int:
        """Word count of all message contents plus 4 per message (a fixed template overhead)."""
        n = sum(len(scripted_tokens(m.content)) + 4 for m in messages)
        for t in tools or []:
            n += len(scripted_tokens(t.description)) + 8
        return n

    def _take(self, request: ModelRequest) -> ScriptItem:
        if self._next < len(self.script):
            item = self.script[self._next]
            self._next += 1
        elif self.script and self.repeat_last:
            item = self.script[-1]
        else:
            raise RuntimeError(f"ScriptedModel {self.name!r} ran out of replies after {self._next} calls")
        while callable(item) and not isinstance(item, (ScriptedReply, Completion, BaseException)):
            item = item(request)
        return item

    async def complete(self, request: ModelRequest, on_delta: DeltaCallback | None = None) -> Completion:
        """Return the next scripted reply, streamed token by token and cut at ``max_tokens``."""
        self.requests.append(request)
        started = time.perf_counter()
        item = self._take(request)
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, Completion):
            return item
        if callable(item) and not isinstance(item, ScriptedReply):
            raise TypeError(f"ScriptedModel {self.name!r}: a script callable returned another callable")
        reply = ScriptedReply(text=item) if isinstance(item, str) else item
        if reply.error is not None:
            raise reply.error

        input_tokens = self.count_tokens(request.messages, request.tools)
        budget = request.max_tokens
        thinking_tokens = scripted_tokens(reply.thinking)[:budget]
        budget -= len(thinking_tokens)
        answer_tokens = scripted_tokens(reply.text)[: max(budget, 0)]
        truncated = len(answer_tokens) < len(scripted_tokens(reply.text)) or len(thinking_tokens) < len(
            scripted_tokens(reply.thinking)
        )
        probe_in = probe_out = 0
        stopped_by_probe = False
        generated = 0
        for kind, toks in (("thinking", thinking_tokens), ("answer", answer_tokens)):
            kept = 0
            for tok in toks:
                if reply.delay:
                    await asyncio.sleep(reply.delay)
                if on_delta is not None:
                    on_delta(kind, tok)  # type: ignore[arg-type]
                kept += 1
                generated += 1
                probe = request.probe
                if probe is not None and reply.probes and generated % probe.every == 0:
                    line = reply.probes[min(probe_out, len(reply.probes) - 1)]
                    probe_in += len(scripted_tokens(probe.suffix))
                    probe_out += 1
                    if probe.should_stop(line):
                        stopped_by_probe = True
                        break
            if kind == "thinking":
                thinking_tokens = thinking_tokens[:kept]
            else:
                answer_tokens = answer_tokens[:kept]
            if stopped_by_probe:
                if kind == "thinking":
                    answer_tokens = []
                truncated = False
                break
        input_tokens += probe_in

        conf = reply.confidence
        probs = [conf] if isinstance(conf, (int, float)) else list(conf) or [0.95]
        infos = [_token_info(tok, probs[min(i, len(probs) - 1)]) for i, tok in enumerate(answer_tokens)]
        if reply.tool_calls and not answer_tokens and not truncated:
            # A call written as a grammar-forced local model writes it: its tokens carry the reply's confidence.
            call_tokens = scripted_tokens(_call_text(reply.tool_calls))[: max(budget, 1)]  # no more than the call may write
            infos = [_token_info(tok, probs[min(i, len(probs) - 1)]) for i, tok in enumerate(call_tokens)]
        tool_call_tokens = 0 if truncated else len(reply.tool_calls) * 8
        output_n = min(len(answer_tokens) + tool_call_tokens, request.max_tokens - len(thinking_tokens)) + probe_out
        usage = Usage(
            input_tokens=input_tokens,
            output_tokens=output_n,
            thinking_tokens=len(thinking_tokens),
        )
        usage.cost_usd = self.pricing.cost(input_tokens, usage.output_tokens + usage.thinking_tokens)
        usage.unpriced = not self.pricing.known
        latency = time.perf_counter() - started
        usage.seconds = latency
        return Completion(
            text="".join(answer_tokens).strip(),
            thinking="".join(thinking_tokens).strip(),
            tool_calls=[] if truncated else list(reply.tool_calls),
            usage=usage,
            tokens=infos if (reply.logprobs and request.logprobs) else None,
            finish_reason="length" if truncated else ("tool_calls" if reply.tool_calls else "stop"),
            model=self.name,
        )
