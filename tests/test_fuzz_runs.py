"""No crash from model text: whole runs on scripted models that say anything (tests/fuzz/runs.py).

Every run must end with a documented ``stop_reason`` (or a documented exception), never cross a ceiling,
and finish within its time bound. ``bench/fuzz_runs.py`` runs ten thousand and more; this runs a few
hundred, plus the inputs that broke runs before, by name.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fuzz.runs import Case, Outcome, Reply, Tally, describe, generate, run_case

from thinkdial import Agent, Budget
from thinkdial.models import Pricing, ScriptedModel

RUNS = 200
TIME_LIMIT = 3.0


def _report(failures: dict[tuple[str, str, str], list[Any]]) -> str:
    return "\n".join(f"{count}x {kind} {exc} at {where}: {outcome.detail[:120]} | seed {case.seed}: {describe(case)[:400]}"
                     for (kind, exc, where), (count, outcome, case, _) in failures.items())


def test_random_runs_end_soundly_within_their_ceilings() -> None:
    tally = Tally()
    for seed in range(RUNS):
        case = generate(seed)
        tally.add(case, run_case(case, time_limit=TIME_LIMIT))
    # Time overshoots (CPU-bound work between calls, which max_seconds cannot interrupt) are counted, not failed.
    failed = {sig: entry for sig, entry in tally.failures.items() if entry[1].kind != "overtime"}
    assert not failed, "\n" + _report(failed)
    assert tally.stops.get("final", 0) > RUNS // 10 and tally.stops.get("budget", 0) > RUNS // 10  # the runs do run


def _one_draft(text: str, **case: Any) -> Case:
    return Case(fast=(Reply(text),), thinker=(Reply("85"),), **case)


KNOWN_IN_POLICIES = {  # inputs that crashed or stalled the answer reader and the claim checks before their rewrite
    "5000 sevens is even (ValueError: int string conversion limit)": _one_draft("7" * 5000 + " is even."),
    "a 61-bit Mersenne prime claimed prime (trial division for minutes)": _one_draft("Yes, 2305843009213693951 is prime."),
    "an 8000-digit expression cut short (quadratic answer reading)": _one_draft("x = " + "1234567890" * 800 + "+"),
    "a word then 11,000 newlines (quadratic answer shape)": _one_draft("$ so calculator even" + "\n" * 11242 + "."),
    "140,000 characters with unclosed <think> tags (quadratic thinking strip, seed 85)": _one_draft(
        "<think> 41 " * 12_000 + "The answer is 85."),
}


@pytest.mark.parametrize("case", [pytest.param(c, id=name) for name, c in KNOWN_IN_POLICIES.items()])
def test_known_inputs_in_policies(case: Case) -> None:
    outcome = run_case(case, time_limit=TIME_LIMIT)
    assert outcome.kind == "ok", (outcome.kind, outcome.where, outcome.detail)


KNOWN_ELSEWHERE = {
    "a lone surrogate in the answer, written to a trace": _one_draft("\ud800 is the answer \udfff", trace=True),
    "a lone surrogate in a tool call's arguments, traced": Case(
        fast=(Reply("", calls=(("echo", '{"text": "\\ud800"}'),)), Reply("done")), tools=("echo",), trace=True,
        fast_caps=(True, False, True, True, True)),
    "structured output past a tiny context window": Case(fast=(Reply("85"),), thinker=(Reply("85"),), structured=True,
                                                         context_window=30, policy="fast"),
    "20,000 newlines in a reply (the scripted double's tokenizer)": _one_draft("ok" + "\n" * 20000),
    "a 6000-digit integer in tool arguments": Case(fast=(Reply("", calls=(("count", '{"n": ' + "7" * 6000 + "}"),)), Reply("done")),
                                                   tools=("count",), fast_caps=(True, False, True, True, True)),
    "token data with -inf log-probabilities and NaN entropies, traced": Case(
        fast=(Reply("The answer is 85.", odd_tokens=True),), trace=True),
    "the same tool call forever, with no ceiling at all (a stalled run stops)": Case(
        fast=(Reply("", calls=(("echo", '{"text": "again"}'),)),), thinker=(Reply("", calls=(("echo", '{"text": "again"}'),)),),
        tools=("echo",), budget=(), fast_caps=(True, False, True, True, True), thinker_caps=(True, False, True, True, True)),
    "deeply nested tool arguments": Case(fast=(Reply("", calls=(("echo", "[" * 50000 + "]" * 50000),)), Reply("done")),
                                         tools=("echo",), fast_caps=(True, False, True, True, True)),
    "a strict ceiling hit while structuring the output": Case(
        fast=(Reply("85"),), thinker=(Reply("85 " * 300),), structured=True, policy="fast",
        budget=(("max_tokens", 60), ("strict", True))),
    "an unpriced model under a dollar ceiling": Case(priced=False, budget=(("max_cost_usd", 0.01),)),
}


@pytest.mark.parametrize("case", list(KNOWN_ELSEWHERE.values()), ids=list(KNOWN_ELSEWHERE))
def test_known_inputs_outside_policies(case: Case) -> None:
    outcome = run_case(case, time_limit=TIME_LIMIT)
    assert outcome.kind == "ok", (outcome.kind, outcome.where, outcome.detail)


def test_the_harness_catches_what_it_looks_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """A crossing, a hang and an unexpected exception are each reported, with where they happened."""
    from thinkdial.budget import Ledger

    monkeypatch.setattr(Ledger, "plan", lambda self, pricing, prompt, max_tokens, *a, **k: _allow_all(max_tokens))
    crossing = run_case(_one_draft("word " * 500, budget=(("max_tokens", 20),)), time_limit=TIME_LIMIT)
    assert crossing.kind == "crossing" and crossing.detail.startswith("tokens:")
    monkeypatch.undo()

    def stall(*args: Any, **kwargs: Any) -> Any:
        while True:
            pass

    monkeypatch.setattr("thinkdial.controller.request_shape", stall)
    hang = run_case(_one_draft("85"), time_limit=0.3)
    assert hang.kind == "hang" and hang.exception == "Hang"
    monkeypatch.setattr("thinkdial.controller.request_shape", lambda task: 1 / 0)
    crash = run_case(_one_draft("85"), time_limit=TIME_LIMIT)
    assert crash.kind == "exception" and crash.exception == "ZeroDivisionError" and crash.where == "agent/controller.py:_step"


def _allow_all(max_tokens: int) -> Any:
    from thinkdial.budget import CallPlan

    return CallPlan(allowed=True, max_tokens=max_tokens)


def test_a_case_is_the_same_run_from_the_same_seed() -> None:
    assert generate(7) == generate(7) and generate(7) != generate(8)
    first, second = run_case(generate(7)), run_case(generate(7))
    assert (first.kind, first.stop_reason) == (second.kind, second.stop_reason)


def test_shrinking_keeps_the_failure_and_drops_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    from fuzz.runs import shrink

    def picky(task: str) -> str:
        if "boom" in task:
            raise KeyError("boom")
        return "short"

    monkeypatch.setattr("thinkdial.controller.request_shape", picky)
    big = Case(task="a" * 300 + "boom" + "b" * 300, fast=(Reply("x"), Reply("y"), Reply("z")), policy="think", tools=("echo",))
    failing = run_case(big)
    assert failing.kind == "exception"
    small, runs = shrink(big, failing, max_runs=300)
    assert run_case(small).signature == failing.signature
    assert len(small.task) < 40 and "boom" in small.task and len(small.fast) == 1 and small.tools == () and runs <= 300


# -- the real remote path: a server that sends a lone surrogate as a JSON escape -----------------------


@pytest.fixture(scope="module")
def surrogate_server() -> Iterator[str]:
    from servers.loopback import LoopbackHandler, LoopbackServer

    class Handler(LoopbackHandler):
        def do_POST(self) -> None:  # noqa: N802
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            text = "The answer is \\ud800 85."  # a JSON escape: valid JSON, no UTF-8 form once decoded
            usage = '"usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}'
            if not request.get("stream"):
                body = ('{"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": [{"index": 0, '
                        f'"message": {{"role": "assistant", "content": "{text}"}}, "finish_reason": "stop"}}], {usage}}}').encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            head = '"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m"'
            events = [f'{{{head}, "choices": [{{"index": 0, "delta": {{"role": "assistant", "content": "{text}"}}, "finish_reason": null}}]}}',
                      f'{{{head}, "choices": [{{"index": 0, "delta": {{}}, "finish_reason": "stop"}}]}}',
                      f'{{{head}, "choices": [], {usage}}}']
            body = "".join(f"data: {e}\n\n" for e in events).encode() + b"data: [DONE]\n\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(LoopbackServer):
        handler = Handler

    with Server() as srv:
        yield srv.base


@pytest.mark.slow
def test_a_lone_surrogate_from_a_server_becomes_a_replacement_character(surrogate_server: str, tmp_path: Any) -> None:
    from thinkdial.models import LiteLLMModel, Message, ModelRequest

    model = LiteLLMModel("openai/surrogates", api_base=surrogate_server, api_key="k", pricing=Pricing.free())
    reply = asyncio.run(model.complete(ModelRequest(messages=[Message(role="user", content="hi")], max_tokens=50)))
    assert reply.text == "The answer is \ufffd 85."
    trace = tmp_path / "run.jsonl"
    result = Agent(fast=model, policy="fast", tools=[]).run_sync("What is 37 + 48?", budget=Budget(max_tokens=500), trace=trace)
    assert result.stop_reason == "final" and "\ufffd" in str(result.output)
    assert json.loads(trace.read_text(encoding="utf-8").splitlines()[-1])["type"] == "final"


def test_outcome_signatures_group_by_kind_exception_and_place() -> None:
    a = Outcome("exception", 0.1, detail="ValueError: x", where="policies/claims.py:f", exception="ValueError")
    b = Outcome("exception", 0.2, detail="ValueError: y", where="policies/claims.py:f", exception="ValueError")
    assert a.signature == b.signature and a.in_policies
    assert Outcome("crossing", 0.1, detail="tokens: 5 > 4").signature == ("crossing", "", "tokens")
    model = ScriptedModel("x")
    assert model.pricing.known
