"""Errors a user can act on: each names the problem and the fix.

Errors raised by a model call that was (or may have been) billed carry that
spend in ``usage`` (a :class:`~thinkdial.models.base.Usage`): the budget ledger
books it before the run stops, so failed attempts count against the ceiling.
Every :class:`ThinkdialError` has the attribute; it is ``None`` when nothing
was billed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # errors must not import the models package at run time (it imports this module)
    from thinkdial.models.base import Usage


class ThinkdialError(Exception):
    """Base class. ``str(err)`` is one line: the problem, then how to fix it."""

    usage: Usage | None = None
    """What the failed call was billed (book it), or None when nothing was billed."""

    def __init__(self, problem: str, fix: str = "") -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem} {fix}".strip())


class ModelFileError(ThinkdialError):
    """A local model file is missing or is not a GGUF."""


class ModelLoadError(ThinkdialError):
    """llama.cpp could not load or run a local model."""


class UnknownModelError(ThinkdialError):
    """A model name no backend recognises."""


class APIUnreachableError(ThinkdialError):
    """The API endpoint could not be reached (connection refused, DNS, connect timeout)."""


class AuthenticationError(ThinkdialError):
    """The API key is missing or rejected."""


class ModelCallError(ThinkdialError):
    """A model call failed for another reason (bad request, server error after retries)."""


class LocalCallError(ModelCallError):
    """A call failed on this machine before or after the network: a missing package, a bug, a bad argument.

    Never retried and never reported as a network failure; the message names the
    exception that actually failed (e.g. ``ModuleNotFoundError: No module named 'mcp'``).
    """


class InvalidResponseError(ModelCallError):
    """The server answered, but not with a chat completion (e.g. an HTML page with HTTP 200)."""


class RateLimitedError(ModelCallError):
    """The server kept refusing with 429 (or asked to wait longer than thinkdial waits)."""


class BilledCallError(ModelCallError):
    """A call failed after the provider may have billed it; ``usage`` says how much to book.

    Args:
        problem: What failed.
        fix: How to fix it.
        usage: Tokens and cost to book against the ceiling for this failed call.
    """

    def __init__(self, problem: str, fix: str = "", *, usage: Usage) -> None:
        super().__init__(problem, fix)
        self.usage = usage


class StreamInterruptedError(BilledCallError):
    """A streamed answer broke off, or ended without a ``finish_reason``: it is not a complete answer.

    ``partial`` holds the text that arrived; ``usage`` the prompt plus the tokens that streamed.
    """

    def __init__(self, problem: str, fix: str = "", *, usage: Usage, partial: str = "") -> None:
        super().__init__(problem, fix, usage=usage)
        self.partial = partial


class ResponseTimeoutError(BilledCallError):
    """The server took the request but sent nothing for ``timeout`` seconds.

    ``usage`` is the call's worst case (prompt plus ``max_tokens``) for a
    non-streamed call, the prompt plus the tokens seen for a streamed one: the
    server may have generated the answer we never received.
    """


class UsageAboveLimitError(BilledCallError):
    """The server reported more output tokens than the ``max_tokens`` asked: the run must stop.

    ``usage`` is what the server reported (book it: that is what it will bill).
    """


class ContextOverflowError(ThinkdialError):
    """The prompt does not fit the model's context window."""


class ConfigError(ThinkdialError):
    """The configuration file is invalid: an unknown key, a wrong type or an out-of-range value."""


class UnpricedModelError(ThinkdialError):
    """A dollar ceiling was set, but a model the run may call (or a reply it got) has no known price.

    Raised before the run starts (nothing is called), or when a reply's usage cannot be priced; a
    ceiling that cannot be counted is refused, never treated as free.
    """


class BudgetExceededError(ThinkdialError):
    """Raised instead of stopping quietly when a run is in strict budget mode."""
