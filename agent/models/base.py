"""The model protocol and the data every backend returns.

A backend is one object with one async method, ``complete``: it takes a
:class:`ModelRequest` and returns a :class:`Completion`. Everything else in
thinkdial (controller, signals, budget ledger, UI) works on these types only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant", "tool"]
DeltaKind = Literal["answer", "thinking"]
FinishReason = Literal["stop", "length", "tool_calls", "cancelled"]


class TokenAlternative(BaseModel):
    """One candidate from the next-token distribution."""

    token: str
    logprob: float


class TokenInfo(BaseModel):
    """Uncertainty data for one generated token."""

    token: str
    logprob: float
    """Log-probability of the chosen token."""
    entropy: float | None = None
    """Entropy (nats) of the full next-token distribution, when the backend saw it."""
    top: list[TokenAlternative] = Field(default_factory=list)
    """Most likely alternatives, best first (may include the chosen token)."""


class ToolCall(BaseModel):
    """A tool call the model asked for. ``arguments`` is the raw JSON text."""

    id: str
    name: str
    arguments: str = "{}"


class ToolSpec(BaseModel):
    """A tool as a model sees it: name, description and JSON schema of the arguments."""

    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    offered: dict[str, list[str]] = Field(default_factory=dict)
    """Values string arguments can usefully take now (``Tool.offers``): a local tool grammar allows only these."""


class Message(BaseModel):
    """One chat message."""

    role: Role
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None


class Usage(BaseModel):
    """Tokens, money and time spent. Thinking tokens are billed as output tokens."""

    input_tokens: int = 0
    output_tokens: int = 0
    """Answer tokens (excluding thinking)."""
    thinking_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    unpriced: bool = False
    """Some of these tokens have no known price (``cost_usd`` counts them as free): a dollar ceiling refuses them."""

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.thinking_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            thinking_tokens=self.thinking_tokens + other.thinking_tokens,
            cost_usd=self.cost_usd + other.cost_usd,
            seconds=self.seconds + other.seconds,
            unpriced=self.unpriced or other.unpriced,
        )


class Completion(BaseModel):
    """What one model call produced."""

    text: str = ""
    thinking: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    tokens: list[TokenInfo] | None = None
    """Per-token uncertainty for the answer tokens; None when the backend gives none."""
    finish_reason: FinishReason = "stop"
    model: str = ""


class Probe(BaseModel):
    """Ask, mid-generation, what the answer would be if the model stopped thinking now.

    Every ``every`` generated tokens the model appends ``suffix`` to what it has
    written, decodes up to ``max_tokens`` greedy tokens (one line), removes them
    again and calls ``should_stop`` with that line; ``True`` ends the generation.
    A probe continues the cached context, so it costs its suffix and its own
    tokens, never a re-read of the prompt. Only models whose capabilities
    include ``probes`` honour it.
    """

    every: int = Field(gt=0)
    suffix: str
    max_tokens: int = Field(default=12, gt=0)
    should_stop: Callable[[str], bool] = Field(exclude=True)


class ModelRequest(BaseModel):
    """One call's inputs. ``max_tokens`` bounds answer plus thinking tokens."""

    messages: list[Message]
    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int | None = None
    stop: list[str] = Field(default_factory=list)
    tools: list[ToolSpec] = Field(default_factory=list)
    tool_choice: Literal["auto", "required", "none"] = "auto"
    json_schema: dict[str, Any] | None = None
    """Constrain the answer to JSON of this schema (grammar locally, response_format remotely)."""
    thinking_budget: int | None = None
    """Thinking tokens the model may spend natively; None asks for no native thinking."""
    min_thinking: int = 0
    """Local reasoning models: when thinking ends before this many tokens, append "Wait," and go on."""
    logprobs: bool = True
    top_logprobs: int = 5
    prefill: str = ""
    """Text the reply starts with; the model continues it (only where ``supports_prefill``)."""
    probe: Probe | None = None
    """Probe for the answer while generating (only where the model supports probes)."""


class Pricing(BaseModel):
    """USD per million tokens.

    ``known=False`` says no price is known (a remote model missing from litellm's cost map and priced by
    nobody): :meth:`cost` then returns 0, and a run with a dollar ceiling refuses the model rather than
    count it as free. ``Pricing()`` (both prices 0) is a declared free model; :meth:`free` spells it out.
    """

    model_config = ConfigDict(frozen=True)

    input_per_mtok: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    output_per_mtok: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    known: bool = True
    """False when nobody priced the model: its spend cannot be held to a dollar ceiling."""

    @classmethod
    def free(cls) -> Pricing:
        """A model declared free (a self-hosted server you do not pay per token)."""
        return cls()

    @classmethod
    def unknown(cls) -> Pricing:
        """No price is known: counted as 0, refused under a dollar ceiling."""
        return cls(known=False)

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """USD for these tokens (0 when the price is unknown: check :attr:`known`)."""
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok) / 1e6


DeltaCallback = Callable[[DeltaKind, str], None]
"""Called with each streamed piece of text as it is generated (may run on a worker thread)."""


class ModelCapabilities(BaseModel):
    """What a model can do, declared by the model (cheap to read, never probed by calling it)."""

    model_config = ConfigDict(frozen=True)

    tools: bool = False
    """Takes tool definitions natively and returns tool calls."""
    reasoning: bool = False
    """Thinks by itself within a thinking budget (reasoning effort, thinking tokens, ``<think>`` budget forcing)."""
    prefill: bool = False
    """Continues a reply from ``ModelRequest.prefill``."""
    logprobs: bool = False
    """Returns per-token log-probabilities (and alternatives) for the generated tokens."""
    probes: bool = False
    """Honours ``ModelRequest.probe``: reads the answer mid-generation from the cached context."""


@runtime_checkable
class Model(Protocol):
    """A backend. Implement ``complete``; the rest are plain attributes and cheap helpers."""

    name: str
    pricing: Pricing
    context_window: int | None

    @property
    def capabilities(self) -> ModelCapabilities:
        """What this model can do (declared, cheap to read)."""
        ...

    async def complete(
        self,
        request: ModelRequest,
        on_delta: DeltaCallback | None = None,
    ) -> Completion:
        """Run one call. Cancelling the awaiting task stops generation promptly."""
        ...

    def count_tokens(self, messages: list[Message], tools: list[ToolSpec] | None = None) -> int:
        """Prompt tokens of these messages; an upper estimate when exact counting is unavailable."""
        ...


class CancelToken:
    """A thread-safe flag a worker thread polls to stop generating."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()
