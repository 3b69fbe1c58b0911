"""``LlamaCppModel``: a local GGUF through llama-cpp-python.

Uncertainty comes from the real next-token distribution: after each sampled
token, the logits llama.cpp used for that sample are read in place (a
zero-copy view of the context's last logits row) and reduced to the chosen
token's log-probability, the entropy and the top alternatives. No
``logits_all=True``: nothing is copied per position.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import math
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

from thinkdial.errors import ContextOverflowError, ModelFileError, ModelLoadError
from thinkdial.models.base import (
    CancelToken,
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
from thinkdial.models.local_tools import (
    parse_tool_json,
    plain_chat_messages,
    tool_call_json_schema,
    tools_system_text,
)
from thinkdial.models.thinking import CLOSE_TAG, OPEN_TAG, ThinkSplitter

GpuLayers = int | Literal["auto"]

_LOADED: dict[tuple[Any, ...], tuple[Any, threading.Lock]] = {}
_LOADED_LOCK = threading.Lock()
_WORKERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="thinkdial-llama")
"""Generation threads, apart from asyncio's default executor so that ``asyncio.run`` never waits for a cancelled one."""
CANCEL_GRACE_S = 0.2
"""How long a cancelled call waits for its worker to stop before returning without it."""


def check_gguf(path: Path) -> Path:
    """Fail early, with the fix, when ``path`` is not a readable GGUF file."""
    if not path.exists():
        raise ModelFileError(
            f"Model file not found: {path}.",
            "Pass the path of a .gguf file, or 'embedded' for the built-in model.",
        )
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a model file.", "Pass the path of a .gguf file.")
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic != b"GGUF":
        raise ModelFileError(
            f"{path} is not a GGUF model file.",
            "llama.cpp needs a .gguf file; convert the model or download its GGUF build.",
        )
    return path


_GGUF_STRING = 8


def gguf_chat_template(path: Path, limit: int = 64 << 20) -> str | None:
    """The ``tokenizer.chat_template`` string of a GGUF file, read from its header (None when absent)."""
    key = b"tokenizer.chat_template"
    with path.open("rb") as fh:
        head = fh.read(limit)
    at = head.find(key)
    while at >= 8:
        declared = int.from_bytes(head[at - 8 : at], "little")
        end = at + len(key)
        if declared == len(key) and int.from_bytes(head[end : end + 4], "little") == _GGUF_STRING:
            size = int.from_bytes(head[end + 4 : end + 12], "little")
            return head[end + 12 : end + 12 + size].decode("utf-8", errors="replace")
        at = head.find(key, at + 1)
    return None


def resolve_gpu_layers(n_gpu_layers: GpuLayers) -> int:
    """``"auto"`` means every layer when this llama.cpp build can offload, else none."""
    if n_gpu_layers != "auto":
        return int(n_gpu_layers)
    import llama_cpp

    return -1 if llama_cpp.llama_supports_gpu_offload() else 0


