"""Servers that misbehave (issue 11): each fault injected by a real HTTP server on 127.0.0.1.

The fault server (``tests/faults/server.py``) picks its behaviour from the model
name, so ``openai/cut`` gets a stream cut before its ``finish_reason`` and so on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from faults.server import BIG_PROMPT_TOKENS, FaultServer

from thinkdial.errors import (
    BilledCallError,
    InvalidResponseError,
    RateLimitedError,
    ResponseTimeoutError,
    StreamInterruptedError,
    ThinkdialError,
    UsageAboveLimitError,
)
from thinkdial.models import LiteLLMModel, Message, ModelRequest


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


def model(server: FaultServer, fault: str, **kw) -> LiteLLMModel:
    return LiteLLMModel(f"openai/{fault}", api_base=server.base, api_key="sk-local", **kw)


def ask(text: str = "What is 2+2?", **kw) -> ModelRequest:
    return ModelRequest(messages=[Message(role="user", content=text)], **kw)


def call(m: LiteLLMModel, req: ModelRequest, streamed: bool):
    return asyncio.run(m.complete(req, (lambda k, t: None) if streamed else None))


both = pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])


def test_a_stream_cut_before_finish_reason_is_an_error_not_the_answer(server: FaultServer) -> None:
    before = server.count("cut")
    with pytest.raises(StreamInterruptedError, match="before the answer was complete") as info:
        call(model(server, "cut"), ask(max_tokens=50), streamed=True)
    err = info.value
    assert err.partial.strip() == "The answer"
    assert err.usage is not None and err.usage.input_tokens > 0 and err.usage.output_tokens >= 2
    assert server.count("cut") == before + 1, "a billed attempt is not retried behind the ledger's back"


def test_a_stream_broken_mid_way_is_counted_and_not_retried(server: FaultServer) -> None:
    before = server.count("broken")
    with pytest.raises(StreamInterruptedError, match="broke after 3 chunks") as info:
        call(model(server, "broken", max_retries=3), ask(max_tokens=50), streamed=True)
    usage = info.value.usage
    assert usage is not None and usage.output_tokens >= 3 and usage.input_tokens > 0
    assert server.count("broken") == before + 1


@both
def test_a_200_that_is_not_json_is_an_error(server: FaultServer, streamed: bool) -> None:
    with pytest.raises((InvalidResponseError, StreamInterruptedError)) as info:
        call(model(server, "notjson"), ask(max_tokens=20), streamed)
    text = str(info.value)
    assert "not a chat completion" in text or "OpenAI-compatible" in text


@both
def test_retry_after_is_honoured(server: FaultServer, streamed: bool) -> None:
    prompt = f"retry-after test {streamed}"
    c = call(model(server, "retryafter"), ask(prompt, max_tokens=20), streamed)
    assert c.text == "The answer is 4."
    times = [r.at for r in server.requests if r.model == "retryafter" and r.body["messages"][0]["content"] == prompt]
    assert len(times) == 2
    assert times[1] - times[0] >= 0.95, "the retry came before the server's Retry-After: 1"


def test_a_server_that_keeps_rate_limiting_fails_with_its_reason(server: FaultServer) -> None:
    before = server.count("ratelimited")
    with pytest.raises(RateLimitedError, match="HTTP 429, Retry-After 1 s"):
        call(model(server, "ratelimited", max_retries=2), ask(max_tokens=20), False)
    assert server.count("ratelimited") == before + 2


@both
def test_a_server_that_never_answers_fails_within_the_timeout(server: FaultServer, streamed: bool) -> None:
    started = time.monotonic()
    with pytest.raises(ResponseTimeoutError, match="sent nothing for 2 s") as info:
        call(model(server, "hang", timeout=2.0), ask(max_tokens=30), streamed)
    assert time.monotonic() - started < 10, "a timeout is not retried three times over"
    usage = info.value.usage
    assert usage is not None and usage.input_tokens > 0
    if not streamed:  # nothing seen: the server may have generated the whole answer
        assert usage.output_tokens == 30


def test_the_default_timeout_is_bounded() -> None:
    from thinkdial.models.litellm_model import DEFAULT_TIMEOUT

    assert LiteLLMModel("openai/x", api_base="http://127.0.0.1:9/v1").timeout == DEFAULT_TIMEOUT <= 120


@both
def test_usage_above_max_tokens_is_flagged_with_the_usage(server: FaultServer, streamed: bool) -> None:
    with pytest.raises(UsageAboveLimitError, match="reported 2000 output tokens") as info:
        call(model(server, "overbill"), ask(max_tokens=20), streamed)
    assert isinstance(info.value, BilledCallError)
    assert info.value.usage is not None and info.value.usage.output_tokens == 2000


@both
def test_the_prompt_overhead_is_learned(server: FaultServer, streamed: bool) -> None:
    m = model(server, "bigprompt")
    before = m.count_tokens(ask().messages)
    assert before < 200
    c = call(m, ask(max_tokens=20), streamed)
    assert c.usage.input_tokens >= BIG_PROMPT_TOKENS
    assert m.count_tokens(ask().messages) >= BIG_PROMPT_TOKENS, "the next call's worst case includes the overhead"
    assert m.count_tokens(ask("a different, longer question about something").messages) >= BIG_PROMPT_TOKENS


def test_a_declared_prompt_overhead_holds_from_the_first_call(server: FaultServer) -> None:
    m = model(server, "bigprompt", prompt_overhead=BIG_PROMPT_TOKENS)
    assert m.count_tokens(ask().messages) >= BIG_PROMPT_TOKENS


def test_every_error_has_a_usage_attribute() -> None:
    assert ThinkdialError("x").usage is None


# -- through the Agent: the run stops with a message, the ceiling holds -------------------------


def _run(server: FaultServer, fault: str, m: LiteLLMModel | None = None, **budget):
    from thinkdial import Agent, Budget

    m = m or model(server, fault, timeout=2.0)
    agent = Agent(fast=m, thinker=m, policy="fast", estimate="tokens")
    return agent.run_sync("What is 2+2?", budget=Budget(**budget))


@pytest.mark.parametrize("fault", ["cut", "broken", "notjson", "overbill", "hang", "ratelimited", "error500"])
def test_agent_runs_against_faults_stop_with_a_message(server: FaultServer, fault: str) -> None:
    started = time.monotonic()
    result = _run(server, fault, max_tokens=1000)
    assert result.stop_reason == "error"
    assert result.message
    assert time.monotonic() - started < 30


def test_agent_on_a_big_prompt_server_learns_and_then_holds(server: FaultServer) -> None:
    m = model(server, "bigprompt")
    first = _run(server, "bigprompt", m, max_tokens=1000)
    assert first.usage.input_tokens >= BIG_PROMPT_TOKENS  # the truth is booked (the first call could not know)
    second = _run(server, "bigprompt", m, max_tokens=1000)
    assert second.stop_reason == "budget"
    assert second.usage.total_tokens <= 1000, "once learned, the worst case refuses the call up front"
    declared = _run(server, "bigprompt", model(server, "bigprompt", prompt_overhead=BIG_PROMPT_TOKENS), max_tokens=1000)
    assert declared.usage.total_tokens <= 1000


@pytest.mark.parametrize("fault", ["cut", "broken", "overbill"])
def test_what_a_failed_call_was_billed_is_booked_by_the_ledger(server: FaultServer, fault: str) -> None:
    mark = len(server.requests)
    result = _run(server, fault, max_tokens=1000)
    billed = sum(r.billed for r in server.requests[mark:])
    assert result.stop_reason == "error"
    assert billed > 0
    assert result.usage.total_tokens >= billed, "the run's usage includes what the failed call was billed"
