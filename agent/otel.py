"""OpenTelemetry spans for thinkdial runs, following the GenAI semantic conventions.

Install the extra (``pip install 'thinkdial[otel]'``), configure a tracer
provider as usual, and pass an :class:`OTelTracer` as the run's ``on_event``::

    from thinkdial.otel import OTelTracer
    result = agent.run_sync("What is 37 + 48?", on_event=OTelTracer())

The spans are built from the same trace events the JSON Lines trace writes
(their timestamps included), so what a platform shows and what
``thinkdial trace`` shows agree:

- ``invoke_agent thinkdial`` (one per run): policy, models, budget, and at the end the
  run's token usage, cost and stop reason (status ERROR when the run failed);
- ``step N`` (one per step, child of the run): route, level, thinking budget,
  difficulty and every signal; refused budget checks as span events;
- ``chat MODEL`` (one per model call, child of its step): ``gen_ai.request.model``,
  ``gen_ai.request.max_tokens``, ``gen_ai.usage.input_tokens`` / ``output_tokens``
  (thinking included, as billed), thinking tokens, cost, finish reason;
- ``execute_tool NAME`` (one per tool call, child of its step): tool name, call id, outcome.

Attributes outside the GenAI conventions live under ``thinkdial.*``. Prompts and
answers are not recorded unless ``capture_content=True``. opentelemetry is imported
when a tracer is built, never at ``import thinkdial``.
"""

from __future__ import annotations

from typing import Any

AGENT_NAME = "thinkdial"


def _ns(seconds: float) -> int:
    return int(seconds * 1e9)


def _provider(model: str) -> str | None:
    """``gen_ai.provider.name`` from a litellm-style ``provider/model`` name, if it has one."""
    head, sep, _ = model.partition("/")
    return head if sep and head and not model.startswith((".", "/", "~")) else None


