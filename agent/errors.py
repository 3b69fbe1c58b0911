"""Errors a user can act on: each names the problem and the fix."""

from __future__ import annotations


class ThinkdialError(Exception):
    """Base class. ``str(err)`` is one line: the problem, then how to fix it."""

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
    """The API endpoint could not be reached."""


class AuthenticationError(ThinkdialError):
    """The API key is missing or rejected."""


class ModelCallError(ThinkdialError):
    """A model call failed for another reason (bad request, server error after retries)."""


class ContextOverflowError(ThinkdialError):
    """The prompt does not fit the model's context window."""


class BudgetExceededError(ThinkdialError):
    """Raised instead of stopping quietly when a run is in strict budget mode."""
