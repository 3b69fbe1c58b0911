"""Grouped, validated settings: how an ``Agent`` thinks, estimates difficulty and verifies.

Each group is a frozen pydantic model with a docstring under every field; a
wrong name or value fails at construction and names the field. The run loop
sees one :class:`RunSettings` built once per run, never the ``Agent`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from thinkdial.budget import Budget
from thinkdial.models.base import Model, ToolSpec
from thinkdial.policies.checks import Check
from thinkdial.policies.estimate.difficulty import DifficultyEstimator
from thinkdial.policies.estimate.gain import GainCalibration
from thinkdial.policies.routing import DEFAULT_LEVEL_TOKENS, RoutingPolicy
from thinkdial.tools import ToolSet

StrategyName = Literal["auto", "native", "cot", "parallel"]

DEFAULT_BUDGET = Budget(max_tokens=16_000, max_steps=8)
"""The ceiling of a run given no budget at all: 16,000 tokens and 8 steps. ``budget=Budget()`` lifts it."""


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ThinkingSettings(_Settings):
    """How the think route spends its budget."""

    strategy: StrategyName = "auto"
    """``"auto"`` (native for reasoning models, else parallel), ``"native"``, ``"cot"`` or ``"parallel"``."""
    levels: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_LEVEL_TOKENS))
    """Thinking tokens bought by each budget level."""
    answer_tokens: int = Field(default=128, gt=0)
    """Tokens allowed for the answer after the thinking (short-answer steps)."""
    long_answer_tokens: int = Field(default=512, gt=0)
    """Tokens allowed for a whole answer on open-ended steps (explain, write, list, code)."""
    probe_every: int = Field(default=64, ge=0)
    """On models that can probe mid-generation, ask for the answer every this many tokens (0 disables)."""
    probe_agreement: int = Field(default=3, ge=2)
    """Stop thinking once this many probes in a row agree."""
    min_tokens: int = Field(default=32, gt=0)
    """Escalation is not attempted when the budget leaves fewer output tokens than this."""

    @field_validator("levels")
    @classmethod
    def _positive_levels(cls, levels: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(levels) - set(DEFAULT_LEVEL_TOKENS))
        if unknown:
            raise ValueError(f"unknown thinking levels {unknown}: use 'low', 'medium' and 'high'")
        bad = {k: v for k, v in levels.items() if v <= 0}
        if bad:
            raise ValueError(f"thinking levels must be positive token counts, got {bad}")
        return {**DEFAULT_LEVEL_TOKENS, **levels}


class EstimateSettings(_Settings):
    """How a step's difficulty is estimated from the fast model's draft."""

    mode: Literal["staged", "tokens"] = "staged"
    """``"staged"``: token signals, then k samples when ambiguous; ``"tokens"``: the draft's token signals only."""
    draft_tokens: int = Field(default=96, gt=0)
    """Tokens of a short-answer draft."""
    long_draft_tokens: int = Field(default=512, gt=0)
    """Tokens a draft may run to once the step is recognised as open-ended: the draft is let finish."""


class VerifySettings(_Settings):
    """When answers are checked by the verifier model, and how often they may be revised."""

    mode: Literal["never", "always", "think"] | float = "never"
    """``"never"``, ``"always"``, ``"think"`` (think-route answers) or a difficulty in [0, 1] at or above which to verify."""
    threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    """Revise when the verifier's P(correct) is below this."""
    max_revisions: int = Field(default=1, ge=0)
    """Revisions allowed per step."""

    @field_validator("mode")
    @classmethod
    def _mode_in_range(cls, mode: str | float) -> str | float:
        if isinstance(mode, float) and not 0.0 <= mode <= 1.0:
            raise ValueError(f"a difficulty threshold must be in [0, 1], got {mode}")
        return mode


@dataclass(frozen=True)
class RunSettings:
    """Everything the phases of one run read: built once by ``Agent.run``, never changed."""

    fast: Model
    thinker: Model
    verifier: Model
    toolset: ToolSet
    tool_specs: list[ToolSpec]
    policy: RoutingPolicy
    estimator: DifficultyEstimator
    thinking: ThinkingSettings
    estimate: EstimateSettings
    verify: VerifySettings
    system_prompt: str
    output_type: type[BaseModel] | None = None
    output_retries: int = 2
    tool_timeout: float | None = 60.0
    workspace: Path | None = None
    seed: int | None = 0
    checks: tuple[Check, ...] = ()
    """The claim checks of the run (``Agent(checks=...)``)."""
    gain: GainCalibration | None = None
    """The pair's calibration of P(thinker right); None trusts the thinker."""
    external_tools: frozenset[str] = frozenset()
    """Tools the caller runs itself (their specs are in ``tool_specs``): a step that calls one ends the run with
    ``stop_reason="tool_calls"`` instead of running it (``Agent.run_messages``)."""
    budget_note: bool = False
    """End what the models see at each step with a line of what the ceiling leaves (``Agent(budget_note=True)``)."""
