"""``FallbackModel``: a list of models tried in order — ``Agent(fast=["openai/gpt-4o-mini", "embedded"])``.

When a model fails in a way that cannot have been billed — the server is
unreachable, kept answering 429 or 5xx after its own retries — the next model
takes the call. Any other failure (a rejected key, a bad request, a stream that
broke after tokens were billed) is raised as it is, so nothing billed goes
unbooked and real mistakes are not hidden. The ledger books the usage of the
model that actually answered (its own pricing), and ``Completion.model`` names it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from thinkdial.errors import APIUnreachableError, ModelCallError, RateLimitedError, ThinkdialError
from thinkdial.models.base import (
    Completion,
    DeltaCallback,
    Message,
    Model,
    ModelCapabilities,
    ModelRequest,
    Pricing,
    ToolSpec,
)


def is_fallback_error(exc: BaseException) -> bool:
    """Whether a failure lets the next model take the call: unbilled and about the endpoint, not the request."""
    if not isinstance(exc, ThinkdialError) or exc.usage is not None:
        return False
    if isinstance(exc, (APIUnreachableError, RateLimitedError)):
        return True
    return isinstance(exc, ModelCallError) and bool(getattr(exc, "retryable", False))  # 5xx after retries


class FallbackModel:
    """Models tried in order; the first that answers serves the call.

    Args:
        models: Two or more model objects (resolve strings with :func:`~thinkdial.models.resolve_model`,
            or pass the list to ``Agent(fast=[...])``).
        name: Display name (default: the members' names joined by ``" | "``).
        cooldown: Seconds a member that was down is skipped (so later calls do not pay its retries
            again); when every member is cooling down they are tried in order anyway.

    Attributes:
        last_used: The member that served the latest call (None before the first).
        failures: ``(member name, error text)`` for every fallback taken so far.
    """

    def __init__(self, models: Sequence[Model], *, name: str | None = None, cooldown: float = 30.0) -> None:
        members = list(models)
        if not members:
            raise ValueError("FallbackModel(models=...) needs at least one model")
        for m in members:
            if not hasattr(m, "complete"):
                raise TypeError(f"FallbackModel(models=...) takes model objects, not {type(m).__name__}: {m!r}")
        if not cooldown >= 0:
            raise ValueError(f"FallbackModel(cooldown=...) must be seconds >= 0, got {cooldown!r}")
        self.models = members
        self.cooldown = cooldown
        self._down_until: dict[int, float] = {}
        self.name = name or " | ".join(m.name for m in members)
        self.last_used: Model | None = None
        self.failures: list[tuple[str, str]] = []

    # -- what the ledger and the controller read ----------------------------------------------

    @property
    def pricing(self) -> Pricing:
        """The dearest member's prices: the ledger's worst case before a call must hold whichever member answers.

        Unknown when any member's price is unknown (that member's spend could not be counted)."""
        return Pricing(
            input_per_mtok=max(m.pricing.input_per_mtok for m in self.models),
            output_per_mtok=max(m.pricing.output_per_mtok for m in self.models),
            known=all(m.pricing.known for m in self.models),
        )

    @pricing.setter
    def pricing(self, value: Pricing) -> None:
        for m in self.models:
            m.pricing = value

    @property
    def context_window(self) -> int | None:
        """The smallest member window (a prompt must fit whichever member answers)."""
        windows = [m.context_window for m in self.models if m.context_window]
        return min(windows) if windows else None

    @property
    def capabilities(self) -> ModelCapabilities:
        """What every member can do: requests are shaped for whichever member ends up answering."""
        caps = [m.capabilities for m in self.models]
        return ModelCapabilities(**{f: all(getattr(c, f) for c in caps) for f in ModelCapabilities.model_fields})

    def count_tokens(self, messages: list[Message], tools: list[ToolSpec] | None = None) -> int:
        """The largest member count (counting is local: no member is called)."""
        return max(m.count_tokens(messages, tools) for m in self.models)

    def load(self) -> None:
        """Load the local members' weights now (the chat UI calls this off its UI thread)."""
        for m in self.models:
            load = getattr(m, "load", None)
            if callable(load):
                load()

    # -- calling ----------------------------------------------------------------------------------

    async def complete(self, request: ModelRequest, on_delta: DeltaCallback | None = None) -> Completion:
        """Try each member in order; raise the last failure when none could answer."""
        now = time.monotonic()
        ready = [m for m in self.models if self._down_until.get(id(m), 0.0) <= now]
        order = ready + [m for m in self.models if m not in ready]
        last: BaseException | None = None
        for member in order:
            try:
                completion = await member.complete(request, on_delta)
            except Exception as exc:
                if not is_fallback_error(exc) or member is order[-1]:
                    raise
                self.failures.append((member.name, str(exc)))
                self._down_until[id(member)] = time.monotonic() + self.cooldown
                last = exc
                continue
            self._down_until.pop(id(member), None)
            self.last_used = member
            return completion.model_copy(update={"model": completion.model or member.name})
        assert last is not None  # pragma: no cover - the loop returns or raises
        raise last

    def __repr__(self) -> str:
        return f"FallbackModel({[m.name for m in self.models]!r})"
