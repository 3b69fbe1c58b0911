"""Reading OpenAI requests into thinkdial's types and writing answers back (no server)."""

from __future__ import annotations

import pytest

from thinkdial import Budget
from thinkdial.models import ScriptedModel
from thinkdial.models.base import Pricing
from thinkdial.policies.routing import AdaptivePolicy, RouteContext
from thinkdial.serve.engine import ForcedLevel, combine, worst_case
from thinkdial.serve.protocol import APIError, parse_request, pieces, response_schema, schema_output_type, to_messages, tool_plan


def req(**body: object):  # type: ignore[no-untyped-def]
    return parse_request({"model": "thinkdial/adaptive", "messages": [{"role": "user", "content": "hi"}], **body})


def test_messages_become_thinkdial_messages_and_tool_results_get_their_names() -> None:
    r = req(messages=[
        {"role": "developer", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "What is "}, {"type": "text", "text": "2 + 2?"}]},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
                                                             "function": {"name": "add", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "4"},
    ])
    msgs = to_messages(r)
    assert [m.role for m in msgs] == ["system", "user", "assistant", "tool"]
    assert msgs[1].content == "What is 2 + 2?" and msgs[2].tool_calls[0].name == "add" and msgs[3].name == "add"


@pytest.mark.parametrize(("body", "param"), [
    ({"messages": []}, "messages"),
    ({"messages": [{"role": "user"}]}, "messages[0]"),
    ({"max_tokens": 0}, "max_tokens"),
    ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
    ({"reasoning_effort": "extreme"}, "reasoning_effort"),
    ({"tools": [{"type": "function", "function": {"name": "bad name"}}]}, "tools[0].function.name"),
    ({"thinkdial": {"budget": {"max_cost_usd": -1}}}, "thinkdial.budget.max_cost_usd"),
])
def test_a_bad_field_is_named(body: dict, param: str) -> None:
    with pytest.raises(APIError) as err:
        req(**body)
    assert err.value.status == 400 and err.value.param == param


def test_tool_choice() -> None:
    add = {"type": "function", "function": {"name": "add", "parameters": {"type": "object", "properties": {}}}}
    mul = {"type": "function", "function": {"name": "mul"}}
    assert [t.name for t in tool_plan(req(tools=[add, mul])).client] == ["add", "mul"]
    none = tool_plan(req(tools=[add], tool_choice="none"))
    assert none.client == [] and not none.server_tools
    named = tool_plan(req(tools=[add, mul], tool_choice={"type": "function", "function": {"name": "mul"}}))
    assert [t.name for t in named.client] == ["mul"] and not named.server_tools
    with pytest.raises(APIError):
        tool_plan(req(tools=[add, add]))


def test_a_json_schema_output_type_validates_like_the_schema() -> None:
    name, schema = response_schema(req(response_format={"type": "json_schema", "json_schema": {
        "name": "Sum", "schema": {"type": "object", "properties": {"sum": {"type": "integer"}}, "required": ["sum"]}}}))  # type: ignore[misc]
    kind = schema_output_type(name, schema)
    assert kind.__name__ == "Sum" and kind.model_json_schema() == schema
    assert kind.model_validate_json('{"sum": 4}').model_dump() == {"sum": 4}
    with pytest.raises(ValueError, match="sum"):
        kind.model_validate_json('{"sum": "four"}')
    with pytest.raises(APIError) as err:
        response_schema(req(response_format={"type": "json_schema", "json_schema": {"schema": {"type": 12}}}))
    assert err.value.param == "response_format.json_schema.schema"


def test_pieces_join_back_to_the_text() -> None:
    text = "one two  three\nfour " + "x" * 60 + " five"
    assert "".join(pieces(text)) == text and len(pieces(text)) > 2


def test_budgets_combine_to_the_lower_and_worst_case_prices_the_dearest_model() -> None:
    both = combine(Budget(max_tokens=16_000, max_steps=8), Budget(max_tokens=4000, max_cost_usd=0.5))
    assert (both.max_tokens, both.max_steps, both.max_cost_usd) == (4000, 8, 0.5)
    cheap, dear = ScriptedModel("x"), ScriptedModel("x", pricing=Pricing(input_per_mtok=1.0, output_per_mtok=4.0))
    w = worst_case(Budget(max_tokens=1000), [cheap, dear])
    assert w.tokens == 1000 and w.nano_usd == 4_000_000  # 1000 tokens at $4/Mtok = $0.004


def test_reasoning_effort_forces_the_level_of_an_escalation_only() -> None:
    policy = ForcedLevel(AdaptivePolicy(), "high")
    assert policy.decide(RouteContext(0.6, {}, None)).level == "high"
    assert policy.decide(RouteContext(0.1, {}, None)).action == "keep"
