"""``thinkdial serve`` over real HTTP on 127.0.0.1 (uvicorn), with the official ``openai`` client, on ScriptedModel agents.

What a client sends and learns: answers, streams, tool round trips, the ``thinkdial`` extension and headers,
and every limit with its status code.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from servers.serve import serving

from thinkdial import Agent
from thinkdial.models import ScriptedModel
from thinkdial.models.base import ModelCapabilities, ModelRequest, Pricing
from thinkdial.models.scripted import ScriptedReply, tool_call
from thinkdial.serve.app import ServeOptions, create_app
from thinkdial.serve.engine import Engine
from thinkdial.serve.spend import SERVER_SCOPE, Limits, SQLiteSpendStore, key_scope

TOOLS = ModelCapabilities(tools=True, logprobs=True)
ASK = [{"role": "user", "content": "What is 37 + 48?"}]
ADD_TOOL = {"type": "function", "function": {"name": "add", "description": "Add two numbers.", "parameters": {
    "type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]}}}


def calls_add_then_answers(request: ModelRequest) -> ScriptedReply:
    """A fast model with native tools: calls the client's ``add``, then answers from its result."""
    last = request.messages[-1]
    if last.role == "tool":
        return ScriptedReply(text=f"The answer is {last.content}.")
    if any(t.name == "add" for t in request.tools):
        return ScriptedReply(tool_calls=[tool_call("add", {"a": 37, "b": 48}, "call_add")])
    return ScriptedReply(text="85")