class OTelTracer:
    """An ``on_event`` consumer that turns one run's trace events into OpenTelemetry spans.

    Use one instance per run at a time (runs one after another may share it).

    Args:
        tracer_provider: Where spans go (default: the global provider).
        capture_content: Also record the task and the final answer (off by default: they may be private).
        agent_name: ``gen_ai.agent.name`` of the run span.
    """

    def __init__(self, tracer_provider: Any = None, *, capture_content: bool = False, agent_name: str = AGENT_NAME) -> None:
        try:
            from opentelemetry import trace
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("OTelTracer needs OpenTelemetry: pip install 'thinkdial[otel]'") from exc
        from thinkdial.trace import SCHEMA_VERSION

        self._trace = trace
        self.tracer = trace.get_tracer("thinkdial", schema_url=None, tracer_provider=tracer_provider)
        self.capture_content = capture_content
        self.agent_name = agent_name
        self._schema_version = SCHEMA_VERSION
        self._reset()

    def _reset(self) -> None:
        self._run: Any = None
        self._steps: dict[int, Any] = {}
        self._tools: dict[str, Any] = {}
        self._max_tokens: dict[tuple[str, str], int] = {}

    # -- the consumer -----------------------------------------------------------------------

    def __call__(self, event: Any) -> None:
        """Handle one trace event (unknown types are ignored)."""
        handler = getattr(self, f"_on_{getattr(event, 'type', '')}", None)
        if handler is not None:
            handler(event)

    def _context(self, span: Any) -> Any:
        return self._trace.set_span_in_context(span) if span is not None else None

    def _step_span(self, event: Any) -> Any:
        step = int(getattr(event, "step", 0) or 0)
        if step and step not in self._steps and self._run is not None:
            self._on_step_started(event)
        return self._steps.get(step, self._run)

    # -- run ---------------------------------------------------------------------------------

    def _on_run_started(self, e: Any) -> None:
        self._end_open(e.at, run_too=True)
        self._reset()
        attrs: dict[str, Any] = {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": self.agent_name,
            "gen_ai.request.model": e.fast,
            "thinkdial.policy": e.policy,
            "thinkdial.fast": e.fast,
            "thinkdial.thinker": e.thinker,
            "thinkdial.schema_version": self._schema_version,
        }
        for key, value in (e.budget or {}).items():
            if isinstance(value, (bool, int, float, str)):
                attrs[f"thinkdial.budget.{key}"] = value
        if self.capture_content:
            attrs["thinkdial.task"] = e.task
        self._run = self.tracer.start_span(
            f"invoke_agent {self.agent_name}", kind=self._trace.SpanKind.INTERNAL, attributes=attrs, start_time=_ns(e.at)
        )

    def _on_final(self, e: Any) -> None:
        if self._run is None:
            return
        u = e.usage
        self._end_open(e.at)
        run = self._run
        run.set_attribute("gen_ai.usage.input_tokens", u.input_tokens)
        run.set_attribute("gen_ai.usage.output_tokens", u.output_tokens + u.thinking_tokens)
        run.set_attribute("thinkdial.usage.thinking_tokens", u.thinking_tokens)
        run.set_attribute("thinkdial.cost_usd", u.cost_usd)
        run.set_attribute("thinkdial.stop_reason", e.stop_reason)
        run.set_attribute("thinkdial.steps", len(self._steps))
        if e.message:
            run.set_attribute("thinkdial.message", e.message)
        if self.capture_content:
            run.set_attribute("thinkdial.output", str(e.output))
        from opentelemetry.trace import Status, StatusCode

        if e.stop_reason == "error":
            run.set_status(Status(StatusCode.ERROR, e.message or "the run failed"))
        run.end(end_time=_ns(e.at))
        self._run = None

    def _end_open(self, at: float, *, run_too: bool = False) -> None:
        """End spans left open (a run cancelled mid-step writes no step_finished)."""
        spans = list(self._tools.values()) + list(self._steps.values()) + ([self._run] if run_too and self._run else [])
        for span in spans:
            if span.is_recording():
                span.end(end_time=_ns(at))

    # -- steps ---------------------------------------------------------------------------------

    def _on_step_started(self, e: Any) -> None:
        if self._run is None:
            return
        step = int(e.step)
        self._steps[step] = self.tracer.start_span(
            f"step {step}", context=self._context(self._run), start_time=_ns(e.at),
            attributes={"thinkdial.step.index": step, "gen_ai.agent.name": self.agent_name},
        )

    def _on_signals(self, e: Any) -> None:
        span = self._step_span(e)
        if span is None:
            return
        span.set_attribute("thinkdial.difficulty", float(e.difficulty))
        span.set_attribute("thinkdial.estimate.stage", e.stage)
        span.set_attribute("thinkdial.estimate.tokens", int(e.estimate_tokens))
        for name, value in e.signals.items():
            span.set_attribute(f"thinkdial.signal.{name}", float(value))

    def _on_route(self, e: Any) -> None:
        span = self._step_span(e)
        if span is None:
            return
        span.set_attribute("thinkdial.route", e.route)
        span.set_attribute("thinkdial.route.action", e.action)
        span.set_attribute("thinkdial.route.reason", e.reason)
        if e.level:
            span.set_attribute("thinkdial.level", e.level)
        if e.thinking_budget is not None:
            span.set_attribute("thinkdial.thinking_budget", int(e.thinking_budget))

    def _on_step_finished(self, e: Any) -> None:
        span = self._steps.get(int(e.step))
        if span is None or not span.is_recording():
            return
        span.set_attribute("thinkdial.route", e.route)
        span.set_attribute("thinkdial.difficulty", float(e.difficulty))
        span.end(end_time=_ns(e.at))

    def _on_budget_check(self, e: Any) -> None:
        if e.allowed:
            self._max_tokens[(e.purpose, e.model)] = int(e.allowed_tokens)
            return
        span = self._step_span(e)
        if span is not None:
            span.add_event(
                "thinkdial.budget_refused",
                {"thinkdial.purpose": e.purpose, "gen_ai.request.model": e.model, "thinkdial.reason": e.reason,
                 "thinkdial.requested_tokens": int(e.requested_tokens)},
                timestamp=_ns(e.at),
            )

    # -- model calls and tools ---------------------------------------------------------------------

    def _on_model_called(self, e: Any) -> None:
        parent = self._step_span(e)
        if parent is None:
            return
        u = e.usage
        attrs: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": e.model,
            "gen_ai.response.model": e.model,
            "gen_ai.usage.input_tokens": u.input_tokens,
            "gen_ai.usage.output_tokens": u.output_tokens + u.thinking_tokens,
            "gen_ai.response.finish_reasons": [e.finish_reason],
            "thinkdial.usage.thinking_tokens": u.thinking_tokens,
            "thinkdial.cost_usd": u.cost_usd,
            "thinkdial.purpose": e.purpose,
        }
        provider = _provider(e.model)
        if provider:
            attrs["gen_ai.provider.name"] = provider
        cap = self._max_tokens.pop((e.purpose, e.model), None)
        if cap is not None:
            attrs["gen_ai.request.max_tokens"] = cap
        span = self.tracer.start_span(
            f"chat {e.model}", context=self._context(parent), kind=self._trace.SpanKind.CLIENT,
            attributes=attrs, start_time=_ns(e.at - max(u.seconds, 0.0)),
        )
        if e.finish_reason == "cancelled":
            from opentelemetry.trace import Status, StatusCode

            span.set_status(Status(StatusCode.ERROR, "cancelled"))
        span.end(end_time=_ns(e.at))

    def _on_tool_call(self, e: Any) -> None:
        parent = self._step_span(e)
        if parent is None:
            return
        attrs: dict[str, Any] = {
            "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": e.name, "gen_ai.tool.call.id": e.call_id,
        }
        if self.capture_content:
            attrs["gen_ai.tool.call.arguments"] = e.arguments
        self._tools[e.call_id] = self.tracer.start_span(
            f"execute_tool {e.name}", context=self._context(parent), attributes=attrs, start_time=_ns(e.at)
        )

    def _on_tool_result(self, e: Any) -> None:
        span = self._tools.pop(e.call_id, None)
        if span is None:
            return
        span.set_attribute("thinkdial.tool.ok", bool(e.ok))
        if self.capture_content:
            span.set_attribute("gen_ai.tool.call.result", e.content)
        if not e.ok:
            from opentelemetry.trace import Status, StatusCode

            span.set_status(Status(StatusCode.ERROR, e.content[:200]))
        span.end(end_time=_ns(e.at))
