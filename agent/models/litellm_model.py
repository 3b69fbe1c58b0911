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
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from thinkdial.errors import (
    APIUnreachableError,
    AuthenticationError,
    ContextOverflowError,
    InvalidResponseError,
    LocalCallError,
    ModelCallError,
    RateLimitedError,
    ResponseTimeoutError,
    StreamInterruptedError,
    ThinkdialError,
    UnknownModelError,
    UsageAboveLimitError,
)
from thinkdial.models.base import (
    Completion,
    DeltaCallback,
    FinishReason,
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
from thinkdial.models.knobs import ThinkingKnobs, effort_for
from thinkdial.models.thinking import ThinkSplitter
from thinkdial.text import encodable

PROMPT_TOKEN_MARGIN = 1.10
"""Prompt counts for remote models are estimates; budgets reserve this factor on top."""

MIN_TEMPLATE_OVERHEAD = 32
"""Tokens reserved on top of every remote prompt for the server's chat template until a larger one is seen."""

NO_KEY = "sk-no-key"
"""Placeholder key sent to an ``api_base`` server when no key is configured (self-hosted servers ignore it)."""

DEFAULT_TIMEOUT = 60.0
"""Seconds a server may stay silent before a call fails (a server that never answers fails in this time)."""

MAX_RETRY_AFTER = 60.0
"""Longest ``Retry-After`` honoured; a server asking for more fails the call at once with its wait in the message."""


LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy")
"""The loggers litellm writes to stderr through its own handler."""

DEBUG_ENV = "THINKDIAL_DEBUG"
"""Set (to anything but ``""`` or ``0``) to let litellm's own log lines through; ``thinkdial --debug`` sets it."""


def litellm_logs_wanted() -> bool:
    """Whether the user asked for litellm's log lines: ``THINKDIAL_DEBUG``, or litellm's own ``LITELLM_LOG``."""
    return os.environ.get(DEBUG_ENV, "") not in ("", "0") or bool(os.environ.get("LITELLM_LOG"))


def quiet_litellm_logs() -> None:
    """Keep litellm's log lines off stderr unless debug output was asked for (:func:`litellm_logs_wanted`).

    thinkdial reports every failure itself, in one line; litellm's own warnings (``LoggingWorker: event
    loop changed ...`` from the second ``run_sync`` in a process on, cost-map notes) are noise to a user.
    Idempotent; safe before litellm is imported (the loggers are created here and litellm adds its handler).
    """
    import logging

    level = logging.NOTSET if litellm_logs_wanted() else logging.CRITICAL
    for name in LITELLM_LOGGERS:
        logger = logging.getLogger(name)
        if level == logging.NOTSET:
            if logger.level == logging.CRITICAL:  # quieted earlier by us: let the records through again
                logger.setLevel(logging.NOTSET)
        else:
            logger.setLevel(level)


def import_litellm() -> Any:
    """Import litellm offline-safe and quiet: its bundled cost map, no telemetry, no retries or log lines of its own."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_TELEMETRY", "False")
    quiet_litellm_logs()
    import litellm

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    litellm.num_retries = 0
    return litellm


def map_pricing(info: dict[str, Any], cost_map: dict[str, Any]) -> Pricing:
    """A model's prices from its litellm cost-map entry; unknown when the map has no entry (or no price) for it.

    ``litellm.get_model_info`` answers for a model missing from the map too (a newer Anthropic or Gemini
    model gets its provider's defaults, with prices of 0): only an entry whose ``key`` is in ``cost_map``
    is a price.
    """
    per_input, per_output = info.get("input_cost_per_token"), info.get("output_cost_per_token")
    if info.get("key") not in cost_map or per_input is None or per_output is None:
        return Pricing.unknown()
    return Pricing(input_per_mtok=float(per_input) * 1e6, output_per_mtok=float(per_output) * 1e6)


def effort_for_budget(thinking_budget: int) -> str:
    """Map a thinking-token budget to OpenAI-style ``reasoning_effort``: the default levels
    (256 / 1024 / 4096 thinking tokens) become ``low`` / ``medium`` / ``high`` (see :mod:`thinkdial.models.knobs`)."""
    return effort_for(thinking_budget)


class LiteLLMModel:
    """A model behind litellm.

    Args:
        model: a litellm model name, e.g. ``"openai/gpt-4o-mini"``, ``"anthropic/claude-sonnet-4-5"``,
            or ``"openai/<alias>"`` with ``api_base`` for an OpenAI-compatible server.
        api_base: endpoint URL for self-hosted or proxy servers.
        api_key: key; by default litellm reads the provider's usual environment variable.
        pricing: USD per million tokens; by default from litellm's bundled cost map. A model the map does not
            list has no known price (``Pricing.unknown()``): a run with a dollar ceiling refuses it until it is
            priced here (``Pricing.free()`` declares it free).
        timeout: seconds the server may stay silent (connect, or between bytes of the answer) before the
            call fails; a streamed answer may take longer as long as tokens keep arriving.
        max_retries: tries for failures that cannot have been billed (refused connections, HTTP 429, 5xx).
        prompt_overhead: tokens the server adds to every prompt that litellm's counter cannot see
            (a hidden system prompt, a chat template). Learned from the usage each call reports;
            declare it when known so the ceiling also holds on the very first call.
        capabilities: what the model can do, when litellm's model map does not know it (a self-hosted
            reasoning model, say: ``ModelCapabilities(reasoning=True)``); by default read from the map.
    """

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        api_key: str | None = None,
        pricing: Pricing | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        name: str | None = None,
        prompt_overhead: int = 0,
        capabilities: ModelCapabilities | None = None,
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
        if api_key is None:
            env = litellm.validate_environment(model=model)
            missing = env.get("missing_keys") or []
            if missing and api_base is None:
                raise AuthenticationError(
                    f"No API key for {model}: {', '.join(missing)} is not set.",
                    f"Set it, e.g. export {missing[0]}=..., or pass api_key=.",
                )
            if missing:
                # A self-hosted server usually needs no key, but the OpenAI client refuses to send a request
                # without one: send a placeholder (a server that does check it answers 401, reported as such).
                self.api_key = NO_KEY
        info = self._model_info(litellm)
        self.context_window: int | None = info.get("max_input_tokens") or None
        if pricing is not None and not isinstance(pricing, Pricing):
            raise TypeError(f"LiteLLMModel(pricing=...) takes a Pricing, not {type(pricing).__name__}: {pricing!r}")
        self.pricing: Pricing = pricing if pricing is not None else map_pricing(info, litellm.model_cost)
        self.supports_reasoning = bool(info.get("supports_reasoning"))
        self.knobs = ThinkingKnobs.for_model(model, self.provider, info, listed=info.get("key") in litellm.model_cost)
        """How this model takes a thinking budget on the wire (its provider family's knob)."""
        params = litellm.get_supported_openai_params(model=model, custom_llm_provider=self.provider) or []
        self._params = frozenset(params)
        """The OpenAI-style parameters litellm takes for this model (it refuses others: Anthropic has no ``seed``)."""
        # OpenAI's reasoning models refuse logprobs even though the provider lists the parameter.
        self.gives_logprobs = "logprobs" in params and not self.supports_reasoning
        self.supports_tools = "tools" in params
        self.supports_prefill = self.provider == "anthropic"
        if capabilities is not None:
            # Declared by the caller (a self-hosted model litellm's map does not know): these win.
            self.supports_reasoning, self.gives_logprobs = capabilities.reasoning, capabilities.logprobs
            self.supports_tools, self.supports_prefill = capabilities.tools, capabilities.prefill
        self._template_overhead = max(MIN_TEMPLATE_OVERHEAD, int(prompt_overhead))

    @property
    def capabilities(self) -> ModelCapabilities:
        """Declared from litellm's model map: tools, reasoning, logprobs; prefill on Anthropic; never probes."""
        return ModelCapabilities(
            tools=self.supports_tools, reasoning=self.supports_reasoning, prefill=self.supports_prefill,
            logprobs=self.gives_logprobs,
        )

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
        if self.supports_reasoning:
            # The family's own knob for this budget (none asked: its lowest setting); see thinkdial.models.knobs.
            kwargs.update(self.knobs.params(request.thinking_budget, request.max_tokens))
        else:
            # Reasoning models refuse sampling parameters; they answer without them.
            kwargs["temperature"] = request.temperature
            if request.top_p < 1.0 and "top_p" in self._params:
                kwargs["top_p"] = request.top_p
        if request.seed is not None and "seed" in self._params:
            kwargs["seed"] = request.seed
        if request.stop and "stop" in self._params:
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
        """One call, streamed when ``on_delta`` is given.

        Only failures that cannot have been billed are retried (tenacity is the
        one retry layer): connection refused or not established, HTTP 429 and
        5xx status answers. ``Retry-After`` is honoured (up to
        :data:`MAX_RETRY_AFTER` seconds). A failure after the request reached the
        server raises a :class:`~thinkdial.errors.BilledCallError` carrying the
        usage to book; a local failure (a missing package, a bug) raises
        :class:`~thinkdial.errors.LocalCallError` and is never retried.
        """
        from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

        litellm = import_litellm()
        kwargs = self._kwargs(request)
        started = time.perf_counter()
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(self.max_retries),
            wait=_wait_for_retry,
            retry=retry_if_exception(lambda e: bool(getattr(e, "retryable", False))),
            reraise=True,
        ):
            with attempt:
                progress = _Progress()
                try:
                    if on_delta is None:
                        response = await litellm.acompletion(**kwargs)
                        completion = self._from_response(response, started)
                        self._observe_prompt(request, completion.usage.input_tokens)
                    else:
                        completion = await self._stream(litellm, kwargs, on_delta, started, progress)
                        if completion.usage.input_tokens:
                            self._observe_prompt(request, completion.usage.input_tokens)
                        if not progress.finished:
                            raise StreamInterruptedError(
                                f"The stream from {self.model} ended before the answer was complete "
                                f"(no finish_reason after {progress.chunks} chunks).",
                                "The server or a proxy cut the answer; the partial text is not used."
                                if progress.chunks
                                else "Nothing usable arrived: check that api_base is an OpenAI-compatible server.",
                                usage=self._seen_usage(request, progress, started),
                                partial=progress.text,
                            )
                        completion = self._with_usage_floor(completion, request)
                except ThinkdialError:
                    raise
                except Exception as exc:  # noqa: BLE001 - translated below
                    raise self._translate(litellm, exc, request, progress, started) from exc
                self._check_usage(completion, request)
                return completion
        raise AssertionError("unreachable")  # pragma: no cover

    def _check_usage(self, completion: Completion, request: ModelRequest) -> None:
        """Stop a run whose server reports more output tokens than it was allowed to generate."""
        u = completion.usage
        generated = u.output_tokens + u.thinking_tokens
        if generated > request.max_tokens:
            raise UsageAboveLimitError(
                f"{self.api_base or self.provider} reported {generated} output tokens for {self.model} "
                f"although max_tokens was {request.max_tokens}.",
                "The server does not honour max_tokens (or mis-reports usage); the run stops so the ceiling holds.",
                usage=u,
            )

    def _seen_usage(self, request: ModelRequest, progress: _Progress, started: float) -> Usage:
        """What a call that failed mid-stream was billed, at least: the prompt and the tokens that arrived."""
        prompt = self.count_tokens(request.messages, request.tools)
        out = progress.tokens
        if progress.text:
            out = max(out, self._text_tokens(progress.text))
        return Usage(
            input_tokens=prompt,
            output_tokens=out,
            cost_usd=self.pricing.cost(prompt, out),
            seconds=time.perf_counter() - started,
            unpriced=not self.pricing.known,
        )

    def _worst_usage(self, request: ModelRequest, started: float) -> Usage:
        """The reserved worst case of a call whose outcome is unknown: its prompt and its whole max_tokens."""
        prompt = self.count_tokens(request.messages, request.tools)
        return Usage(
            input_tokens=prompt,
            output_tokens=request.max_tokens,
            cost_usd=self.pricing.cost(prompt, request.max_tokens),
            seconds=time.perf_counter() - started,
            unpriced=not self.pricing.known,
        )

    def _text_tokens(self, text: str) -> int:
        litellm = import_litellm()
        try:
            return int(litellm.token_counter(model=self.model, text=text))
        except Exception:  # noqa: BLE001 - a byte-based upper estimate
            return len(text.encode()) // 3 + 1

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

    def _translate(
        self, litellm: Any, exc: Exception, request: ModelRequest, progress: _Progress, started: float
    ) -> ThinkdialError:
        """Name what actually failed; mark only unbilled, transient failures as retryable."""
        ex = litellm.exceptions
        where = self.api_base or self.provider
        chain = _chain(exc)
        root = chain[-1]
        status = _status(chain)
        if isinstance(exc, ex.ContextWindowExceededError):
            return ContextOverflowError(
                f"The prompt does not fit {self.model}'s context window.", "Shorten the conversation."
            )
        if isinstance(exc, ex.AuthenticationError) or status in (401, 403):
            return AuthenticationError(
                f"{where} rejected the API key for {self.model}.", "Check the key (api_key= or the provider's env variable)."
            )
        if isinstance(exc, ex.NotFoundError) or status == 404:
            return UnknownModelError(f"{where} has no model {self.model!r}.", "Check the model name.")
        if progress.chunks:  # the server was generating: what streamed was billed, and is not an answer
            return StreamInterruptedError(
                f"The stream from {self.model} broke after {progress.chunks} chunks: {_describe(root)}.",
                "The partial answer is not used; the tokens that streamed are counted.",
                usage=self._seen_usage(request, progress, started),
                partial=progress.text,
            )
        if status == 429 or isinstance(exc, ex.RateLimitError):
            wait = _retry_after(chain)
            err: ThinkdialError = RateLimitedError(
                f"{where} rate-limited the call to {self.model} (HTTP 429"
                + (f", Retry-After {wait:g} s" if wait is not None else "")
                + ").",
                "Wait and try again, or lower the request rate.",
            )
            _mark_retry(err, wait is None or wait <= MAX_RETRY_AFTER, wait)
            return err
        if status is not None and status >= 500:
            wait = _retry_after(chain)
            err = ModelCallError(f"{where} answered HTTP {status} for {self.model}: {_describe(root)}.", "")
            _mark_retry(err, wait is None or wait <= MAX_RETRY_AFTER, wait)
            return err
        local = _local_cause(chain)
        if local is not None:
            hint = ""
            if isinstance(local, ImportError):
                missing = (getattr(local, "name", None) or "the missing package").split(".")[0]
                hint = f"litellm needs the package {missing!r} for this call: pip install {missing}"
            return LocalCallError(
                f"The call to {self.model} failed on this machine, not on the network: {_describe(local)}.",
                hint or "This is a bug or a bad argument, not a server problem (run with --debug for the traceback).",
            )
        if _has(chain, _TIMEOUT_NAMES):
            if _has(chain, ("ConnectTimeout", "ServerTimeoutError")) and not _has(chain, ("ReadTimeout",)):
                err = APIUnreachableError(
                    f"Cannot reach the API at {where} for {self.model} (no connection within {self.timeout:g} s).",
                    "Check that the server is running and the api_base URL, or your network.",
                )
                _mark_retry(err, True, None)
                return err
            usage = self._seen_usage(request, progress, started) if progress.streaming else self._worst_usage(request, started)
            return ResponseTimeoutError(
                f"{where} took the request for {self.model} but sent nothing for {self.timeout:g} s.",
                "The server is stuck or overloaded; raise timeout= if it is just slow. "
                "The call's worst case is counted, since the server may have generated it.",
                usage=usage,
            )
        if _has(chain, _CONNECT_NAMES):
            err = APIUnreachableError(
                f"Cannot reach the API at {where} for {self.model} ({_describe(root)}).",
                "Check that the server is running and the api_base URL, or your network.",
            )
            _mark_retry(err, True, None)
            return err
        if _has(chain, _DROPPED_NAMES):
            usage = self._seen_usage(request, progress, started) if progress.streaming else self._worst_usage(request, started)
            return StreamInterruptedError(
                f"The connection to {where} dropped before {self.model}'s answer arrived: {_describe(root)}.",
                "Try again; the call's spend is counted.",
                usage=usage,
            )
        if "invalid response" in str(exc).lower() or _has(chain, ("JSONDecodeError",)):
            body = str(root).split("Received:", 1)[-1].strip()[:120]
            return InvalidResponseError(
                f"{where} answered the call to {self.model} with something that is not a chat completion: {body}",
                "Check the api_base URL (a proxy or web page may be answering instead of the model server).",
            )
        return ModelCallError(f"The call to {self.model} failed: {_describe(root)}", "")

    def _from_response(self, response: Any, started: float) -> Completion:
        choice = response.choices[0]
        message = choice.message
        splitter = ThinkSplitter()
        splitter.feed(message.content or "")
        splitter.flush()
        thinking = (getattr(message, "reasoning_content", None) or "") + splitter.thinking
        tool_calls = [
            ToolCall(id=c.id or f"call_{i}", name=encodable(c.function.name or ""), arguments=encodable(c.function.arguments or "{}"))
            for i, c in enumerate(message.tool_calls or [])
        ]
        tokens = self._tokens(getattr(choice, "logprobs", None))
        return self._completion(splitter.answer, thinking, tool_calls, tokens, choice.finish_reason, response.usage, started)

    async def _stream(
        self, litellm: Any, kwargs: dict[str, Any], on_delta: DeltaCallback, started: float, progress: _Progress
    ) -> Completion:
        progress.streaming = True
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
            if piece or delta.content or getattr(delta, "tool_calls", None):
                progress.chunks += 1
            if piece:
                reasoning += piece
                progress.text += piece
                on_delta("thinking", encodable(piece))
            progress.text += delta.content or ""
            for kind, text in splitter.feed(delta.content or ""):
                on_delta(kind, encodable(text))
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
                progress.tokens = len(tokens)
        # litellm invents finish_reason="stop" when a stream just ends; ask its wrapper what the server sent.
        if hasattr(stream, "received_finish_reason"):
            progress.finished = bool(stream.received_finish_reason or getattr(stream, "intermittent_finish_reason", None))
        else:  # pragma: no cover - other litellm versions
            progress.finished = finish is not None
        for kind, text in splitter.flush():
            on_delta(kind, encodable(text))
        tool_calls = [
            ToolCall(id=v["id"] or f"call_{i}", name=encodable(v["name"]), arguments=encodable(v["arguments"] or "{}"))
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
            unpriced=not self.pricing.known,
        )
        reasons: dict[str, FinishReason] = {"stop": "stop", "length": "length", "tool_calls": "tool_calls"}
        reason = reasons.get(finish or "stop", "stop")
        return Completion(
            text=encodable(answer.strip()),  # a JSON "\ud800" escape from the server has no UTF-8 form
            thinking=encodable(thinking.strip()),
            tool_calls=tool_calls,
            usage=u,
            tokens=tokens,
            finish_reason=reason,
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
                    logprob=float((t.get("logprob") if isinstance(t, dict) else t.logprob) or 0.0),
                )
                for t in top_raw
            ]
            out.append(TokenInfo(token=get("token") or "", logprob=float(get("logprob") or 0.0), top=top))
        return out


