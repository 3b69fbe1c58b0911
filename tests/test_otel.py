"""OpenTelemetry spans from trace events, checked with the SDK's in-memory exporter."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from opentelemetry.trace import StatusCode  # noqa: E402

from thinkdial import Agent, Budget  # noqa: E402
from thinkdial.errors import APIUnreachableError  # noqa: E402
from thinkdial.models import Pricing, ScriptedModel, ScriptedReply, tool_call  # noqa: E402
from thinkdial.otel import OTelTracer  # noqa: E402
from thinkdial.tools import calculator  # noqa: E402


def exporter_and_tracer(**kw: object) -> tuple[InMemorySpanExporter, OTelTracer]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter, OTelTracer(provider, **kw)  # type: ignore[arg-type]


def by_name(spans: list, prefix: str) -> list:
    return [s for s in spans if s.name.startswith(prefix)]


def test_spans_for_run_steps_model_calls_and_tools() -> None:
    exporter, tracer = exporter_and_tracer()
    priced = Pricing(input_per_mtok=1.0, output_per_mtok=2.0)
    fast = ScriptedModel(
        [ScriptedReply(tool_calls=[tool_call("calculator", {"expression": "37 + 48"})]), ScriptedReply("The answer is 85.")],
        name="openai/fast-model", pricing=priced, repeat_last=True,
    )
    agent = Agent(fast=fast, thinker=ScriptedModel(["85"], name="thinker", repeat_last=True), tools=[calculator], policy="fast")
    result = agent.run_sync("What is 37 + 48?", budget=Budget(max_tokens=4000), on_event=tracer)
    assert result.stop_reason == "final"
    spans = exporter.get_finished_spans()
    (run,) = by_name(spans, "invoke_agent")
    steps = by_name(spans, "step ")
    chats = by_name(spans, "chat ")
    tools = by_name(spans, "execute_tool")
    assert run.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert run.attributes["gen_ai.usage.input_tokens"] == result.usage.input_tokens
    assert run.attributes["gen_ai.usage.output_tokens"] == result.usage.output_tokens + result.usage.thinking_tokens
    assert run.attributes["thinkdial.cost_usd"] == pytest.approx(result.usage.cost_usd) and result.usage.cost_usd > 0
    assert run.attributes["thinkdial.stop_reason"] == "final" and run.attributes["thinkdial.policy"] == "fast"
    assert "thinkdial.task" not in run.attributes  # content is opt-in
    assert len(steps) == len(result.steps)
    for span, step in zip(sorted(steps, key=lambda s: s.attributes["thinkdial.step.index"]), result.steps, strict=True):
        assert span.parent.span_id == run.context.span_id
        assert span.attributes["thinkdial.route"] == step.route
        assert span.attributes["thinkdial.difficulty"] == pytest.approx(step.difficulty)
    assert chats and all(c.attributes["gen_ai.operation.name"] == "chat" for c in chats)
    assert {c.attributes["gen_ai.request.model"] for c in chats} == {"openai/fast-model"}
    assert chats[0].attributes["gen_ai.provider.name"] == "openai"
    assert all(c.parent.span_id in {s.context.span_id for s in steps} for c in chats)
    assert sum(c.attributes["gen_ai.usage.input_tokens"] for c in chats) == result.usage.input_tokens
    assert all(c.attributes.get("gen_ai.request.max_tokens", 0) > 0 for c in chats)
    (tool,) = tools
    assert tool.attributes["gen_ai.tool.name"] == "calculator" and tool.attributes["thinkdial.tool.ok"] is True
    assert all(s.end_time >= s.start_time for s in spans)


def test_failed_run_is_an_error_span_and_content_is_opt_in() -> None:
    exporter, tracer = exporter_and_tracer(capture_content=True)
    down = APIUnreachableError("Cannot reach the API.", "Check the server.")
    agent = Agent(fast=ScriptedModel([ScriptedReply(error=down)], name="fast"), policy="fast")
    result = agent.run_sync("What is 2 + 2?", on_event=tracer)
    assert result.stop_reason == "error"
    (run,) = by_name(exporter.get_finished_spans(), "invoke_agent")
    assert run.status.status_code is StatusCode.ERROR
    assert run.attributes["thinkdial.task"] == "What is 2 + 2?"
    assert all(s.end_time for s in exporter.get_finished_spans())


def test_the_tracer_skips_unknown_events_and_is_reusable() -> None:
    exporter, tracer = exporter_and_tracer()
    tracer(object())  # not a trace event: ignored
    agent = Agent(fast=ScriptedModel(["Paris."], name="fast", repeat_last=True), policy="fast")
    for _ in range(2):
        agent.run_sync("Capital of France?", on_event=tracer)
    assert len(by_name(exporter.get_finished_spans(), "invoke_agent")) == 2


def test_import_thinkdial_does_not_import_opentelemetry_or_mcp() -> None:
    code = (
        "import sys, thinkdial, thinkdial.otel, thinkdial.tools.mcp, thinkdial.models.fallback; "
        "print([m for m in ('opentelemetry', 'mcp', 'litellm') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
