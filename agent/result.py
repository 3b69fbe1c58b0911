"""What a run returns: ``RunResult`` and its ``Step`` records."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from thinkdial.models.base import Message, ToolCall, Usage

StopReason = Literal["final", "budget", "max_steps", "error", "cancelled", "tool_calls"]
"""Why a run ended; ``"tool_calls"`` only when the caller declared tools it runs itself (``Agent.run_messages``)."""


def route_label(route: str, level: str | None = None) -> str:
    """How a route is shown everywhere: ``FAST``, ``THINK`` or ``THINK(level)``."""
    if route == "think":
        return f"THINK({level})" if level else "THINK"
    return "FAST"


class Step(BaseModel):
    """One turn of the agent loop: the record the library returns and the chat UI shows."""

    index: int
    route: Literal["fast", "think"] = "fast"
    difficulty: float = 0.0
    signals: dict[str, float] = Field(default_factory=dict)
    signals_used: list[str] = Field(default_factory=list)
    estimate_stage: str = ""
    think_signals: dict[str, float] = Field(default_factory=dict)
    """What the think route measured of its own answer (chains, vote share, token confidence, tool use, finished)."""
    thinker_right: float | None = None
    """The calibrated probability that the thinker's answer is right (None without a calibration for the pair)."""
    kept_draft_by: str | None = None
    """Which rule kept the draft over the thinker's answer, when one did."""
    shape: Literal["short", "long"] = "short"
    """Whether the step wants a short answer or a whole one (explain, write, list, code)."""
    level: str | None = None
    thinking_budget: int | None = None
    action: str = ""
    """What the policy chose: ``keep``, ``escalate`` or ``stop`` (empty until routed)."""
    decision_reason: str = ""
    draft: str = ""
    output: str = ""
    thinking: str = ""
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)
    verified: float | None = None
    """The verifier's probability that the answer is right (None when not verified)."""
    verify_passed: bool | None = None
    """Whether that probability cleared the threshold."""
    revisions: int = 0
    usage: Usage = Field(default_factory=Usage)
    estimate_tokens: int = 0
    """Tokens spent on the difficulty estimate itself (stage-2 samples)."""
    faults: list[str] = Field(default_factory=list)
    """What the estimate found against the step's draft: a tool call's faults (an unknown tool, arguments that fail
    the schema or that nobody mentioned, a repeat) or an answer no tool result supports."""
    stalled_by: str | None = None
    """The progress signal that escalated or ended this step (``repeated_call``, ``error_streak``, ...), if one did."""
    finished: bool = False

    @property
    def label(self) -> str:
        """``FAST`` or ``THINK(level)``."""
        return route_label(self.route, self.level)

    @property
    def estimated(self) -> bool:
        """Whether the step's difficulty has been estimated yet."""
        return bool(self.estimate_stage)


class RunResult(BaseModel):
    """The outcome of ``Agent.run``."""

    output: Any = ""
    stop_reason: StopReason = "final"
    usage: Usage = Field(default_factory=Usage)
    steps: list[Step] = Field(default_factory=list)
    message: str = ""
    """Why the run stopped early, in words (empty on a normal finish)."""
    messages: list[Message] = Field(default_factory=list)
    """The whole exchange, tool calls and results included, ending with the answer: pass it as ``history=`` to go on."""

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The calls the caller is to run when ``stop_reason == "tool_calls"`` (else empty); they end ``messages``."""
        if self.stop_reason != "tool_calls" or not self.messages:
            return []
        return list(self.messages[-1].tool_calls)

    def to_json_dict(self) -> dict[str, Any]:
        """The ``thinkdial run --json`` shape."""
        output = self.output.model_dump() if isinstance(self.output, BaseModel) else self.output
        return {
            "output": output,
            "stop_reason": self.stop_reason,
            "message": self.message,
            "usage": {**self.usage.model_dump(), "total_tokens": self.usage.total_tokens},
            "steps": [s.model_dump() for s in self.steps],
        }
