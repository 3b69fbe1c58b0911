"""Wrong arguments fail when the Agent is built (or the run is asked for), naming the argument."""

from __future__ import annotations

import math

import pytest

from thinkdial import Agent, Budget
from thinkdial.models import Pricing, ScriptedModel


@pytest.mark.parametrize(
    "kwargs, error, needle",
    [
        ({"fast": 123}, TypeError, "Agent(fast=...)"),
        ({"thinker": object()}, TypeError, "Agent(thinker=...)"),
        ({"verify": "sometimes"}, ValueError, "Agent(verify=...)"),
        ({"verify": 1.5}, ValueError, "Agent(verify=...)"),
        ({"thinking": "bogus"}, ValueError, "Agent(thinking=...)"),
        ({"thinking": {"levels": {"low": -5}}}, ValueError, "levels"),
        ({"thinking": {"levels": {"huge": 5}}}, ValueError, "unknown thinking levels"),
        ({"thinking": {"probe_evry": 5}}, ValueError, "probe_evry"),
        ({"estimate": "sometimes"}, ValueError, "Agent(estimate=...)"),
        ({"budget": {"max_tokens": 5}}, TypeError, "Agent(budget=...)"),
        ({"output_type": dict}, TypeError, "Agent(output_type=...)"),
        ({"tool_timeout": 0}, ValueError, "Agent(tool_timeout=...)"),
        ({"policy": "bogus"}, ValueError, "Unknown policy"),
    ],
)
def test_bad_agent_arguments(kwargs, error, needle):
    with pytest.raises(error) as info:
        Agent(**({"fast": ScriptedModel("ok")} | kwargs))
    assert needle in str(info.value)


@pytest.mark.parametrize(
    "task, kwargs, error, needle",
    [
        ("", {}, ValueError, "run(task=...)"),
        ("   ", {}, ValueError, "run(task=...)"),
        ("hi", {"budget": {"max_tokens": 5}}, TypeError, "run(budget=...)"),
        ("hi", {"history": ["hello"]}, TypeError, "run(history=...)"),
    ],
)
def test_bad_run_arguments(task, kwargs, error, needle):
    agent = Agent(fast=ScriptedModel("ok"))
    with pytest.raises(error, match=needle.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        agent.run_sync(task, **kwargs)


def test_an_infinite_cost_ceiling_with_a_priced_model_is_no_ceiling():
    fast = ScriptedModel("Paris.", pricing=Pricing(input_per_mtok=1.0, output_per_mtok=2.0))
    result = Agent(fast=fast, policy="fast").run_sync("Capital of France?", budget=Budget(max_cost_usd=math.inf))
    assert result.stop_reason == "final" and result.output == "Paris."


def test_history_continues_a_conversation_with_its_tool_turns():
    from thinkdial.models import ModelCapabilities, ScriptedReply, tool_call
    from thinkdial.tools import calculator

    fast = ScriptedModel(
        [ScriptedReply(tool_calls=[tool_call("calculator", {"expression": "37 + 48"})]), "37 + 48 = 85.", "It was 85."],
        capabilities=ModelCapabilities(tools=True, logprobs=True),
    )
    agent = Agent(fast=fast, tools=[calculator], policy="fast")
    first = agent.run_sync("What is 37 + 48?")
    roles = [m.role for m in first.messages]
    assert roles == ["user", "assistant", "tool", "assistant"]
    assert first.messages[1].tool_calls[0].name == "calculator" and first.messages[2].content == "85"
    second = agent.run_sync("What did you compute?", history=first.messages)
    sent = fast.requests[-1].messages
    assert [m.role for m in sent] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert [m.role for m in second.messages] == [*roles, "user", "assistant"]