def make_agent(**kwargs: object) -> Agent:
    fast = kwargs.pop("fast", None) or ScriptedModel(calls_add_then_answers, name="fast-scripted", capabilities=TOOLS)
    thinker = kwargs.pop("thinker", None) or ScriptedModel("Answer: 85", name="thinker-scripted")
    return Agent(fast=fast, thinker=thinker, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serving(create_app(Engine.default(make_agent()))) as url:
        yield url


@pytest.fixture
def client(base: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base, api_key="unused", max_retries=0)


# -- answers ------------------------------------------------------------------------------------


def test_a_plain_answer_has_the_openai_shape_and_the_thinkdial_report(client: openai.OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(model="thinkdial/adaptive", messages=ASK)
    reply = raw.parse()
    assert reply.choices[0].message.content == "85" and reply.choices[0].finish_reason == "stop"
    assert reply.model == "fast-scripted"
    assert reply.usage is not None and reply.usage.completion_tokens_details is not None
    assert reply.usage.completion_tokens_details.reasoning_tokens == 0
    ext = reply.model_extra["thinkdial"]  # type: ignore[index]
    assert ext["route"] == "fast" and ext["policy"] == "adaptive" and ext["stop_reason"] == "final"
    assert set(ext["tokens"]) == {"input", "output", "thinking", "total"} and "cost_usd" in ext
    assert raw.headers["x-thinkdial-route"] == "fast"
    assert float(raw.headers["x-thinkdial-difficulty"]) == pytest.approx(ext["difficulty"], abs=1e-4)
    assert float(raw.headers["x-thinkdial-cost-usd"]) == 0.0


def test_the_think_model_escalates_and_names_the_thinker(client: openai.OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(model="thinkdial/think", messages=ASK)
    reply = raw.parse()
    assert reply.model == "thinker-scripted"
    assert raw.headers["x-thinkdial-route"] == "think" and raw.headers["x-thinkdial-level"] == "medium"
    assert reply.choices[0].message.content == "85"


def test_reasoning_effort_forces_the_level_and_none_never_thinks(client: openai.OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(model="thinkdial/think", messages=ASK, reasoning_effort="high")
    assert raw.headers["x-thinkdial-level"] == "high"
    raw = client.chat.completions.with_raw_response.create(model="thinkdial/think", messages=ASK, reasoning_effort="none")
    assert raw.headers["x-thinkdial-route"] == "fast"


def test_the_extension_sets_policy_and_budget(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model="thinkdial/fast", messages=ASK, extra_body={"thinkdial": {"policy": "think", "budget": {"max_tokens": 5000}}}
    )
    assert reply.model_extra["thinkdial"]["route"] == "think"  # type: ignore[index]
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="thinkdial/fast", messages=ASK, extra_body={"thinkdial": {"budget": {"max_dollars": 1}}})
    assert err.value.body["param"] == "thinkdial.budget.max_dollars"  # type: ignore[index]


def test_models_lists_the_policies_and_profiles(base: str) -> None:
    agent = make_agent()
    engine = Engine.default(agent, {"cheap": make_agent(policy="fast")})
    with serving(create_app(engine)) as url:
        models = openai.OpenAI(base_url=url, api_key="x").models.list()
        assert [m.id for m in models.data] == ["thinkdial/adaptive", "thinkdial/fast", "thinkdial/think", "thinkdial/cheap"]
        reply = openai.OpenAI(base_url=url, api_key="x").chat.completions.create(model="thinkdial/cheap", messages=ASK)
        assert reply.model_extra["thinkdial"]["policy"] == "fast"  # type: ignore[index]


def test_stop_sequences_and_max_tokens_cut_the_answer() -> None:
    fast = ScriptedModel("one two three four five six", name="counting")
    with serving(create_app(Engine.default(make_agent(fast=fast)))) as url:
        c = openai.OpenAI(base_url=url, api_key="x", max_retries=0)
        reply = c.chat.completions.create(model="thinkdial/fast", messages=ASK, stop=[" four"])
        assert reply.choices[0].message.content == "one two three"
        reply = c.chat.completions.create(model="thinkdial/fast", messages=ASK, max_tokens=2)
        assert reply.choices[0].message.content == "one two" and reply.choices[0].finish_reason == "length"


def test_response_format_json_schema_returns_valid_json() -> None:
    schema = {"type": "object", "properties": {"sum": {"type": "integer"}}, "required": ["sum"], "additionalProperties": False}

    def thinker(request: ModelRequest) -> str:
        return '{"sum": 85}' if request.json_schema is not None else "Answer: 85"

    agent = make_agent(thinker=ScriptedModel(thinker, name="thinker-scripted"))
    with serving(create_app(Engine.default(agent))) as url:
        reply = openai.OpenAI(base_url=url, api_key="x").chat.completions.create(
            model="thinkdial/fast", messages=ASK,
            response_format={"type": "json_schema", "json_schema": {"name": "Sum", "schema": schema}},
        )
    assert json.loads(reply.choices[0].message.content or "") == {"sum": 85}


# -- client-side tools --------------------------------------------------------------------------------


def test_a_tool_round_trip_through_the_client(client: openai.OpenAI) -> None:
    messages: list[dict] = [*ASK]
    first = client.chat.completions.create(model="thinkdial/adaptive", messages=messages, tools=[ADD_TOOL])  # type: ignore[arg-type]
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.tool_calls
    call = choice.message.tool_calls[0]
    assert call.function.name == "add" and json.loads(call.function.arguments) == {"a": 37, "b": 48}
    assert first.model_extra["thinkdial"]["stop_reason"] == "tool_calls"  # type: ignore[index]
    messages += [choice.message.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": "85"}]
    second = client.chat.completions.create(model="thinkdial/adaptive", messages=messages, tools=[ADD_TOOL])  # type: ignore[arg-type]
    assert second.choices[0].message.content == "The answer is 85." and second.choices[0].finish_reason == "stop"


def test_a_streamed_tool_call(client: openai.OpenAI) -> None:
    chunks = list(client.chat.completions.create(model="thinkdial/adaptive", messages=ASK, tools=[ADD_TOOL], stream=True))  # type: ignore[arg-type]
    calls = [tc for ch in chunks for tc in (ch.choices[0].delta.tool_calls or []) if ch.choices]
    assert calls and calls[0].function is not None and calls[0].function.name == "add"
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_tool_choice_none_offers_no_tools(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model="thinkdial/adaptive", messages=ASK, tools=[ADD_TOOL], tool_choice="none")  # type: ignore[arg-type]
    assert reply.choices[0].finish_reason == "stop" and reply.choices[0].message.content == "85"


# -- streaming --------------------------------------------------------------------------------------


def test_streaming_names_the_route_before_the_first_token_and_ends_with_done(base: str, client: openai.OpenAI) -> None:
    with client.chat.completions.with_streaming_response.create(
        model="thinkdial/think", messages=ASK, stream=True, stream_options={"include_usage": True}
    ) as raw:
        assert raw.headers["x-thinkdial-route"] == "think"
        chunks = list(raw.parse())
    first = chunks[0]
    assert first.model_extra["thinkdial"]["route"] == "think" and not first.choices[0].delta.content  # type: ignore[index]
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert text == "85"
    finals = [ch for ch in chunks if ch.choices and ch.choices[0].finish_reason]
    assert finals[-1].model_extra["thinkdial"]["final"] is True  # type: ignore[index]
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0
    with httpx.stream("POST", f"{base}/chat/completions", json={"model": "thinkdial/fast", "messages": ASK, "stream": True}) as r:
        lines = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"


# -- limits and errors ----------------------------------------------------------------------------------


def test_bearer_keys_are_required_when_set() -> None:
    app = create_app(Engine.default(make_agent()), ServeOptions(api_keys=["sk-right"]))
    with serving(app) as url:
        with pytest.raises(openai.AuthenticationError) as err:
            openai.OpenAI(base_url=url, api_key="sk-wrong", max_retries=0).chat.completions.create(model="thinkdial/fast", messages=ASK)
        assert err.value.status_code == 401 and err.value.body["code"] == "invalid_api_key"  # type: ignore[index]
        r = httpx.get(f"{url}/models")
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
        ok = openai.OpenAI(base_url=url, api_key="sk-right").chat.completions.create(model="thinkdial/fast", messages=ASK)
        assert ok.choices[0].message.content == "85"


def test_bad_requests_are_400_naming_the_field(base: str) -> None:
    cases = [
        ({"model": "thinkdial/fast"}, "messages"),
        ({"model": "thinkdial/fast", "messages": [{"role": "user", "content": "hi"}], "temperature": 9}, "temperature"),
        ({"model": "thinkdial/fast", "messages": [{"role": "user", "content": "hi"}], "n": 2}, "n"),
        ({"model": "thinkdial/fast", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]},
         "messages[0].content"),
        ({"model": "thinkdial/fast", "messages": [{"role": "tool", "content": "5", "tool_call_id": "nope"}, *ASK]},
         "messages[0].tool_call_id"),
        ({"model": "thinkdial/fast", "messages": ASK, "tool_choice": {"type": "function", "function": {"name": "missing"}}},
         "tool_choice.function.name"),
        ({"model": "thinkdial/fast", "messages": ASK, "thinkdial": {"policy": "bogus"}}, "thinkdial.policy"),
        ({"model": "thinkdial/fast", "messages": ASK, "response_format": {"type": "xml"}}, "response_format.type"),
    ]
    for body, param in cases:
        r = httpx.post(f"{base}/chat/completions", json=body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"]["param"] == param, r.json()
    r = httpx.post(f"{base}/chat/completions", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"


def test_unknown_models_and_routes_are_404_in_the_openai_shape(client: openai.OpenAI, base: str) -> None:
    with pytest.raises(openai.NotFoundError) as err:
        client.chat.completions.create(model="gpt-4o", messages=ASK)
    assert err.value.body["code"] == "model_not_found"  # type: ignore[index]
    r = httpx.get(f"{base}/nothing-here")
    assert r.status_code == 404 and "error" in r.json()
    r = httpx.get(f"{base}/chat/completions")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_oversized_bodies_and_too_many_messages_are_413() -> None:
    app = create_app(Engine.default(make_agent()), ServeOptions(max_request_bytes=2000, max_messages=3))
    with serving(app) as url:
        r = httpx.post(f"{url}/chat/completions", json={"model": "thinkdial/fast", "messages": [{"role": "user", "content": "x" * 5000}]})
        assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"
        many = [{"role": "user", "content": "hi"}] * 4
        r = httpx.post(f"{url}/chat/completions", json={"model": "thinkdial/fast", "messages": many})
        assert r.status_code == 413 and r.json()["error"]["param"] == "messages"


def test_a_saturated_server_answers_429_with_retry_after() -> None:
    slow = ScriptedModel(ScriptedReply(text="one two three four five six seven eight", delay=0.1), name="slow")
    app = create_app(Engine.default(make_agent(fast=slow)), ServeOptions(max_concurrency=1))
    with serving(app) as url:
        first = threading.Thread(target=lambda: httpx.post(f"{url}/chat/completions", json={"model": "thinkdial/fast", "messages": ASK}, timeout=30))
        first.start()
        deadline = time.monotonic() + 10
        while httpx.get(url.removesuffix("/v1") + "/health").json()["active"] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        r = httpx.post(f"{url}/chat/completions", json={"model": "thinkdial/fast", "messages": ASK})
        first.join()
    assert r.status_code == 429 and r.headers["retry-after"] == "1"
    assert r.json()["error"]["code"] == "rate_limit_exceeded"


def test_a_model_failure_is_500_without_a_stack_trace() -> None:
    broken = ScriptedModel(RuntimeError("GPU on fire at /secret/path.py line 3"), name="broken")
    with serving(create_app(Engine.default(make_agent(fast=broken)))) as url:
        r = httpx.post(f"{url}/chat/completions", json={"model": "thinkdial/fast", "messages": ASK})
        s = httpx.post(f"{url}/chat/completions", json={"model": "thinkdial/fast", "messages": ASK, "stream": True})
    for resp in (r, s):
        assert resp.status_code == 500, resp.text
        assert resp.json()["error"]["type"] == "server_error"
        assert "Traceback" not in resp.text and "/secret/path.py" not in resp.text


# -- daily ceilings ---------------------------------------------------------------------------------


def priced_agent(delay: float = 0.0) -> Agent:
    price = Pricing(input_per_mtok=1000.0, output_per_mtok=1000.0)  # $0.001 a token: easy numbers
    fast = ScriptedModel(ScriptedReply(text="eighty five is the sum", delay=delay), name="priced", pricing=price)
    return make_agent(fast=fast, thinker=fast)


def test_daily_ceilings_refuse_before_a_call_and_book_the_real_spend(tmp_path: Path) -> None:
    store = SQLiteSpendStore(tmp_path / "spend.sqlite3")
    agent = priced_agent()
    options = ServeOptions(api_keys=["k1", "k2"], store=store, key_daily=Limits.of(None, 0.1), daily=Limits.of(None, 0.15))
    with serving(create_app(Engine.default(agent), options)) as url:
        k1 = openai.OpenAI(base_url=url, api_key="k1", max_retries=0)
        k2 = openai.OpenAI(base_url=url, api_key="k2", max_retries=0)
        spent = 0.0
        refused = None
        for _ in range(20):
            try:
                reply = k1.chat.completions.create(model="thinkdial/fast", messages=ASK)
            except openai.RateLimitError as err:
                refused = err
                break
            spent += reply.model_extra["thinkdial"]["cost_usd"]  # type: ignore[index]
        assert refused is not None and refused.body["code"] == "insufficient_quota"  # type: ignore[index]
        assert int(refused.response.headers["retry-after"]) > 0
        calls_before = len(agent.fast.requests)  # type: ignore[attr-defined]
        with pytest.raises(openai.RateLimitError):
            k1.chat.completions.create(model="thinkdial/fast", messages=ASK)
        assert len(agent.fast.requests) == calls_before  # type: ignore[attr-defined]  # refused before any call
        booked, reserved = store.used(key_scope("k1"))
        assert reserved.nano_usd == 0 and booked.cost_usd == pytest.approx(spent) and booked.cost_usd <= 0.1
        # The second key has its own ceiling, under the server-wide one.
        total = booked.cost_usd
        for _ in range(20):
            try:
                reply = k2.chat.completions.create(model="thinkdial/fast", messages=ASK)
            except openai.RateLimitError:
                break
            total += reply.model_extra["thinkdial"]["cost_usd"]  # type: ignore[index]
        assert store.used(SERVER_SCOPE)[0].cost_usd == pytest.approx(total) and total <= 0.15
    # A restart forgets nothing.
    store.close()
    again = SQLiteSpendStore(tmp_path / "spend.sqlite3")
    assert again.used(key_scope("k1"))[0].cost_usd == pytest.approx(spent)


def test_a_client_that_hangs_up_cancels_its_run_and_its_spend_is_booked(tmp_path: Path) -> None:
    store = SQLiteSpendStore(tmp_path / "spend.sqlite3")
    agent = priced_agent(delay=0.5)
    options = ServeOptions(store=store, daily=Limits.of(None, 10.0))
    with serving(create_app(Engine.default(agent), options)) as url:
        for stream in (False, True):
            before = store.used(SERVER_SCOPE)[0]
            body = {"model": "thinkdial/fast", "messages": ASK, "stream": stream}
            with pytest.raises(httpx.ReadTimeout):
                httpx.post(f"{url}/chat/completions", json=body, timeout=httpx.Timeout(5, read=0.4))
            deadline = time.monotonic() + 10
            while store.used(SERVER_SCOPE)[1].nano_usd and time.monotonic() < deadline:
                time.sleep(0.05)
            spent, reserved = store.used(SERVER_SCOPE)
            assert reserved.nano_usd == 0, stream
            assert spent.nano_usd > before.nano_usd, stream  # the cancelled call is booked at its worst case
            assert httpx.get(url.removesuffix("/v1") + "/health").json()["active"] == 0


def test_a_budget_too_small_for_the_step_is_400_before_any_call() -> None:
    fast = ScriptedModel("85", name="fast-scripted")
    with serving(create_app(Engine.default(make_agent(fast=fast)))) as url:
        r = httpx.post(f"{url}/chat/completions", json={"model": "thinkdial/fast", "messages": ASK,
                                                        "thinkdial": {"budget": {"max_tokens": 3}}})
    assert r.status_code == 400 and r.json()["error"]["param"] == "thinkdial.budget"
    assert fast.requests == []


def test_a_failure_after_the_stream_started_is_one_error_event_and_no_done() -> None:
    # The first chain is slow (the stream starts meanwhile); the second call fails.
    broken = ScriptedModel([ScriptedReply(text="Answer: 85", delay=0.2, confidence=0.3), RuntimeError("thinker down")],
                           name="broken-thinker")
    with serving(create_app(Engine.default(make_agent(thinker=broken)))) as url:
        body = {"model": "thinkdial/think", "messages": ASK, "stream": True}
        with httpx.stream("POST", f"{url}/chat/completions", json=body) as r:
            assert r.status_code == 200 and r.headers["x-thinkdial-route"] == "think" and r.headers["x-request-id"]
            events = [line.removeprefix("data: ") for line in r.iter_lines() if line.startswith("data: ")]
    assert json.loads(events[0])["thinkdial"]["route"] == "think"
    assert json.loads(events[-1])["error"]["type"] == "server_error" and "[DONE]" not in events
