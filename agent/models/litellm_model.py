"""``LiteLLMModel``: any API litellm speaks (OpenAI, Anthropic, Gemini, OpenAI-compatible servers).

litellm is imported on first use, with ``LITELLM_LOCAL_MODEL_COST_MAP=True`` set
first so it never fetches its cost map from the network. Transient failures
are retried by tenacity only (litellm's own retries are switched off).
"""

from __future__ import annotations

import json
import math
import os
import time
from typing import Any

from thinkdial.errors import (
    APIUnreachableError,
    AuthenticationError,
    ContextOverflowError,
    ModelCallError,
    UnknownModelError,
)
from thinkdial.models.base import (
    Completion,
    DeltaCallback,
    Message,
    ModelRequest,
    Pricing,
    TokenAlternative,
    TokenInfo,
    ToolCall,
    ToolSpec,
    Usage,
)
from thinkdial.models.thinking import ThinkSplitter

PROMPT_TOKEN_MARGIN = 1.10
"""Prompt counts for remote models are estimates; budgets reserve this factor on top."""


def import_litellm() -> Any:
    """Import litellm offline-safe: its bundled cost map, no telemetry, no retries of its own."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_TELEMETRY", "False")
    import litellm

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    litellm.num_retries = 0
    return litellm


def effort_for_budget(thinking_budget: int) -> str:
    """Map a thinking-token budget to OpenAI-style ``reasoning_effort``."""
    if thinking_budget <= 1024:
        return "low"
    if thinking_budget <= 4096:
        return "medium"
    return "high"


class LiteLLMModel:
    """A model behind litellm.

    Args:
        model: a litellm model name, e.g. ``"openai/gpt-4o-mini"``, ``"anthropic/claude-sonnet-4-5"``,
            or ``"openai/<alias>"`` with ``api_base`` for an OpenAI-compatible server.
        api_base: endpoint URL for self-hosted or proxy servers.
        api_key: key; by default litellm reads the provider's usual environment variable.
        pricing: USD per million tokens; by default from litellm's bundled cost map (0 when unknown).
        timeout: seconds per HTTP request.
        max_retries: tries for transient failures (rate limits, 5xx, timeouts, refused connections).
    """

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        api_key: str | None = None,
        pricing: Pricing | None = None,
        timeout: float = 120.0,
        max_retries: int = 3,
        name: str | None = None,
    ) -> None:
        litellm = import_litellm()
        self.model = model
        self.name = name or model
        self.api_base = api_base
        self.api_key = api_key
        self.timeout = timeout
        self.max_retries = max(1, max_retries)
        try:
            _, self.provider, _, _ = litellm.get_llm_provider(model, api_base=api_base)
        except Exception as exc:  # litellm raises BadRequestError for unknown providers
            raise UnknownModelError(
                f"litellm does not know the model {model!r}.",
                "Use a provider prefix such as 'openai/gpt-4o-mini' or 'anthropic/claude-sonnet-4-5', "
                "or 'openai/<name>' with --api-base for an OpenAI-compatible server.",
            ) from exc
        if api_key is None and api_base is None:
            env = litellm.validate_environment(model=model)
            missing = env.get("missing_keys") or []
            if missing:
                raise AuthenticationError(
                    f"No API key for {model}: {', '.join(missing)} is not set.",
                    f"Set it, e.g. export {missing[0]}=..., or pass api_key=.",
                )
        info = self._model_info(litellm)
        self.context_window: int | None = info.get("max_input_tokens") or None
        self.pricing = pricing or Pricing(
            input_per_mtok=(info.get("input_cost_per_token") or 0.0) * 1e6,
            output_per_mtok=(info.get("output_cost_per_token") or 0.0) * 1e6,
        )
        self.supports_reasoning = bool(info.get("supports_reasoning"))
        params = litellm.get_supported_openai_params(model=model, custom_llm_provider=self.provider) or []
        # OpenAI's reasoning models refuse logprobs even though the provider lists the parameter.
        self.gives_logprobs = "logprobs" in params and not self.supports_reasoning
        self.supports_tools = "tools" in params
        self.supports_prefill = self.provider == "anthropic"
        self._template_overhead = 32

    def _model_info(self, litellm: Any) -> dict[str, Any]:
        try:
            return dict(litellm.get_model_info(self.model, custom_llm_provider=self.provider))
        except Exception:  # noqa: BLE001 - models missing from the cost map are fine
            return {}

    def _raw_count(self, messages: list[Message], tools: list[ToolSpec] | None) -> int:
        litellm = import_litellm()
        try:
            n = litellm.token_counter(model=self.model, messages=self._messages(messages))
        except Exception:  # noqa: BLE001 - fall back to a byte-based upper estimate
            n = sum(len(m.content.encode()) for m in messages) // 3 + 8 * len(messages)
        if tools:
            n += len(json.dumps([t.model_dump() for t in tools])) // 3
        return n

    def count_tokens(self, messages: list[Message], tools: list[ToolSpec] | None = None) -> int:
        """An upper estimate of the prompt: litellm's count plus a margin.

        The server's chat template adds tokens litellm cannot see (a default
        system prompt, role markers), so the margin is 10 % plus the largest
        template overhead observed so far on this model (at least 32 tokens).
        """
        n = self._raw_count(messages, tools)
        return math.ceil(n * PROMPT_TOKEN_MARGIN) + self._template_overhead

    def _observe_prompt(self, request: ModelRequest, reported: int) -> None:
        overhead = reported - self._raw_count(request.messages, request.tools) + 8
        self._template_overhead = max(self._template_overhead, overhead)

    # -- request building ----------------------------------------------------

    @staticmethod
    def _messages(messages: list[Message]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for m in messages:
            item: dict[str, Any] = {"role": m.role, "content": m.content}
            if m.tool_calls:
                item["tool_calls"] = [
                    {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                    for c in m.tool_calls
                ]
            if m.role == "tool":
                item["tool_call_id"] = m.tool_call_id
                if m.name:
                    item["name"] = m.name
            out.append(item)
        return out

    def _kwargs(self, request: ModelRequest) -> dict[str, Any]:
        messages = self._messages(request.messages)
        if request.prefill and self.supports_prefill:
            messages.append({"role": "assistant", "content": request.prefill})
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": request.max_tokens,
            "timeout": self.timeout,
            "num_retries": 0,
        }
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if self.api_key:
            kwargs["api_key"] = self.api_key
        if request.thinking_budget and self.supports_reasoning:
            if self.provider == "anthropic":
                budget = max(1024, min(request.thinking_budget, request.max_tokens - 1))
                kwargs["thinking"] = {"type": "enabled", "budget_tokens": budget}
            else:
                kwargs["reasoning_effort"] = effort_for_budget(request.thinking_budget)
        else:
            kwargs["temperature"] = request.temperature
            if request.top_p < 1.0:
                kwargs["top_p"] = request.top_p
        if request.seed is not None:
            kwargs["seed"] = request.seed
        if request.stop:
            kwargs["stop"] = request.stop
        if request.logprobs and self.gives_logprobs:
            kwargs["logprobs"] = True
            kwargs["top_logprobs"] = request.top_logprobs
        if request.tools and request.tool_choice != "none":
            kwargs["tools"] = [
                {"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}
                for t in request.tools
            ]
            kwargs["tool_choice"] = request.tool_choice
        elif request.json_schema is not None:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": request.json_schema},
            }
        return kwargs

    # -- calling ---------------------------------------------------------------

    async def complete(self, request: ModelRequest, on_delta: DeltaCallback | None = None) -> Completion:
        """One call, streamed when ``on_delta`` is given, retried on transient failures."""
        from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

        litellm = import_litellm()
        kwargs = self._kwargs(request)
        transient = (
            litellm.exceptions.RateLimitError,
            litellm.exceptions.InternalServerError,
            litellm.exceptions.ServiceUnavailableError,
            litellm.exceptions.Timeout,
            litellm.exceptions.APIConnectionError,
        )
        started = time.perf_counter()
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.max_retries),
                wait=wait_exponential(multiplier=0.25, max=4.0),
                retry=retry_if_exception(lambda e: isinstance(e, transient)),
                reraise=True,
            ):
                with attempt:
                    if on_delta is None:
                        response = await litellm.acompletion(**kwargs)
                        completion = self._from_response(response, started)
                        self._observe_prompt(request, completion.usage.input_tokens)
                        return completion
                    streamed = await self._stream(litellm, kwargs, on_delta, started)
                    return self._with_usage_floor(streamed, request)
        except Exception as exc:  # noqa: BLE001 - translated below
            raise self._translate(litellm, exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _with_usage_floor(self, completion: Completion, request: ModelRequest) -> Completion:
        """Streamed usage may be litellm's own estimate when the server sends none: never book
        less than our prompt estimate or the tokens we saw, so the ledger cannot under-count."""
        u = completion.usage
        seen = len(completion.tokens) if completion.tokens else 0
        input_n = max(u.input_tokens, self.count_tokens(request.messages, request.tools))
        output_n = max(u.output_tokens, seen)
        if (input_n, output_n) == (u.input_tokens, u.output_tokens):
            return completion
        usage = u.model_copy(
            update={
                "input_tokens": input_n,
                "output_tokens": output_n,
                "cost_usd": self.pricing.cost(input_n, output_n + u.thinking_tokens),
            }
        )
        return completion.model_copy(update={"usage": usage})

    def _translate(self, litellm: Any, exc: Exception) -> Exception:
        ex = litellm.exceptions
        where = self.api_base or self.provider
        if isinstance(exc, ex.ContextWindowExceededError):
            return ContextOverflowError(
                f"The prompt does not fit {self.model}'s context window.", "Shorten the conversation."
            )
        if isinstance(exc, ex.AuthenticationError):
            return AuthenticationError(
                f"{where} rejected the API key for {self.model}.", "Check the key (api_key= or the provider's env variable)."
            )
        if isinstance(exc, ex.NotFoundError):
            return UnknownModelError(f"{where} has no model {self.model!r}.", "Check the model name.")
        refused = isinstance(exc, ex.InternalServerError) and "connection error" in str(exc).lower()
        if refused or isinstance(exc, (ex.APIConnectionError, ex.Timeout)):
            return APIUnreachableError(
                f"Cannot reach the API at {where} for {self.model} ({type(exc).__name__}).",
                "Check that the server is running and the api_base URL, or your network.",
            )
        message = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        return ModelCallError(f"The call to {self.model} failed: {message}", "")

    def _from_response(self, response: Any, started: float) -> Completion:
        choice = response.choices[0]
        message = choice.message
        splitter = ThinkSplitter()
        splitter.feed(message.content or "")
        splitter.flush()
        thinking = (getattr(message, "reasoning_content", None) or "") + splitter.thinking
        tool_calls = [
            ToolCall(id=c.id or f"call_{i}", name=c.function.name or "", arguments=c.function.arguments or "{}")
            for i, c in enumerate(message.tool_calls or [])
        ]
        tokens = self._tokens(getattr(choice, "logprobs", None))
        return self._completion(splitter.answer, thinking, tool_calls, tokens, choice.finish_reason, response.usage, started)

    async def _stream(self, litellm: Any, kwargs: dict[str, Any], on_delta: DeltaCallback, started: float) -> Completion:
        stream = await litellm.acompletion(**kwargs, stream=True, stream_options={"include_usage": True})
        splitter = ThinkSplitter()
        reasoning = ""
        tokens: list[TokenInfo] = []
        saw_logprobs = False
        calls: dict[int, dict[str, str]] = {}
        finish = None
        usage = None
        async for chunk in stream:
            if getattr(chunk, "usage", None):
                usage = chunk.usage
            if not chunk.choices:
                continue
            choice = chunk.choices[0]
            delta = choice.delta
            finish = choice.finish_reason or finish
            piece = getattr(delta, "reasoning_content", None)
            if piece:
                reasoning += piece
                on_delta("thinking", piece)
            for kind, text in splitter.feed(delta.content or ""):
                on_delta(kind, text)
            for c in getattr(delta, "tool_calls", None) or []:
                slot = calls.setdefault(c.index or 0, {"id": "", "name": "", "arguments": ""})
                slot["id"] = c.id or slot["id"]
                if c.function is not None:
                    slot["name"] += c.function.name or ""
                    slot["arguments"] += c.function.arguments or ""
            chunk_tokens = self._tokens(getattr(choice, "logprobs", None))
            if chunk_tokens is not None:
                saw_logprobs = True
                tokens.extend(chunk_tokens)
        for kind, text in splitter.flush():
            on_delta(kind, text)
        tool_calls = [
            ToolCall(id=v["id"] or f"call_{i}", name=v["name"], arguments=v["arguments"] or "{}")
            for i, v in sorted(calls.items())
        ]
        return self._completion(
            splitter.answer, reasoning + splitter.thinking, tool_calls, tokens if saw_logprobs else None, finish, usage, started
        )

    def _completion(
        self,
        answer: str,
        thinking: str,
        tool_calls: list[ToolCall],
        tokens: list[TokenInfo] | None,
        finish: str | None,
        usage: Any,
        started: float,
    ) -> Completion:
        prompt_n = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion_n = int(getattr(usage, "completion_tokens", 0) or 0)
        details = getattr(usage, "completion_tokens_details", None)
        thinking_n = int(getattr(details, "reasoning_tokens", 0) or 0) if details else 0
        latency = time.perf_counter() - started
        u = Usage(
            input_tokens=prompt_n,
            output_tokens=max(completion_n - thinking_n, 0),
            thinking_tokens=thinking_n,
            cost_usd=self.pricing.cost(prompt_n, completion_n),
            seconds=latency,
        )
        reason = {"stop": "stop", "length": "length", "tool_calls": "tool_calls"}.get(finish or "stop", "stop")
        return Completion(
            text=answer.strip(),
            thinking=thinking.strip(),
            tool_calls=tool_calls,
            usage=u,
            latency_s=latency,
            tokens=tokens,
            finish_reason=reason,  # type: ignore[arg-type]
            model=self.name,
        )

    @staticmethod
    def _tokens(logprobs: Any) -> list[TokenInfo] | None:
        content = getattr(logprobs, "content", None) if logprobs is not None else None
        if content is None and isinstance(logprobs, dict):
            content = logprobs.get("content")
        if not content:
            return None
        out = []
        for item in content:
            get = item.get if isinstance(item, dict) else lambda k, _i=item: getattr(_i, k, None)
            top_raw = get("top_logprobs") or []
            top = [
                TokenAlternative(
                    token=(t.get("token") if isinstance(t, dict) else t.token) or "",
                    logprob=float(t.get("logprob") if isinstance(t, dict) else t.logprob),
                )
                for t in top_raw
            ]
            out.append(TokenInfo(token=get("token") or "", logprob=float(get("logprob") or 0.0), top=top))
        return out
