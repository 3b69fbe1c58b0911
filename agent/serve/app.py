"""The Starlette app: ``POST /v1/chat/completions``, ``GET /v1/models``, ``GET /health``.

Order of the checks on a completion request, each answered in OpenAI's error shape: the bearer key
(401), the body's size (413), its JSON and fields (400 naming the field), the model (404), the number
of messages (413), a free run slot (429 + ``Retry-After``), what the daily ceilings leave (429
``insufficient_quota`` + ``Retry-After``, before any model call). Then the run; a client that hangs up
cancels it, and what it spent so far is booked.

Streaming (``"stream": true``) sends only the final answer: the response starts once the first step's
route is decided, so its headers and first chunk (``thinkdial`` field) name the route before any answer
token; the answer follows when the step is done (a draft the thinker supersedes is never sent, so a plain
client sees one answer), then a last chunk with ``finish_reason`` and the full ``thinkdial`` report
(the final route: a think step that keeps its draft says so there), an optional usage chunk, and
``data: [DONE]``. A failure after the stream started is one ``data: {"error": ...}`` event, then the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from thinkdial.budget import Budget
from thinkdial.result import RunResult
from thinkdial.serve.engine import Engine, Prepared, RunWatch, ServerTrace, amount_of, worst_case
from thinkdial.serve.limits import Gate, KeyRing
from thinkdial.serve.protocol import (
    APIError,
    ChatRequest,
    StepReport,
    answer_text,
    chunk,
    completion_body,
    finish_reason,
    new_id,
    parse_request,
    pieces,
    route_headers,
    sse,
    tool_calls_body,
    usage_body,
)
from thinkdial.serve.spend import (
    SERVER_SCOPE,
    UNLIMITED,
    Limits,
    Refused,
    Reservation,
    SpendStore,
    key_scope,
    seconds_to_midnight,
)

log = logging.getLogger("thinkdial.serve")

KEEPALIVE_SECONDS = 5.0
"""A streamed response waiting for its answer sends an SSE comment this often (proxies keep the line open,
and a client that hung up is noticed)."""


@dataclass
class ServeOptions:
    """A server's keys and limits."""

    api_keys: Sequence[str] = ()
    max_request_bytes: int = 1_000_000
    max_messages: int = 256
    max_concurrency: int = 8
    daily: Limits = field(default_factory=Limits)
    """Server-wide ceilings per UTC day."""
    key_daily: Limits = field(default_factory=Limits)
    """Ceilings per API key per UTC day."""
    store: SpendStore | None = None
    """Where spend is booked (and reserved against the daily ceilings); None books nothing (tests, benches)."""
    trace: ServerTrace | None = None


@dataclass
class Ticket:
    """One admitted request: its reservation and the budget its run gets."""

    reservation: Reservation | None
    budget: Budget
    clipped: bool
    """Whether a daily ceiling gave the run less than its own ceiling asked for."""


