"""``Agent.run_messages``: a request of a client's loop as one run, with the client's tools handed back (ScriptedModel)."""

from __future__ import annotations

import json

import pytest

from thinkdial import Agent, Budget, tool
from thinkdial.models import ScriptedModel
from thinkdial.models.base import Message, ModelCapabilities, ModelRequest, ToolSpec
from thinkdial.models.scripted import ScriptedReply, tool_call

TOOLS = ModelCapabilities(tools=True, logprobs=True)
WEATHER = ToolSpec(name="weather", description="Weather in a city.",
                   parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})


def asks_then_answers(request: ModelRequest) -> ScriptedReply:
    if request.messages[-1].role == "tool":
        return ScriptedReply(text=request.messages[-1].content.capitalize() + ".")
    return ScriptedReply(tool_calls=[tool_call("weather", {"city": "Oslo"}, "call_1")])


async def test_a_call_of_a_client_tool_ends_the_run_with_the_call() -> None:
    fast = ScriptedModel(asks_then_answers, capabilities=TOOLS)
    agent = Agent(fast=fast, policy="fast")
    result = await agent.run_messages([Message(role="user", content="Weather in Oslo?")], external_tools=[WEATHER])
    assert result.stop_reason == "tool_calls"
    assert [(c.name, json.loads(c.arguments)) for c in result.tool_calls] == [("weather", {"city": "Oslo"})]
    assert result.messages[-1].role == "assistant" and result.messages[-1].tool_calls
    assert result.output == "" and len(result.steps) == 1 and result.steps[0].tool_calls[0]["handed_over"]
    assert "weather" in [t.name for t in fast.requests[0].tools]

    # The client runs the tool and sends the result: the next request is the next step.
    follow = [*result.messages, Message(role="tool", content="sunny", tool_call_id="call_1", name="weather")]
    again = await agent.run_messages(follow, external_tools=[WEATHER])
    assert again.stop_reason == "final" and again.output == "Sunny."
    assert again.tool_calls == []
    # A draft restating the client's tool result is grounded, as with the agent's own tools.
    assert again.steps[0].estimate_stage == "grounded"


async def test_a_client_tool_wins_over_a_server_tool_of_the_same_name() -> None:
    ran = []

    @tool
    def weather(city: str) -> str:
        """Server-side weather."""
        ran.append(city)
        return "rain"

    fast = ScriptedModel(asks_then_answers, capabilities=TOOLS)
    agent = Agent(fast=fast, tools=[weather], policy="fast")
    result = await agent.run_messages([Message(role="user", content="Weather in Oslo?")], external_tools=[WEATHER])
    assert result.stop_reason == "tool_calls" and ran == []
    assert [t.description for t in fast.requests[0].tools] == ["Weather in a city."]


async def test_server_tools_still_run_server_side_within_the_request() -> None:
    @tool
    def add(a: float, b: float) -> float:
        """Add two numbers."""
        return a + b

    def script(request: ModelRequest) -> ScriptedReply:
        if request.messages[-1].role == "tool":
            return ScriptedReply(text="85")
        return ScriptedReply(tool_calls=[tool_call("add", {"a": 37, "b": 48})])

    agent = Agent(fast=ScriptedModel(script, capabilities=TOOLS), tools=[add], policy="fast")
    result = await agent.run_messages([Message(role="user", content="What is 37 + 48?")], external_tools=[WEATHER])
    assert result.stop_reason == "final" and result.output == "85" and len(result.steps) == 2


async def test_leading_system_messages_replace_the_system_prompt() -> None:
    fast = ScriptedModel("Ahoy.")
    agent = Agent(fast=fast, policy="fast")
    result = await agent.run_messages([Message(role="system", content="Talk like a pirate."),
                                       Message(role="user", content="Hello")])
    assert result.output == "Ahoy."
    sent = fast.requests[0].messages
    assert [m.role for m in sent] == ["system", "user"] and sent[0].content == "Talk like a pirate."


async def test_run_messages_needs_a_user_message_and_message_objects() -> None:
    agent = Agent(fast=ScriptedModel("x"), policy="fast")
    with pytest.raises(ValueError, match="user message"):
        await agent.run_messages([Message(role="system", content="only a system prompt")])
    with pytest.raises(TypeError):
        await agent.run_messages([{"role": "user", "content": "hi"}])  # type: ignore[list-item]


async def test_run_is_unchanged_and_budget_still_holds() -> None:
    agent = Agent(fast=ScriptedModel("one two three four five"), policy="fast")
    result = await agent.run_messages([Message(role="user", content="Count")], budget=Budget(max_tokens=3))
    assert result.stop_reason == "budget"
    assert (await agent.run("Count")).output == "one two three four five"