# -- failure classification (module level so it is testable without a server) ---------------------


@dataclass
class _Progress:
    """What one attempt received before it ended: decides whether a failure was billed."""

    streaming: bool = False
    chunks: int = 0
    tokens: int = 0
    text: str = ""
    finished: bool = False


_CONNECT_NAMES = ("ConnectError", "ClientConnectorError", "ConnectionRefusedError", "gaierror", "ClientConnectorDNSError")
_TIMEOUT_NAMES = ("ReadTimeout", "ConnectTimeout", "TimeoutException", "SocketTimeoutError", "ServerTimeoutError",
                  "APITimeoutError", "TimeoutError")
_DROPPED_NAMES = ("ReadError", "RemoteProtocolError", "ClientPayloadError", "ServerDisconnectedError",
                  "ConnectionResetError", "IncompleteRead", "TransferEncodingError")
_LOCAL_TYPES: tuple[type[BaseException], ...] = (
    ImportError, TypeError, AttributeError, NameError, AssertionError, NotImplementedError, RecursionError,
    SyntaxError, UnboundLocalError,
)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes/contexts, outermost first (litellm wraps the real failure)."""
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in out and len(out) < 20:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


def _has(chain: list[BaseException], names: tuple[str, ...]) -> bool:
    """Whether any exception in the chain has one of these class names (or inherits one)."""
    return any(k.__name__ in names for e in chain for k in type(e).__mro__)


def _local_cause(chain: list[BaseException]) -> BaseException | None:
    """The innermost local failure (a missing import, a bug), unless the chain shows a network failure."""
    if _has(chain, _CONNECT_NAMES + _TIMEOUT_NAMES + _DROPPED_NAMES):
        return None
    for e in reversed(chain):
        if isinstance(e, _LOCAL_TYPES):
            return e
    return None


def _status(chain: list[BaseException]) -> int | None:
    """The HTTP status the server answered with, if any exception in the chain knows it."""
    # litellm's own exceptions carry a made-up status_code (500 for a timeout, for a non-JSON 200):
    # trust only the HTTP layer's (the OpenAI client's APIStatusError, httpx's HTTPStatusError).
    for e in chain:
        if type(e).__module__.split(".")[0] not in ("openai", "httpx"):
            continue
        if not any(k.__name__ in ("APIStatusError", "HTTPStatusError") for k in type(e).__mro__):
            continue
        code = getattr(getattr(e, "response", None), "status_code", None)
        if isinstance(code, int) and 100 <= code < 600:
            return code
    return None


def _retry_after(chain: list[BaseException]) -> float | None:
    """Seconds from a ``Retry-After`` (or ``retry-after-ms``) header anywhere in the chain."""
    for e in chain:
        for headers in (getattr(e, "litellm_response_headers", None), getattr(getattr(e, "response", None), "headers", None)):
            if not headers:
                continue
            try:
                ms = headers.get("retry-after-ms")
                if ms is not None:
                    return max(float(ms) / 1000.0, 0.0)
                value = headers.get("retry-after")
            except AttributeError:
                continue
            if not isinstance(value, str):
                continue
            try:
                return max(float(value), 0.0)
            except ValueError:
                try:
                    return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
                except (TypeError, ValueError):
                    continue
    return None


def _mark_retry(err: Exception, retryable: bool, wait: float | None) -> None:
    """Tag a translated error for the tenacity predicate and wait function."""
    setattr(err, "retryable", retryable)  # noqa: B010 - plain attributes on an exception instance
    setattr(err, "retry_after", wait)  # noqa: B010


def _wait_for_retry(retry_state: Any) -> float:
    """tenacity wait: the server's ``Retry-After`` when it gave one, else exponential backoff (0.25 s doubling, max 4 s)."""
    outcome = retry_state.outcome
    exc = outcome.exception() if outcome is not None else None
    wait = getattr(exc, "retry_after", None)
    if wait is not None:
        return float(min(wait, MAX_RETRY_AFTER))
    return float(min(0.25 * 2 ** (retry_state.attempt_number - 1), 4.0))


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