class LlamaCppModel:
    """A local GGUF model run by llama.cpp.

    Args:
        model_path: path of a ``.gguf`` file.
        n_ctx: context window in tokens.
        n_gpu_layers: layers to offload to the GPU; ``-1`` all, ``"auto"`` all when supported.
        n_threads: CPU threads (llama.cpp's default when None).
        pricing: USD per million tokens, for budgets (default free).
        name: display name (the file name by default).
        top_logprobs: alternatives kept per token.
    """


    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        n_ctx: int = 4096,
        n_gpu_layers: GpuLayers = "auto",
        n_threads: int | None = None,
        pricing: Pricing | None = None,
        name: str | None = None,
        top_logprobs: int = 5,
        verbose: bool = False,
    ) -> None:
        self.path = check_gguf(Path(model_path).expanduser())
        self.n_ctx = n_ctx
        self.n_gpu_layers = n_gpu_layers
        self.n_threads = n_threads
        self.pricing = pricing or Pricing()
        self.name = name or self.path.stem
        self.context_window: int | None = n_ctx
        self.top_logprobs = top_logprobs
        self.verbose = verbose
        self._llama: Any = None
        self._lock: threading.Lock | None = None
        self._formatter: Any = None
        self._piece_cache: dict[int, str] = {}
        self._capabilities: ModelCapabilities | None = None

    # -- loading -----------------------------------------------------------

    def load(self) -> None:
        """Load the weights now (otherwise the first call does). Instances with the same settings share one copy."""
        if self._llama is not None:
            return
        try:
            import llama_cpp
        except ImportError as exc:  # pragma: no cover - install problem
            raise ModelLoadError(
                "llama-cpp-python is not installed.", "Install it with: pip install llama-cpp-python"
            ) from exc
        gpu_layers = resolve_gpu_layers(self.n_gpu_layers)
        key = (str(self.path.resolve()), self.n_ctx, gpu_layers, self.n_threads)
        with _LOADED_LOCK:
            if key not in _LOADED:
                try:
                    llama = llama_cpp.Llama(
                        model_path=str(self.path),
                        n_ctx=self.n_ctx,
                        n_gpu_layers=gpu_layers,
                        n_threads=self.n_threads,
                        logits_all=False,
                        verbose=self.verbose,
                    )
                except (ValueError, RuntimeError) as exc:
                    raise ModelLoadError(
                        f"llama.cpp could not load {self.path.name}: {exc}.",
                        "Check that the file is complete and that this llama.cpp build supports its architecture.",
                    ) from exc
                _LOADED[key] = (llama, threading.Lock())
            self._llama, self._lock = _LOADED[key]
        self.gpu_layers = gpu_layers
        self._formatter = self._make_formatter()

    def _make_formatter(self) -> Any:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llama = self._llama
        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            return None
        eos, bos = llama.token_eos(), llama.token_bos()
        return Jinja2ChatFormatter(
            template=template,
            eos_token=llama._model.token_get_text(eos) if eos != -1 else "",
            bos_token=llama._model.token_get_text(bos) if bos != -1 else "",
        )

    @property
    def capabilities(self) -> ModelCapabilities:
        """Logprobs, prefill and probes always; reasoning when the GGUF's chat template thinks in ``<think>`` tags.

        Read from the file's header, without loading the weights. Tools go through a JSON grammar, not natively.
        """
        if self._capabilities is None:
            template = gguf_chat_template(self.path) or ""
            self._capabilities = ModelCapabilities(logprobs=True, prefill=True, probes=True, reasoning=OPEN_TAG in template)
        return self._capabilities

    # -- prompt --------------------------------------------------------------

    def _prompt_text(self, messages: list[Message], tools: list[ToolSpec], allow_answer: bool) -> tuple[str, bool]:
        """The templated prompt, and whether a BOS token must be added in front of it."""
        self.load()
        extra = tools_system_text(tools, allow_answer) if tools else ""
        chat = plain_chat_messages(messages, extra)
        if self._formatter is not None:
            return self._formatter(messages=chat).prompt, False
        return "".join(f"{m['role']}: {m['content']}\n" for m in chat) + "assistant: ", True

    def _prompt_tokens(self, messages: list[Message], tools: list[ToolSpec], allow_answer: bool) -> list[int]:
        text, add_bos = self._prompt_text(messages, tools, allow_answer)
        return self._llama.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)

    def count_tokens(self, messages: list[Message], tools: list[ToolSpec] | None = None) -> int:
        """Exact prompt length in tokens, chat template included."""
        return len(self._prompt_tokens(messages, tools or [], allow_answer=True))

    def _piece(self, token: int) -> str:
        text = self._piece_cache.get(token)
        if text is None:
            text = self._llama.detokenize([token]).decode("utf-8", errors="replace")
            self._piece_cache[token] = text
        return text

    # -- generation ------------------------------------------------------------

    async def complete(self, request: ModelRequest, on_delta: DeltaCallback | None = None) -> Completion:
        """Generate on a worker thread; cancelling the awaiting task stops generation within a token."""
        cancel = CancelToken()
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(_WORKERS, self._complete_blocking, request, on_delta, cancel)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            cancel.cancel()
            # Generation stops within a token; loading the weights or a first decode cannot be interrupted,
            # so the caller is not kept waiting for them: the worker finishes alone (the model's lock keeps
            # the next call behind it) and its result is dropped.
            done, _ = await asyncio.wait({future}, timeout=CANCEL_GRACE_S)
            if not done:
                future.add_done_callback(lambda f: f.cancelled() or f.exception())
            raise

    def complete_sync(
        self, request: ModelRequest, on_delta: DeltaCallback | None = None, cancel: CancelToken | None = None
    ) -> Completion:
        """Blocking twin of :meth:`complete`, for scripts and benchmarks."""
        return self._complete_blocking(request, on_delta, cancel or CancelToken())

    def _complete_blocking(
        self, request: ModelRequest, on_delta: DeltaCallback | None, cancel: CancelToken
    ) -> Completion:
        self.load()
        assert self._lock is not None
        with self._lock:
            return self._generate(request, on_delta, cancel)

    def _generate(self, request: ModelRequest, on_delta: DeltaCallback | None, cancel: CancelToken) -> Completion:
        import llama_cpp
        import numpy as np

        started = time.perf_counter()
        llama = self._llama
        use_tools = bool(request.tools) and request.tool_choice != "none"
        allow_answer = request.tool_choice != "required"
        prompt_text, add_bos = self._prompt_text(request.messages, request.tools if use_tools else [], allow_answer)
        prompt = llama.tokenize(prompt_text.encode("utf-8"), add_bos=add_bos, special=True)
        if request.prefill:
            prompt += llama.tokenize(request.prefill.encode("utf-8"), add_bos=False, special=False)
        lead = prompt_text + request.prefill
        # Reasoning templates often open the thinking block themselves (e.g. "...<think>\n").
        opens_thinking = lead.rfind(OPEN_TAG) > lead.rfind(CLOSE_TAG)
        room = self.n_ctx - len(prompt)
        if room < 1:
            raise ContextOverflowError(
                f"The prompt is {len(prompt)} tokens but {self.name}'s context window is {self.n_ctx}.",
                "Shorten the conversation or load the model with a larger n_ctx.",
            )
        max_tokens = min(request.max_tokens, room)

        grammar = None
        schema = tool_call_json_schema(request.tools, allow_answer) if use_tools else request.json_schema
        if schema is not None:
            grammar = llama_cpp.LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        if request.seed is not None:
            llama.set_seed(request.seed)
        # A request starts from an empty cache: reusing another request's prefix would evaluate this
        # prompt in different batches, and the last bits of the logits (so greedy ties) would depend
        # on what was asked before. Restarts inside this request still continue from its own cache.
        llama.reset()

        n_vocab = llama.n_vocab()
        ctx = llama.ctx
        want_logprobs = request.logprobs
        k = max(1, min(request.top_logprobs, self.top_logprobs)) if want_logprobs else 0
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        splitter = ThinkSplitter()
        splitter.in_thinking = opens_thinking
        infos: list[TokenInfo] = []
        generated: list[int] = []
        thinking_n = 0
        answer_n = 0
        finish: str = "length"
        stop_strings = [s for s in request.stop if s]
        text_so_far = ""

        context = list(prompt)
        forced_close = False
        waits = 0
        probe = request.probe if grammar is None else None
        next_probe = probe.every if probe is not None else 0
        probe_in = probe_out = 0

        def start(tokens: list[int]) -> Any:
            return llama.generate(
                tokens,
                temp=request.temperature,
                top_p=request.top_p,
                top_k=40 if request.temperature > 0 else 1,
                min_p=0.05 if request.temperature > 0 else 0.0,
                repeat_penalty=1.0,
                grammar=grammar,
            )

        def ask_probe(spec: Any) -> str:
            """Decode the probe on top of the cached context; the caller restarts generation after it."""
            nonlocal probe_in, probe_out
            suffix = llama.tokenize(spec.suffix.encode("utf-8"), add_bos=False, special=False)
            probe_in += len(suffix)
            limit = min(spec.max_tokens, max_tokens - thinking_n - answer_n - probe_out)
            probe_gen = llama.generate(context + suffix, temp=0.0, top_k=1, top_p=1.0, min_p=0.0, repeat_penalty=1.0)
            probe_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
            line = ""
            n = 0
            try:
                while n < limit and not cancel.cancelled:
                    token = next(probe_gen)
                    if llama_cpp.llama_vocab_is_eog(llama._model.vocab, token):
                        break
                    n += 1
                    line += probe_decoder.decode(llama.detokenize([token], special=False))
                    if "\n" in line.lstrip():
                        break
            except StopIteration:
                pass
            finally:
                probe_gen.close()
            probe_out += n
            stripped = line.strip()
            return stripped.splitlines()[0] if stripped else ""

        gen = start(context)
        try:
            while True:
                try:
                    token = next(gen)
                except StopIteration:
                    finish = "stop"
                    break
                if cancel.cancelled:
                    finish = "cancelled"
                    break
                if llama_cpp.llama_vocab_is_eog(llama._model.vocab, token):
                    finish = "stop"
                    break
                info = None
                if want_logprobs:
                    logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, -1), shape=(n_vocab,))
                    info = self._token_info(np, logits, token, k)
                generated.append(token)
                context.append(token)
                piece = decoder.decode(llama.detokenize([token], special=True))
                was_thinking = splitter.in_thinking
                pieces = splitter.feed(piece)
                if (
                    was_thinking
                    and not splitter.in_thinking
                    and thinking_n < request.min_thinking
                    and waits < 4
                    and thinking_n + answer_n + 8 < max_tokens
                ):
                    # The model closed its thinking too early: take the close back and make it go on.
                    waits += 1
                    gen.close()
                    context = self._drop_close_tag(context, len(prompt))
                    wait = llama.tokenize(b"\nWait,", add_bos=False, special=False)
                    context.extend(wait)
                    thinking_n += 1 + len(wait)
                    splitter.in_thinking, splitter.closed_thinking = True, False
                    splitter.answer = ""
                    pieces = [(kind, text) for kind, text in pieces if kind == "thinking"] + splitter.feed("\nWait,")
                    for kind, text in pieces:
                        if on_delta is not None:
                            on_delta(kind, text)
                    text_so_far += piece
                    gen = start(context)
                    continue
                if was_thinking or splitter.in_thinking:
                    thinking_n += 1
                else:
                    answer_n += 1
                    if info is not None:
                        infos.append(info)
                for kind, text in pieces:
                    if on_delta is not None:
                        on_delta(kind, text)
                text_so_far += piece
                if stop_strings and any(s in text_so_far[-64:] for s in stop_strings):
                    finish = "stop"
                    break
                if thinking_n + answer_n + probe_out >= max_tokens:
                    break
                if probe is not None and thinking_n + answer_n >= next_probe:
                    next_probe += probe.every
                    gen.close()
                    stop_now = probe.should_stop(ask_probe(probe))
                    if stop_now or cancel.cancelled or thinking_n + answer_n + probe_out >= max_tokens:
                        finish = "cancelled" if cancel.cancelled else ("stop" if stop_now else "length")
                        break
                    if request.seed is not None:
                        llama.set_seed(request.seed + thinking_n + answer_n)
                    # The cache still holds the context; only the last token is evaluated again.
                    gen = start(context)
                    continue
                if (
                    request.thinking_budget is not None
                    and splitter.in_thinking
                    and not forced_close
                    and thinking_n >= request.thinking_budget
                ):
                    # Budget forcing: end the thinking here and make the model answer.
                    # Restarting from the extended context reuses the KV cache for the shared prefix.
                    forced_close = True
                    close = llama.tokenize(f"\n{CLOSE_TAG}\n\n".encode(), add_bos=False, special=True)
                    if thinking_n + answer_n + len(close) >= max_tokens:
                        break
                    gen.close()
                    context.extend(close)
                    thinking_n += len(close)
                    for kind, text in splitter.feed(f"\n{CLOSE_TAG}\n\n"):
                        if on_delta is not None:
                            on_delta(kind, text)
                    gen = start(context)
        finally:
            gen.close()
        for kind, text in splitter.flush():
            if on_delta is not None:
                on_delta(kind, text)

        answer = splitter.answer
        tool_calls: list[ToolCall] = []
        if use_tools and finish != "cancelled":
            answer, tool_calls = parse_tool_json(answer.strip(), call_id=f"call_{len(generated)}_{int(started)}")
            if tool_calls and tool_calls[0].name != "invalid":
                finish = "tool_calls"
        usage = Usage(input_tokens=len(prompt) + probe_in, output_tokens=answer_n + probe_out, thinking_tokens=thinking_n)
        usage.cost_usd = self.pricing.cost(usage.input_tokens, usage.output_tokens + usage.thinking_tokens)
        usage.unpriced = not self.pricing.known
        latency = time.perf_counter() - started
        usage.seconds = latency
        return Completion(
            text=answer.strip(),
            thinking=splitter.thinking.strip(),
            tool_calls=tool_calls,
            usage=usage,
            tokens=infos if want_logprobs else None,
            finish_reason=finish,  # type: ignore[arg-type]
            model=self.name,
        )

    def _drop_close_tag(self, context: list[int], floor: int) -> list[int]:
        """``context`` without the trailing tokens that spell the closing think tag."""
        tail = ""
        cut = len(context)
        while cut > floor and CLOSE_TAG not in tail:
            cut -= 1
            tail = self._llama.detokenize([context[cut]], special=True).decode("utf-8", errors="replace") + tail
        return context[:cut] if CLOSE_TAG in tail else context

    def _token_info(self, np: Any, logits: Any, token: int, k: int) -> TokenInfo:
        top_ids = np.argpartition(logits, -k)[-k:]
        peak = float(logits[top_ids].max())
        shifted = logits - peak
        exp = np.exp(shifted)
        z = float(exp.sum())
        log_z = math.log(z)
        entropy = log_z - float(np.dot(exp, shifted)) / z
        order = top_ids[np.argsort(-logits[top_ids])]
        top = [TokenAlternative(token=self._piece(int(i)), logprob=float(shifted[i]) - log_z) for i in order]
        return TokenInfo(
            token=self._piece(token),
            logprob=float(shifted[token]) - log_z,
            entropy=max(entropy, 0.0),
            top=top,
        )