class Server:
    """The request handlers and the state they share (gate, store, trace)."""

    def __init__(self, engine: Engine, options: ServeOptions) -> None:
        if (options.daily.any or options.key_daily.any) and options.store is None:
            raise ValueError("daily ceilings need a spend store")
        self.engine, self.options = engine, options
        self.keys = KeyRing(options.api_keys)
        self.gate = Gate(options.max_concurrency)

    # -- admission -------------------------------------------------------------------------

    async def _body(self, request: Request) -> Any:
        limit = self.options.max_request_bytes
        length = request.headers.get("content-length", "")
        too_big = APIError(413, f"The request body is larger than this server's limit of {limit} bytes.", code="request_too_large")
        if length.isdigit() and int(length) > limit:
            raise too_big
        body = bytearray()
        async for part in request.stream():
            body += part
            if len(body) > limit:
                raise too_big
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise APIError(400, f"The request body is not valid JSON: {exc}", param="body", code="invalid_json") from None

    def _admit(self, prepared: Prepared, key: str | None) -> Ticket:
        store, o = self.options.store, self.options
        if store is None:
            return Ticket(None, prepared.budget, False)
        scopes: list[tuple[str, Limits]] = [(SERVER_SCOPE, o.daily)]
        if key is not None:
            scopes.append((key_scope(key), o.key_daily))
        want = worst_case(prepared.budget, prepared.models)
        try:
            reservation = store.reserve(scopes, want)
        except Refused as exc:
            raise APIError(
                429, f"{str(exc).capitalize()} for today; it resets at 00:00 UTC.", type="insufficient_quota",
                code="insufficient_quota", headers={"Retry-After": str(seconds_to_midnight()), "x-should-retry": "false"},
            ) from None
        g, b = reservation.granted, prepared.budget
        by_tokens = any(limits.tokens != UNLIMITED for _, limits in scopes)
        by_cost = any(limits.nano_usd != UNLIMITED for _, limits in scopes)
        budget = b.model_copy(update={
            "max_tokens": g.tokens if by_tokens else b.max_tokens,
            "max_cost_usd": g.cost_usd if by_cost else b.max_cost_usd,
        })
        clipped = (by_tokens and (want.tokens == UNLIMITED or g.tokens < want.tokens)) or (
            by_cost and (want.nano_usd == UNLIMITED or g.nano_usd < want.nano_usd))
        return Ticket(reservation, budget, clipped)

    def _release(self, ticket: Ticket, watch: RunWatch) -> None:
        """Free the run's slot and book what it spent: called once the run's task is done, however it ended (an
        answer, an error, a cancel, even a cancel before it began)."""
        self.gate.leave()
        if ticket.reservation is not None and self.options.store is not None:
            try:
                self.options.store.settle(ticket.reservation, amount_of(watch.usage))
            except Exception:  # noqa: BLE001 - a store failure must not hide the run's own outcome
                log.exception("could not book the spend of %s", watch.request_id)

    def _start(self, prepared: Prepared, ticket: Ticket, watch: RunWatch) -> asyncio.Task[RunResult]:
        task = asyncio.create_task(prepared.agent.run_messages(
            prepared.messages, external_tools=prepared.external, budget=ticket.budget, on_event=watch
        ))
        task.add_done_callback(lambda _: self._release(ticket, watch))
        return task

    # -- routes -------------------------------------------------------------------------------

    async def models(self, request: Request) -> Response:
        self.keys.check(request.headers.get("authorization"))
        return JSONResponse({"object": "list", "data": self.engine.models()})

    async def model(self, request: Request) -> Response:
        self.keys.check(request.headers.get("authorization"))
        name = request.path_params["name"]
        if name not in self.engine.agents:
            raise APIError(404, f"The model {name!r} does not exist.", param="model", code="model_not_found")
        return JSONResponse(self.engine.model_card(name))

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "active": self.gate.active, "limit": self.gate.limit})

    async def chat(self, request: Request) -> Response:
        key = self.keys.check(request.headers.get("authorization"))
        req = parse_request(await self._body(request))
        if len(req.messages) > self.options.max_messages:
            raise APIError(413, f"messages: {len(req.messages)} messages, more than this server's limit of "
                           f"{self.options.max_messages}.", param="messages", code="too_many_messages")
        prepared = self.engine.prepare(req)
        self.gate.enter()
        try:
            ticket = await asyncio.to_thread(self._admit, prepared, key)
        except BaseException:
            self.gate.leave()
            raise
        watch = RunWatch(new_id(), sink=self.options.trace.write if self.options.trace else None)
        task = self._start(prepared, ticket, watch)
        if req.stream:
            return await self._stream(request, req, prepared, ticket, watch, task)
        done = await _until(task, request)
        if not done:
            return Response(status_code=499)  # the client is gone; nobody reads this
        result = task.result()
        text = self._check(result, ticket, answer_text(result, prepared.stops))
        report = StepReport.of(result, prepared.policy.name)
        model = watch.writer(result, prepared.agent.fast.name)
        body = completion_body(watch.request_id, model, result, text, finish_reason(result, watch.answer_cut(result)),
                               report, result.steps[-1].thinking if result.steps else "")
        _log(watch.request_id, prepared, report, 200)
        return JSONResponse(body, headers={**report.headers(), "x-request-id": watch.request_id})

    def _check(self, result: RunResult, ticket: Ticket, text: str) -> str:
        """The answer text, or the error a run without an answer is."""
        if result.stop_reason == "error":
            raise APIError(500, f"The model failed: {result.message}", type="server_error", code="model_error")
        if result.stop_reason in ("budget", "max_steps") and not text.strip() and not result.tool_calls:
            if ticket.clipped:
                raise APIError(
                    429, f"What today's ceilings leave cannot pay for this step ({result.message}); they reset at 00:00 UTC.",
                    type="insufficient_quota", code="insufficient_quota",
                    headers={"Retry-After": str(seconds_to_midnight()), "x-should-retry": "false"},
                )
            raise APIError(400, f"thinkdial.budget: too small for this step ({result.message}).", param="thinkdial.budget",
                           code="budget_too_small")
        return text

    async def _stream(
        self, request: Request, req: ChatRequest, prepared: Prepared, ticket: Ticket, watch: RunWatch,
        task: asyncio.Task[RunResult],
    ) -> Response:
        routed = asyncio.create_task(watch.routed.wait())
        try:
            ok = await _until(task, request, also=routed)
        finally:
            routed.cancel()
        if not ok:
            return Response(status_code=499)
        if task.done():
            # Finished (or failed) before a route was decided: answer errors with their status, not inside a 200.
            result = task.result()
            self._check(result, ticket, answer_text(result, prepared.stops))
        first = watch.first_route
        route, level = (first.route, first.level) if first is not None else ("fast", None)
        difficulty = watch.first_difficulty
        guess = prepared.agent.thinker.name if route == "think" else prepared.agent.fast.name
        rid = watch.request_id
        include_usage = bool(req.stream_options and req.stream_options.include_usage)

        async def events() -> AsyncIterator[bytes]:
            try:
                yield sse(chunk(rid, guess, {"role": "assistant", "content": ""},
                                thinkdial={"route": route, "level": level, "difficulty": round(difficulty, 4), "final": False}))
                while not task.done():
                    done, _ = await asyncio.wait({task}, timeout=KEEPALIVE_SECONDS)
                    if not done:
                        yield b": keep-alive\n\n"
                result = task.result()
                text = self._check(result, ticket, answer_text(result, prepared.stops))
                report = StepReport.of(result, prepared.policy.name)
                model = watch.writer(result, prepared.agent.fast.name)
                thinking = result.steps[-1].thinking if result.steps else ""
                if thinking:
                    yield sse(chunk(rid, model, {"reasoning_content": thinking}))
                if result.tool_calls:
                    calls = tool_calls_body(result.tool_calls)
                    yield sse(chunk(rid, model, {"tool_calls": [{"index": i, **c} for i, c in enumerate(calls)]}))
                for piece in pieces(text):
                    yield sse(chunk(rid, model, {"content": piece}))
                finish = finish_reason(result, watch.answer_cut(result))
                yield sse(chunk(rid, model, {}, finish, thinkdial={**report.extension(), "final": True}))
                if include_usage:
                    yield sse({**chunk(rid, model, {}), "choices": [], "usage": usage_body(result.usage)})
                yield sse("[DONE]")
                _log(rid, prepared, report, 200)
            except APIError as err:
                yield sse(err.body())
            except Exception as exc:  # noqa: BLE001 - the status is already sent: an error event, then the end
                log.exception("stream %s failed", rid)
                yield sse(APIError(500, f"Internal error ({type(exc).__name__}).", type="server_error").body())
            finally:
                if not task.done():
                    task.cancel()  # the client hung up: stop the run (its spend so far is booked)

        headers = {**route_headers(route, level, difficulty), "x-request-id": rid, "Cache-Control": "no-cache",
                   "X-Accel-Buffering": "no"}
        return StreamingResponse(_watching(events(), request, task), media_type="text/event-stream", headers=headers)


