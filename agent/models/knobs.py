"""Thinking knobs per provider family: what a thinking budget becomes on the wire.

thinkdial asks for thinking in tokens (the level budgets, 256 / 1024 / 4096 by default). Each provider
family takes its own knob, and litellm translates only some of them (it refuses an effort a model does
not take, and it maps Gemini 3 and Anthropic's adaptive models only when its model map knows them), so
the values are chosen here, in one table, and sent in the form litellm passes through:

====================== ===================================== ====================================== ==========
family                 no thinking asked (drafts, checks)    a thinking budget of B tokens          output cap
====================== ===================================== ====================================== ==========
``openai``             ``reasoning_effort``: ``none`` where  ``reasoning_effort`` by B: ``low``     ``max_completion_tokens``
                       the model takes it (gpt-5.1+), else   (≤ 512), ``medium`` (≤ 2048), ``high``
                       ``minimal`` (gpt-5), else ``low``     (≤ 16384), ``xhigh`` above (where
                                                             taken, else ``high``)
``openai-compatible``  nothing                               ``reasoning_effort`` by B: ``low`` /   ``max_tokens``
                                                             ``medium`` / ``high``
``anthropic``          nothing                               ``thinking: {type: enabled,            ``max_tokens``
(Claude ≤ 4.5)                                               budget_tokens: max(1024, min(B,
                                                             max_tokens - 1))}``; none when
                                                             max_tokens ≤ 1024 (the API minimum)
``anthropic-adaptive`` nothing                               ``thinking: {type: adaptive}`` and     ``max_tokens``
(Claude 4.6+:                                                ``output_config: {effort}``, effort by
Opus 4.7 refuses                                             B as for ``openai`` (``xhigh`` where
budget_tokens)                                               taken, else ``high``)
``gemini-2.5``         ``thinking`` budget 0 (Flash), 128    ``thinking: {type: enabled,            ``max_tokens`` (thinking
                       (Pro: its minimum)                    budget_tokens: min(B, max_tokens -     counts in it)
                                                             1)}`` → ``thinkingBudget``
``gemini-3``           ``reasoning_effort``: ``minimal``     ``reasoning_effort`` → ``thinkingLevel``: ``max_tokens`` (thinking
                       (Flash), ``low`` (Pro)                ``low`` (B ≤ 512), ``medium`` (≤ 2048;  counts in it)
                                                             3 Pro takes low / high only: ``high``),
                                                             ``high`` above
====================== ===================================== ====================================== ==========

The output cap is always the call's ``max_tokens`` as the ledger allowed it (thinking included), so a
ceiling bounds every call whatever the knob. ``tests/test_provider_knobs.py`` checks each row on the wire.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

Family = Literal["openai", "openai-compatible", "anthropic", "anthropic-adaptive", "gemini-2.5", "gemini-3"]

ANTHROPIC_MIN_BUDGET = 1024
"""Anthropic refuses ``thinking.budget_tokens`` below this (and at or above ``max_tokens``)."""

GEMINI_PRO_MIN_BUDGET = 128
"""Gemini 2.5 Pro cannot switch thinking off; this is the smallest budget it takes."""

EFFORT_LIMITS: tuple[tuple[int, str], ...] = ((512, "low"), (2048, "medium"), (16384, "high"))
"""Thinking budgets up to each limit map to that effort; above the last, ``xhigh`` where the model takes it."""


def effort_for(budget: int, *, xhigh: bool = False) -> str:
    """The effort for a thinking budget of ``budget`` tokens (the default levels give low / medium / high)."""
    for limit, effort in EFFORT_LIMITS:
        if budget <= limit:
            return effort
    return "xhigh" if xhigh else "high"


_CLAUDE_VERSION = re.compile(r"claude-(?:(?:opus|sonnet|haiku)-)?(\d+)[-.](\d+)(?!\d{4})")
_GEMINI_VERSION = re.compile(r"gemini-(\d+)(?:\.(\d+))?")


def _claude_version(name: str) -> tuple[int, int] | None:
    m = _CLAUDE_VERSION.search(name)
    return (int(m.group(1)), int(m.group(2))) if m else None


@dataclass(frozen=True)
class ThinkingKnobs:
    """How one model takes a thinking budget. Build with :meth:`for_model`; :meth:`params` gives the request fields."""

    family: Family
    name: str
    """The model name without its provider prefix, lower case (``gpt-5.2``, ``claude-opus-4-7``)."""
    none_effort: bool = False
    minimal_effort: bool = False
    xhigh_effort: bool = False

    @classmethod
    def for_model(cls, model: str, provider: str, info: dict[str, Any], *, listed: bool) -> ThinkingKnobs:
        """The knobs of ``model`` (litellm ``provider``; ``info`` its model-map entry; ``listed``: in the map)."""
        name = model.split("/", 1)[-1].lower() if "/" in model else model.lower()
        flags = {"none_effort": bool(info.get("supports_none_reasoning_effort")),
                 "minimal_effort": bool(info.get("supports_minimal_reasoning_effort")),
                 "xhigh_effort": bool(info.get("supports_xhigh_reasoning_effort"))}
        family: Family
        if provider == "anthropic":
            version = _claude_version(name)
            adaptive = bool(info.get("supports_adaptive_thinking")) or (version is not None and version >= (4, 6))
            family = "anthropic-adaptive" if adaptive else "anthropic"
        elif provider in ("gemini", "vertex_ai", "vertex_ai_beta"):
            m = _GEMINI_VERSION.search(name)
            family = "gemini-3" if m and int(m.group(1)) >= 3 else "gemini-2.5"
        elif provider == "openai" and listed:
            family = "openai"
        else:
            family = "openai-compatible"
        return cls(family=family, name=name, **flags)

    def params(self, thinking_budget: int | None, max_tokens: int) -> dict[str, Any]:
        """The request fields (litellm keyword arguments) for a call allowed ``max_tokens`` output tokens."""
        if thinking_budget is None or thinking_budget <= 0:
            return self._without_thinking(max_tokens)
        budget = thinking_budget
        if self.family == "openai":
            return {"reasoning_effort": effort_for(budget, xhigh=self.xhigh_effort)}
        if self.family == "openai-compatible":
            return {"reasoning_effort": effort_for(min(budget, 16384))}
        if self.family == "anthropic":
            if max_tokens - 1 < ANTHROPIC_MIN_BUDGET:
                return {}
            return {"thinking": {"type": "enabled", "budget_tokens": max(ANTHROPIC_MIN_BUDGET, min(budget, max_tokens - 1))}}
        if self.family == "anthropic-adaptive":
            return {"thinking": {"type": "adaptive"}, "output_config": {"effort": effort_for(budget, xhigh=self.xhigh_effort)}}
        if self.family == "gemini-2.5":
            floor = GEMINI_PRO_MIN_BUDGET if "pro" in self.name else 1
            if max_tokens - 1 < floor:
                return {}
            return {"thinking": {"type": "enabled", "budget_tokens": max(floor, min(budget, max_tokens - 1))}}
        level = effort_for(min(budget, 16384))
        if level == "medium" and self._gemini_3_pro_low_high_only():
            level = "high"
        return {"reasoning_effort": level}

    def _without_thinking(self, max_tokens: int) -> dict[str, Any]:
        if self.family == "openai":
            return {"reasoning_effort": "none" if self.none_effort else "minimal" if self.minimal_effort else "low"}
        if self.family == "gemini-2.5":
            if "pro" in self.name:
                return {"thinking": {"type": "enabled", "budget_tokens": GEMINI_PRO_MIN_BUDGET}} if max_tokens > GEMINI_PRO_MIN_BUDGET else {}
            return {"thinking": {"type": "enabled", "budget_tokens": 0}}
        if self.family == "gemini-3":
            return {"reasoning_effort": "minimal" if "flash" in self.name else "low"}
        return {}

    def _gemini_3_pro_low_high_only(self) -> bool:
        m = _GEMINI_VERSION.search(self.name)
        return bool(m) and "pro" in self.name and m is not None and int(m.group(1)) == 3 and not m.group(2)
