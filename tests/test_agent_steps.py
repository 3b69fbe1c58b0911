"""Agent steps on ScriptedModel doubles: tool-call difficulty, progress signals, grounding, the workspace grammar."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from thinkdial import Agent, Budget
from thinkdial.models import ModelCapabilities, ScriptedModel, ScriptedReply, tool_call
from thinkdial.models.local_tools import tool_call_json_schema, tools_system_text
from thinkdial.policies.estimate.difficulty import DifficultyEstimator, hand_set_calibration
from thinkdial.policies.estimate.grounding import answer_in_result, call_bears_on, tool_need, unread_pointers
from thinkdial.policies.estimate.progress import ESCALATE_AT, STOP_AT, CallRecord, progress, raise_difficulty
from thinkdial.policies.estimate.tool_steps import CallFacts, tool_step_estimate, ungrounded_values
from thinkdial.tools import calculator, tool, workspace_tools
from thinkdial.trace import RouteDecision

SURE = 0.99
TOOLS = ModelCapabilities(tools=True, logprobs=True, prefill=True, probes=True)


@tool
def add(a: float, b: float) -> float:
    """Add two numbers."""
    return a + b


@tool
def flaky(x: int) -> str:
    """Always fails."""
    raise RuntimeError("service down")


def _agent(fast_script: list, thinker_script: list | None = None, tools: list | None = None, **kw) -> tuple[Agent, ScriptedModel]:
    fast = ScriptedModel(fast_script, name="fast", capabilities=TOOLS)
    thinker = ScriptedModel(thinker_script or ["Answer: 42"], name="thinker", repeat_last=True)
    kw.setdefault("estimate", "tokens")
    kw.setdefault("estimator", DifficultyEstimator(calibration=hand_set_calibration()))
    return Agent(fast=fast, thinker=thinker, tools=tools if tools is not None else [add], **kw), thinker


def _run(agent: Agent, task: str, **kw):
    events: list = []
    result = agent.run_sync(task, on_event=events.append, **kw)
    return result, [e for e in events if isinstance(e, RouteDecision)]


# ---------------------------------------------------------------- tool-call steps have a difficulty


def test_a_confident_grounded_call_is_kept():
    agent, thinker = _agent([ScriptedReply("", tool_calls=[tool_call("add", {"a": 12.5, "b": 30.25})], confidence=SURE), "42.75"])
    result, _ = _run(agent, "What is 12.5 + 30.25?")
    first = result.steps[0]
    assert first.estimate_stage == "tool_call" and first.route == "fast"
    assert first.difficulty < 0.1 and first.signals["call_confidence"] > 0.9
    assert result.output == "42.75" and thinker.requests == []


@pytest.mark.parametrize(
    ("call", "signal", "fault"),
    [
        (tool_call("multiply", {"a": 2, "b": 3}), "unknown_tool", "no tool named multiply"),
        (tool_call("add", {"a": "two", "b": 3}), "schema_invalid", "fail the schema"),
        (tool_call("add", {"a": 17, "b": 99}), "ungrounded_args", "nobody mentioned"),
    ],
    ids=["wrong tool", "schema-failing arguments", "invented arguments"],
)
def test_a_faulty_call_escalates_and_the_trace_says_why(call, signal, fault):
    agent, thinker = _agent([ScriptedReply("", tool_calls=[call], confidence=SURE)], ["Answer: 5"])
    result, routes = _run(agent, "What is 2 + 3?")
    first = result.steps[0]
    assert first.estimate_stage == "tool_call"
    assert first.signals[signal] > 0 and first.difficulty >= 0.5
    assert first.route == "think" and result.output == "5"
    assert any(fault in f for f in first.faults)
    assert fault in routes[0].reason
    assert first.tool_calls == []  # the faulty call never ran


def test_an_unsure_call_escalates_on_its_token_confidence():
    agent, _ = _agent([ScriptedReply("", tool_calls=[tool_call("add", {"a": 2, "b": 3})], confidence=0.3)], ["Answer: 5"])
    result, _ = _run(agent, "What is 2 + 3?")
    assert result.steps[0].signals["call_confidence"] == pytest.approx(0.3, abs=0.01)
    assert result.steps[0].route == "think"


def test_the_previous_steps_tool_error_raises_the_next_calls_difficulty():
    agent, _ = _agent(
        [ScriptedReply("", tool_calls=[tool_call("flaky", {"x": 1})], confidence=SURE),
         ScriptedReply("", tool_calls=[tool_call("add", {"a": 1, "b": 2})], confidence=SURE), "3"],
        tools=[add, flaky], policy="fast",
    )
    result, _ = _run(agent, "Use x 1, then add 1 and 2.")
    assert result.steps[0].signals["previous_tool_error"] == 0.0
    assert result.steps[1].signals["previous_tool_error"] == 1.0
    assert result.steps[1].difficulty > result.steps[0].difficulty


# ---------------------------------------------------------------- progress signals


def test_a_repeated_call_escalates():
    loop = ScriptedReply("", tool_calls=[tool_call("add", {"a": 2, "b": 3})], confidence=SURE)
    agent, thinker = _agent([loop], ["Answer: 5"], budget=Budget(max_steps=8))
    agent.fast.repeat_last = True  # type: ignore[attr-defined]
    result, routes = _run(agent, "What is 2 + 3?")
    assert result.stop_reason == "final" and result.output == "5"
    assert len(result.steps) == 2
    repeat = result.steps[1]
    assert repeat.signals["repeated_call"] == 1.0 and repeat.route == "think"
    assert "the same call was made before" in routes[-1].reason


def _looping_fast(call: ScriptedReply, answer: str = "5") -> ScriptedModel:
    """A fast model that makes ``call`` whenever it is offered tools, and answers ``answer`` when it is not."""
    return ScriptedModel(lambda request: call if request.tools else answer, name="fast", capabilities=TOOLS)


def test_a_looping_agent_under_the_fast_policy_is_stopped_with_the_reason_in_the_trace():
    fast = _looping_fast(ScriptedReply("", tool_calls=[tool_call("add", {"a": 2, "b": 3})], confidence=SURE))
    agent = Agent(fast=fast, thinker=ScriptedModel(["unused"]), tools=[add], estimate="tokens")
    result, routes = _run(agent, "What is 2 + 3?", budget=Budget(max_steps=8), policy="fast")
    assert result.stop_reason == "final"
    assert len(result.steps) == 4  # the call, two repeats, then a stop before drafting a fourth call
    last = result.steps[-1]
    assert last.action == "stop" and last.stalled_by == "repeated_call"
    assert "no progress: repeated_call" in result.message
    assert routes[-1].action == "stop" and "repeated_call" in routes[-1].reason
    # It had no answer yet, so the fast model was asked once, without tools, for one from the results.
    assert fast.requests[-1].tools == [] and result.output == "5"


def test_a_stall_escalates_every_remaining_step_then_stops_before_the_limit():
    # The fast model alternates between two calls; the thinker (with native tools) keeps to one of them.
    calls = [ScriptedReply("", tool_calls=[tool_call("add", {"a": a, "b": 3})], confidence=SURE) for a in (2, 4)]
    fast = ScriptedModel(calls * 4, name="fast", capabilities=TOOLS)
    thinker = ScriptedModel([calls[0]], name="thinker", capabilities=TOOLS, repeat_last=True)
    agent = Agent(fast=fast, thinker=thinker, tools=[add], estimate="tokens", policy=_NeverByDifficulty())
    result, routes = _run(agent, "Add 2 and 3, or 4 and 3.", budget=Budget(max_steps=10))
    assert len(result.steps) < 10 and result.steps[-1].action == "stop"
    stalled = [s for s in result.steps if s.stalled_by]
    assert stalled[0].route == "think" and stalled[0].stalled_by in ("alternating_calls", "repeated_call")
    assert all(s.route == "think" for s in result.steps[result.steps.index(stalled[0]):-1])
    assert any("escalating every remaining step" in r.reason for r in routes)


class _NeverByDifficulty:
    """A policy that keeps every draft, so only the progress rule can escalate."""

    name = "keep"

    def decide(self, ctx):  # noqa: ANN001, ANN201
        from thinkdial.policies.routing import RouteAction

        return RouteAction("keep", reason="kept")


def test_tool_errors_in_a_row_escalate_then_stop():
    numbered = iter(range(1, 100))

    def failing_call(request):  # noqa: ANN001, ANN202
        if not request.tools:
            return "The service is down."
        return ScriptedReply("", tool_calls=[tool_call("flaky", {"x": next(numbered)})], confidence=SURE)

    fast = ScriptedModel(failing_call, name="fast", capabilities=TOOLS)
    thinker = ScriptedModel(failing_call, name="thinker", capabilities=TOOLS)
    agent = Agent(fast=fast, thinker=thinker, tools=[flaky], estimate="tokens")
    result, _ = _run(agent, "Try x = 1, 2, 3, 4, 5, 6, 7, 8 and 9.", budget=Budget(max_steps=8))
    assert len(result.steps) == 5 and result.steps[-1].action == "stop"
    assert [s.stalled_by for s in result.steps] == [None, None, None, "error_streak", "error_streak"]
    assert result.steps[3].route == "think"  # three errors in a row: escalated; the fourth: stopped
    assert "error_streak" in result.message and result.stop_reason == "final"
    assert result.output == "The service is down."


def test_progress_rule_pure():
    ok = CallRecord("read_file", '{"path": "a.txt"}', True, "alpha")
    other = CallRecord("read_file", '{"path": "b.txt"}', True, "beta")
    errs = [CallRecord("flaky", f'{{"x": {n}}}', False, "down") for n in range(4)]
    assert progress([]).stall == 0.0 and progress([]).fired is None
    assert progress([ok, ok]).fired == "repeated_call" and progress([ok, ok]).escalate
    assert progress([ok, ok, ok]).stop
    alt = progress([ok, other, ok, other])
    assert alt.signals["alternating_calls"] == 1.0 and alt.escalate
    assert not progress(errs[:2]).escalate and progress(errs[:3]).escalate and progress(errs).stop
    assert progress([ok, CallRecord("list_dir", "{}", True, "alpha")]).signals["no_new_results"] == 1.0
    assert progress([ok], steps_used=7, max_steps=8).signals["budget_used"] == pytest.approx(7 / 8)
    assert not progress([ok], steps_used=7, max_steps=8).stop
    assert raise_difficulty(0.2, 0.5) == pytest.approx(0.6)
    assert 0 < ESCALATE_AT < STOP_AT < 1


# ---------------------------------------------------------------- grounding that means it


def test_an_answer_about_a_named_file_with_no_tool_call_is_not_grounded(tmp_path: Path):
    (tmp_path / "config.ini").write_text("port = 8080\n")
    (tmp_path / "other.txt").write_text("port = 1\n")
    agent, thinker = _agent([ScriptedReply("The server uses port 80.", confidence=SURE)], ["Answer: 8080"],
                            tools=workspace_tools(tmp_path))
    result, routes = _run(agent, "What port does the server use? Check config.ini.")
    # the thinker's grammar may name only the file the question names
    assert {s.name: s.offered for s in thinker.requests[0].tools} == {"read_file": {"path": ["config.ini"]}}
    assert thinker.requests[0].tool_choice == "required"  # the next action is to read it
    first = result.steps[0]
    assert first.estimate_stage == "needs_tool" and first.signals["needs_tool"] == 1.0
    assert first.difficulty >= 0.8 and first.route == "think"
    assert "config.ini" in routes[0].reason


def test_restating_an_unrelated_tool_result_is_not_grounded():
    agent, _ = _agent(
        [ScriptedReply("", tool_calls=[tool_call("calculator", {"expression": "cos(pi)"})], confidence=SURE),
         ScriptedReply("-1", confidence=0.6)],
        tools=[calculator], policy="fast",
    )
    result, _ = _run(agent, "How many letters r are in the word strawberry?")
    answer = result.steps[-1]
    assert answer.estimate_stage != "grounded"
    assert answer.signals.get("tool_result_unrelated") == 1.0


def test_restating_a_result_of_a_call_that_bears_on_the_question_is_grounded(tmp_path: Path):
    (tmp_path / "config.ini").write_text("[server]\nport = 8080\n")
    agent, thinker = _agent(
        [ScriptedReply("", tool_calls=[tool_call("read_file", {"path": "config.ini"})], confidence=SURE),
         ScriptedReply("The port is 8080.", confidence=0.5)],
        tools=workspace_tools(tmp_path),
    )
    result, _ = _run(agent, "What port does the server use? Check config.ini.")
    assert result.steps[-1].estimate_stage == "grounded" and result.output == "The port is 8080."
    assert thinker.requests == []


def test_grounding_pure():
    assert tool_need("What port does the server use? Check config.ini.").files == ("config.ini",)
    assert tool_need("Which version is written in the file VERSION?").files == ("VERSION",)
    assert tool_need("How many files are in the workspace?").workspace
    assert not tool_need("What is the capital of France, e.g. Paris?").unseen
    assert tool_need("What is 347 * 29?").computation
    assert not call_bears_on('{"expression": "cos(pi)"}', "How many r are in strawberry?", "")
    assert call_bears_on('{"expression": "347 * 29"}', "What is 347 * 29?", "")
    assert call_bears_on('{"path": "hint.txt"}', "index.md names a file. What is the hint?", "The hint is in hint.txt.")
    assert call_bears_on('{"path": "."}', "How many files are in the workspace?", "")
    assert answer_in_result("8080", "port = 8080") and not answer_in_result("80", "port = 8080")
    assert unread_pointers(["The hint is in hint.txt."], ["index.md"], ["index.md", "hint.txt"], "What is the hint?") == ["hint.txt"]
    assert unread_pointers(["a.txt  (6 bytes)\nb.txt  (5 bytes)"], [], ["a.txt", "b.txt"], "How many files?") == []
    assert unread_pointers(["see main.py"], [], ["main.py"], "Which file is the script?") == []


def test_tool_step_estimate_pure():
    clean = tool_step_estimate([CallFacts("add", '{"a": 2, "b": 3}', True)], context="What is 2 + 3?", confidence=0.99)
    assert clean.difficulty < 0.05 and not clean.reasons
    assert tool_step_estimate([CallFacts("nope", "{}", False)], context="").difficulty >= 0.95
    assert ungrounded_values('{"path": "secret/keys.txt"}', "list the workspace")[1] == ["path='secret/keys.txt'"]
    assert ungrounded_values('{"expression": "0.15 * 80"}', "What is 15% of 80?")[1] == []
    assert ungrounded_values('{"max_bytes": 20000}', "read a.txt", {"max_bytes": 20000}) == (0, [])


# ---------------------------------------------------------------- the workspace grammar


def test_workspace_tools_offer_real_paths_and_the_grammar_allows_only_them(tmp_path: Path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("y")
    (tmp_path / ".hidden").write_text("z")
    agent = Agent(fast=ScriptedModel("x"), tools=[calculator, *workspace_tools(tmp_path)])
    specs = {s.name: s for s in agent.settings().tool_specs}
    assert specs["read_file"].offered == {"path": ["a.txt", "sub/b.md"]}
    assert specs["list_dir"].offered == {"path": [".", "sub"]}
    schema = tool_call_json_schema(list(specs.values()), allow_answer=False)
    by_tool = {o["properties"]["tool"]["enum"][0]: o["properties"]["arguments"] for o in schema["anyOf"]}
    assert by_tool["read_file"]["properties"]["path"]["enum"] == ["a.txt", "sub/b.md"]
    assert "max_bytes" not in by_tool["read_file"]["properties"]  # optional with a default: a grammar leaves it out
    assert "enum" not in by_tool["calculator"]["properties"]["expression"]
    assert "path (one of: a.txt, sub/b.md)" in tools_system_text(list(specs.values()), allow_answer=False)
    (tmp_path / "new.txt").write_text("later")  # offers are read afresh for every run
    assert "new.txt" in {s.name: s for s in agent.settings().tool_specs}["read_file"].offered["path"]
    json.dumps(schema)  # plain JSON for llama.cpp's converter


def test_a_pointer_in_a_result_lets_the_thinker_read_the_next_file(tmp_path: Path):
    (tmp_path / "index.md").write_text("The hint is in hint.txt.\n")
    (tmp_path / "hint.txt").write_text("blue whale\n")
    fast = ScriptedModel(
        [ScriptedReply("", tool_calls=[tool_call("read_file", {"path": "index.md"})], confidence=SURE),
         ScriptedReply("hint.txt", confidence=SURE), ScriptedReply("blue whale", confidence=SURE)],
        name="fast", capabilities=TOOLS,
    )
    thinker = ScriptedModel([ScriptedReply("", tool_calls=[tool_call("read_file", {"path": "hint.txt"})])], name="thinker")
    agent = Agent(fast=fast, thinker=thinker, tools=workspace_tools(tmp_path), estimate="tokens")
    result, _ = _run(agent, "index.md says which file holds the password hint. What is the hint?")
    assert result.steps[1].signals.get("unread_pointer") == 1.0 and result.steps[1].route == "think"
    assert thinker.requests[0].tools  # tools offered right after a result, because it points further
    assert [c["arguments"] for s in result.steps for c in s.tool_calls] == ['{"path": "index.md"}', '{"path": "hint.txt"}']
    assert result.output == "blue whale" and result.steps[-1].estimate_stage == "grounded"


# ---------------------------------------------------------------- the remaining budget in the step


def test_budget_note_tells_the_models_what_is_left_without_keeping_it_in_the_messages():
    fast = ScriptedModel(["Paris"], name="fast", repeat_last=True)
    agent = Agent(fast=fast, thinker=fast, policy="fast", budget_note=True)
    result = agent.run_sync("Capital of France?", budget=Budget(max_tokens=500, max_steps=3))
    seen = fast.requests[0].messages[-1].content
    assert seen.endswith("[Budget left: 500 tokens, 2 more steps.]")
    assert "Budget left" not in result.messages[0].content
    plain = ScriptedModel(["Paris"], name="fast", repeat_last=True)
    Agent(fast=plain, thinker=plain, policy="fast").run_sync("Capital of France?", budget=Budget(max_tokens=500))
    assert "Budget left" not in plain.requests[0].messages[-1].content
    off = ScriptedModel(["Paris"], name="fast", repeat_last=True)
    Agent(fast=off, thinker=off, policy="fast", budget_note=True).run_sync("Capital of France?", budget=Budget())
    assert "Budget left" not in off.requests[0].messages[-1].content  # no ceiling, no line


def test_after_a_listing_a_named_file_still_unread_keeps_the_floor_and_tools_on_offer(tmp_path: Path):
    (tmp_path / "config.ini").write_text("port = 8080\n")
    (tmp_path / "notes.txt").write_text("nothing\n")
    fast = ScriptedModel(
        [ScriptedReply("", tool_calls=[tool_call("list_dir", {"path": "."})], confidence=SURE),
         ScriptedReply("The port is 80.", confidence=SURE), ScriptedReply("8080", confidence=SURE)],
        name="fast", capabilities=TOOLS,
    )
    thinker = ScriptedModel([ScriptedReply("", tool_calls=[tool_call("read_file", {"path": "config.ini"})])], name="thinker")
    agent = Agent(fast=fast, thinker=thinker, tools=workspace_tools(tmp_path), estimate="tokens")
    result, _ = _run(agent, "What port does the server use? Check config.ini.")
    assert result.steps[1].signals.get("needs_tool") == 1.0 and result.steps[1].route == "think"
    offered = {s.name: s.offered for s in thinker.requests[0].tools}
    assert offered["read_file"] == {"path": ["config.ini", "notes.txt"]}  # the files the conversation names or lists
    assert result.output == "8080" and result.steps[-1].estimate_stage == "grounded"


def test_numbers_read_from_a_file_are_summed_with_the_calculator_before_an_answer_is_trusted(tmp_path: Path):
    (tmp_path / "numbers.txt").write_text("12\n7\n30\n")
    fast = ScriptedModel(
        [ScriptedReply("", tool_calls=[tool_call("read_file", {"path": "numbers.txt"})], confidence=SURE),
         ScriptedReply("The sum is 50.", confidence=SURE), ScriptedReply("The sum is 49.", confidence=0.6)],
        name="fast", capabilities=TOOLS,
    )
    thinker = ScriptedModel([ScriptedReply("", tool_calls=[tool_call("calculator", {"expression": "12 + 7 + 30"})])],
                            name="thinker")
    agent = Agent(fast=fast, thinker=thinker, tools=[calculator, *workspace_tools(tmp_path)], estimate="tokens")
    result, _ = _run(agent, "What is the sum of the numbers in numbers.txt?")
    assert result.steps[1].signals.get("pending_computation") == 1.0 and result.steps[1].route == "think"
    assert [t.name for t in thinker.requests[0].tools] == ["calculator"] and thinker.requests[0].tool_choice == "required"
    assert result.steps[1].tool_calls[0]["result"] == "49"
    assert result.output == "The sum is 49." and result.steps[-1].estimate_stage == "grounded"


def test_a_tool_whose_offered_values_nobody_named_is_not_offered_to_the_grammar(tmp_path: Path):
    (tmp_path / "readme.txt").write_text("A scratch folder.\n")
    agent, thinker = _agent([ScriptedReply("347 * 29 = 1032.", confidence=0.2)], ["Answer: 10063"],
                            tools=[calculator, *workspace_tools(tmp_path)])
    result, _ = _run(agent, "What is 347 * 29?")
    assert result.steps[0].route == "think"
    offered = {s.name: s.offered for s in thinker.requests[0].tools}
    assert offered == {"calculator": {}, "list_dir": {"path": ["."]}}  # read_file could only read an unnamed file


def test_an_answer_repeating_a_calls_arguments_is_not_grounded(tmp_path: Path):
    (tmp_path / "index.md").write_text("The hint is in hint.txt.\n")
    (tmp_path / "hint.txt").write_text("blue whale\n")
    echo = 'I will use the read_file tool with {"path": "hint.txt"}.'
    fast = ScriptedModel(
        [ScriptedReply("", tool_calls=[tool_call("read_file", {"path": "index.md"})], confidence=SURE),
         ScriptedReply("", tool_calls=[tool_call("read_file", {"path": "hint.txt"})], confidence=SURE),
         ScriptedReply(echo, confidence=SURE)],
        name="fast", capabilities=TOOLS,
    )
    thinker = ScriptedModel(["Answer: blue whale"], name="thinker", repeat_last=True)
    agent = Agent(fast=fast, thinker=thinker, tools=workspace_tools(tmp_path), estimate="tokens")
    result, _ = _run(agent, "index.md says which file holds the password hint. What is the hint?")
    last = result.steps[-1]
    assert last.signals.get("echoes_call") == 1.0 and last.estimate_stage == "needs_tool" and last.route == "think"
    assert result.output == "blue whale"


def test_a_calculator_call_that_computes_nothing_leaves_the_sum_pending(tmp_path: Path):
    (tmp_path / "numbers.txt").write_text("12\n7\n30\n")
    fast = ScriptedModel(
        [ScriptedReply("", tool_calls=[tool_call("read_file", {"path": "numbers.txt"})], confidence=SURE),
         ScriptedReply("", tool_calls=[tool_call("calculator", {"expression": "12"})], confidence=SURE),
         ScriptedReply("The sum is 12.", confidence=SURE)],
        name="fast", capabilities=TOOLS,
    )
    thinker = ScriptedModel(["Answer: 49"], name="thinker", repeat_last=True)
    agent = Agent(fast=fast, thinker=thinker, tools=[calculator, *workspace_tools(tmp_path)], estimate="tokens")
    result, _ = _run(agent, "What is the sum of the numbers in numbers.txt?")
    assert result.steps[-1].signals.get("pending_computation") == 1.0 and result.steps[-1].route == "think"


def test_local_models_see_a_call_and_its_result_as_one_user_turn():
    from thinkdial.models.base import Message, ToolCall
    from thinkdial.models.local_tools import plain_chat_messages

    messages = [
        Message(role="user", content="What is in a.txt?"),
        Message(role="assistant", tool_calls=[ToolCall(id="c1", name="read_file", arguments='{"path": "a.txt"}')]),
        Message(role="tool", content="alpha", tool_call_id="c1", name="read_file"),
    ]
    chat = plain_chat_messages(messages)
    assert [m["role"] for m in chat] == ["user", "user"]  # no assistant turn announcing the call, to be copied
    assert chat[1]["content"].startswith('The read_file tool, called with {"path": "a.txt"}, returned: alpha')


def test_a_question_about_the_workspace_gets_the_listing_call(tmp_path: Path):
    (tmp_path / "a.txt").write_text("x")
    agent, thinker = _agent([ScriptedReply("There are 2 files.", confidence=0.2)], ["Answer: 1"],
                            tools=[calculator, *workspace_tools(tmp_path)])
    _run(agent, "How many files are in the workspace?")
    first = thinker.requests[0]
    assert {s.name: s.offered for s in first.tools} == {"list_dir": {"path": ["."]}} and first.tool_choice == "required"


def test_an_open_ended_question_about_the_workspace_looks_first(tmp_path: Path):
    (tmp_path / "main.py").write_text("print('hi')\n")
    agent, thinker = _agent([ScriptedReply("A Python script is usually a file that ends in .py and holds code.", confidence=0.2)],
                            ["Answer: main.py"], tools=workspace_tools(tmp_path))
    result, _ = _run(agent, "Which file in the workspace is a Python script?")
    assert result.steps[0].shape == "short" and result.steps[0].route == "think"
    assert thinker.requests[0].tools  # a tool call is the next action, not a whole answer


def test_a_pointer_keeps_a_code_shaped_question_short_until_the_file_is_read(tmp_path: Path):
    (tmp_path / "readme.txt").write_text("The access code is stored in code.txt.\n")
    (tmp_path / "code.txt").write_text("4417\n")
    fast = ScriptedModel(
        [ScriptedReply("", tool_calls=[tool_call("read_file", {"path": "readme.txt"})], confidence=SURE),
         ScriptedReply("The access code is stored in code.txt.", confidence=SURE), ScriptedReply("4417", confidence=SURE)],
        name="fast", capabilities=TOOLS,
    )
    thinker = ScriptedModel([ScriptedReply("", tool_calls=[tool_call("read_file", {"path": "code.txt"})])], name="thinker")
    agent = Agent(fast=fast, thinker=thinker, tools=workspace_tools(tmp_path), estimate="tokens")
    result, _ = _run(agent, "readme.txt says which file holds the access code. What is the code?")
    assert result.steps[1].shape == "short" and result.steps[1].signals.get("unread_pointer") == 1.0
    assert result.output == "4417"