async def _until(task: asyncio.Task[Any], request: Request, also: asyncio.Task[Any] | None = None) -> bool:
    """Wait for ``task`` (or ``also``); False when the client hung up first, after cancelling ``task``."""
    gone = asyncio.create_task(_disconnected(request))
    waiting = {task, gone} | ({also} if also is not None else set())
    try:
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
    if gone in done and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        return False
    return True


async def _disconnected(request: Request) -> None:
    """Return once the client has hung up."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def _watching(events: AsyncIterator[bytes], request: Request, task: asyncio.Task[Any]) -> AsyncIterator[bytes]:
    """``events``, cancelling the run as soon as the client hangs up (not only at the next write)."""
    gone = asyncio.create_task(_disconnected(request))
    gone.add_done_callback(lambda _: None if task.done() else task.cancel())
    try:
        async for item in events:
            yield item
    finally:
        gone.cancel()
        if hasattr(events, "aclose"):
            await events.aclose()


def _log(rid: str, prepared: Prepared, report: StepReport, status: int) -> None:
    u = report.usage
    log.info("%s %s %d route=%s level=%s difficulty=%.2f tokens=%d cost=$%.6f stop=%s", rid, prepared.model, status,
             report.route, report.level or "-", report.difficulty, u.total_tokens, u.cost_usd, report.stop_reason)


def _error_response(err: APIError) -> JSONResponse:
    return JSONResponse(err.body(), status_code=err.status, headers=err.headers)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, APIError)
    return _error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = "not_found" if exc.status_code == 404 else "method_not_allowed" if exc.status_code == 405 else None
    detail = f"No route {request.method} {request.url.path}." if exc.status_code in (404, 405) else str(exc.detail)
    return _error_response(APIError(exc.status_code, detail, code=code, headers=dict(exc.headers or {})))


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_response(APIError(500, f"Internal server error ({type(exc).__name__}); the server log has the details.",
                                    type="server_error", code="internal_error"))


def create_app(engine: Engine, options: ServeOptions | None = None) -> Starlette:
    """The ASGI app serving ``engine``'s models under ``options``' keys and limits."""
    server = Server(engine, options or ServeOptions())
    routes = [
        Route("/v1/chat/completions", server.chat, methods=["POST"]),
        Route("/chat/completions", server.chat, methods=["POST"]),
        Route("/v1/models", server.models, methods=["GET"]),
        Route("/v1/models/{name:path}", server.model, methods=["GET"]),
        Route("/health", server.health, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={APIError: _api_error, HTTPException: _http_error, Exception: _internal_error},
    )
    app.state.server = server
    return app
