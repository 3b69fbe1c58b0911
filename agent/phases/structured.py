"""Structured-output phase: the answer as a validated ``output_type``, retried on validation errors."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from thinkdial.models.base import Message
from thinkdial.phases.context import RunContext
from thinkdial.prompts import STRUCTURE_FIX_PROMPT, STRUCTURE_PROMPT


async def structured(ctx: RunContext, messages: list[Message], answer: str) -> tuple[Any, str, str]:
    """(output, stop_reason, message): the validated object, or the text answer and why not."""
    s = ctx.settings
    output_type = s.output_type
    assert output_type is not None
    schema = output_type.model_json_schema()
    convo = [*messages, Message(role="assistant", content=answer), Message(role="user", content=STRUCTURE_PROMPT)]
    error = ""
    for _ in range(s.output_retries + 1):
        c = await ctx.call("structure", "revise", s.thinker, convo, s.thinking.answer_tokens * 2, json_schema=schema, temperature=0.0)
        if c is None:
            return answer, "budget", "budget too small to produce the structured output"
        try:
            return output_type.model_validate_json(c.text), "final", ""
        except ValidationError as exc:
            error = str(exc).splitlines()[0]
            convo = [*convo, Message(role="assistant", content=c.text), Message(role="user", content=STRUCTURE_FIX_PROMPT.format(error=exc))]
    return answer, "error", f"could not produce a valid {output_type.__name__}: {error}"
