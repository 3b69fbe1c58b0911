"""Other people's agent loops against ``thinkdial serve``: litellm as a client, and a pydantic-ai agent whose own tools
run in pydantic-ai while every step is routed by thinkdial (ScriptedModel agents behind a real uvicorn server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers.serve import serving

from thinkdial import Agent
from thinkdial.models import ScriptedModel
from thinkdial.models.base import ModelCapabilities, ModelRequest
from thinkdial.models.scripted import ScriptedReply, tool_call
from thinkdial.serve.app import ServeOptions, create_app
from thinkdial.serve.engine import Engine, ServerTrace
from thinkdial.trace import load_trace

TOOLS = ModelCapabilities(tools=True, logprobs=True)


def two_tools_then_answer(request: ModelRequest) -> ScriptedReply:
    """Calls the client's ``add``, then its ``multiply`` on the result, then answers."""
    results = [m.content for m in request.messages if m.role == "tool"]
    if not results:
        return ScriptedReply(tool_calls=[tool_call("add", {"a": 37, "b": 48}, "call_1")])
    if len(results) == 1:
        return ScriptedReply(tool_calls=[tool_call("multiply", {"a": float(results[0]), "b": 2}, "call_2")])
    return ScriptedReply(text=f"The answer is {results[-1]}.")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    trace = tmp_path_factory.mktemp("serve") / "server.jsonl"
    fast = ScriptedModel(two_tools_then_answer, name="fast-scripted", capabilities=TOOLS)
    agent = Agent(fast=fast, thinker=ScriptedModel("Answer: 170", name="thinker-scripted"))
    options = ServeOptions(trace=ServerTrace(trace))
    with serving(create_app(Engine.default(agent), options)) as base:
        yield base, trace
    options.trace.close()  # type: ignore[union-attr]


def test_a_pydantic_ai_agent_runs_its_own_tools_through_thinkdial(served: tuple[str, Path]) -> None:
    from pydantic_ai import Agent as PydanticAgent
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    base, trace = served
    model = OpenAIChatModel("thinkdial/adaptive", provider=OpenAIProvider(base_url=base, api_key="unused"))
    agent = PydanticAgent(model, instructions="Use the tools for arithmetic.")
    calls: list[tuple[str, float, float]] = []

    @agent.tool_plain
    def add(a: float, b: float) -> float:
        """Add two numbers."""
        calls.append(("add", a, b))
        return a + b

    @agent.tool_plain
    def multiply(a: float, b: float) -> float:
        """Multiply two numbers."""
        calls.append(("multiply", a, b))
        return a * b

    result = agent.run_sync("What is (37 + 48) * 2?")
    assert calls == [("add", 37, 48), ("multiply", 85, 2)]
    assert "170" in result.output
    # Three requests, three steps of pydantic-ai's loop, each routed by thinkdial and visible in the server's trace.
    events = load_trace(trace).events
    by_request: dict[str, list[str]] = {}
    for line in trace.read_text().splitlines():
        data = json.loads(line)
        if data["type"] == "route":
            by_request.setdefault(data["request"], []).append(data["route"])
    assert len(by_request) >= 3 and all(routes for routes in by_request.values())
    assert any(e.type == "tool_call" and e.name == "multiply" for e in events)


def test_litellm_as_a_client(served: tuple[str, Path]) -> None:
    import litellm

    base, _ = served
    ask = [{"role": "user", "content": "What is (37 + 48) * 2?"},
           {"role": "assistant", "content": None, "tool_calls": [
               {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": '{"a": 37, "b": 48}'}}]},
           {"role": "tool", "tool_call_id": "call_1", "content": "85"},
           {"role": "assistant", "content": None, "tool_calls": [
               {"id": "call_2", "type": "function", "function": {"name": "multiply", "arguments": '{"a": 85, "b": 2}'}}]},
           {"role": "tool", "tool_call_id": "call_2", "content": "170"}]
    reply = litellm.completion(model="openai/thinkdial/fast", api_base=base, api_key="unused", messages=ask,
                               extra_body={"thinkdial": {"budget": {"max_tokens": 4000}}})
    assert reply.choices[0].message.content == "The answer is 170."
    assert reply.usage.total_tokens > 0
    chunks = list(litellm.completion(model="openai/thinkdial/fast", api_base=base, api_key="unused", messages=ask, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "The answer is 170."
