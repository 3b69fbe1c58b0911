"""The adaptive loop on ScriptedModel: routing, tools, budget stops, verification, traces."""

from __future__ import annotations

import asyncio
import json

import pytest
from pydantic import BaseModel

from thinkdial import Agent, Budget
from thinkdial.errors import BudgetExceededError
from thinkdial.models import ModelCapabilities, Pricing, ScriptedModel, ScriptedReply, tool_call
from thinkdial.policies.estimate.difficulty import DifficultyEstimator, hand_set_calibration
from thinkdial.policies.routing import RouteAction, RouteContext
from thinkdial.tools import tool
from thinkdial.trace import read_trace

SURE = 0.99
UNSURE = 0.15


def make_agent(fast_script, thinker_script=None, **kw) -> tuple[Agent, ScriptedModel, ScriptedModel]:
    fast = ScriptedModel(fast_script, name="fast")
    thinker = ScriptedModel(thinker_script or ["Answer: 42"], name="thinker", repeat_last=True)
    kw.setdefault("estimate", "tokens")
    # The hand-set calibration keeps these mechanics tests independent of the shipped fit.
    kw.setdefault("estimator", DifficultyEstimator(calibration=hand_set_calibration()))
    return Agent(fast=fast, thinker=thinker, **kw), fast, thinker


def test_confident_draft_is_kept_on_the_fast_route():
    agent, fast, thinker = make_agent([ScriptedReply("Paris", confidence=SURE)])
    result = agent.run_sync("Capital of France?")
    assert result.output == "Paris"
    assert result.stop_reason == "final"
    assert [s.route for s in result.steps] == ["fast"]
    assert result.steps[0].difficulty < 0.5
    assert thinker.requests == []


def test_unsure_draft_escalates_to_the_thinker_with_a_budget_level():
    agent, fast, thinker = make_agent([ScriptedReply("maybe 41", confidence=UNSURE)], ["Let me see. Answer: 42"])
    result = agent.run_sync("What is six times seven?")
    step = result.steps[0]
    assert step.route == "think"
    assert step.difficulty >= 0.5
    assert step.level in {"low", "medium", "high"}
    assert step.thinking_budget == agent.thinking.levels[step.level]
    assert result.output == "42"
    assert len(thinker.requests) >= 1


def test_policy_fast_reports_the_same_difficulty_adaptive_acts_on():
    script = [ScriptedReply("maybe 41", confidence=UNSURE)]
    fast_run = make_agent(list(script), policy="fast")[0].run_sync("q")
    adaptive_run = make_agent(list(script))[0].run_sync("q")
    assert fast_run.steps[0].route == "fast"
    assert adaptive_run.steps[0].route == "think"
    assert fast_run.steps[0].difficulty == pytest.approx(adaptive_run.steps[0].difficulty)


def test_policy_think_always_escalates():
    agent, _, thinker = make_agent([ScriptedReply("Paris", confidence=SURE)], ["Answer: Paris"], policy="think")
    result = agent.run_sync("Capital of France?")
    assert result.steps[0].route == "think"
    assert thinker.requests


def test_a_draft_with_no_answer_counts_as_maximally_uncertain():
    agent, *_ = make_agent([ScriptedReply("To solve this we first need to", confidence=SURE)], policy="fast")
    result = agent.run_sync("q")
    assert result.steps[0].difficulty == 1.0
    assert result.steps[0].estimate_stage == "no_answer"


def test_custom_policy_object():
    class Never:
        name = "never"

        def decide(self, ctx: RouteContext) -> RouteAction:
            assert 0.0 <= ctx.difficulty <= 1.0
            assert ctx.remaining.tokens is not None and 0 < ctx.remaining.tokens < 1000
            return RouteAction("keep", reason="custom")

    agent, *_ = make_agent([ScriptedReply("x 41", confidence=UNSURE)], policy=Never())
    result = agent.run_sync("q", budget=Budget(max_tokens=1000))
    assert result.steps[0].route == "fast"
    assert result.steps[0].decision_reason == "custom"


def test_staged_estimate_samples_only_when_ambiguous():
    # Stage 1 cannot decide for a middling draft: k samples follow, and their agreement lowers the difficulty.
    fast = ScriptedModel([ScriptedReply("The answer is 85", confidence=0.7)] + ["The answer is 85"] * 4, name="fast")
    estimator = DifficultyEstimator(ambiguous=(0.0, 1.0))
    agent = Agent(fast=fast, thinker=ScriptedModel(["Answer: 85"], repeat_last=True), estimator=estimator)
    result = agent.run_sync("37 + 48?")
    step = result.steps[0]
    assert step.estimate_stage == "samples"
    assert step.signals["agreement"] == 1.0
    assert step.estimate_tokens > 0
    assert len(fast.requests) == 1 + agent.estimator.samples


def test_tool_calls_run_and_results_go_back_to_the_model():
    @tool
    def add(a: float, b: float) -> float:
        """Add two numbers."""
        return a + b

    fast = ScriptedModel(
        [
            ScriptedReply("", tool_calls=[tool_call("add", {"a": 12.5, "b": 30.25})], confidence=SURE),
            ScriptedReply("The sum is 42.75", confidence=0.6),
        ],
        name="fast",
    )
    fast.capabilities = ModelCapabilities(tools=True, logprobs=True, prefill=True, probes=True)
    agent = Agent(fast=fast, thinker=ScriptedModel(["Answer: 0"], repeat_last=True), tools=[add], estimate="tokens")
    result = agent.run_sync("What is 12.5 + 30.25?")
    assert result.output == "The sum is 42.75"
    assert result.steps[0].tool_calls[0]["result"] == "42.75"
    tool_msgs = [m for m in fast.requests[1].messages if m.role == "tool"]
    assert tool_msgs and tool_msgs[0].content == "42.75"
    # The answer matches the tool's result, so it is grounded and kept.
    assert result.steps[1].route == "fast"
    assert result.steps[1].estimate_stage == "grounded"


def test_malformed_tool_call_is_reported_to_the_model_not_raised():
    @tool
    def add(a: float, b: float) -> float:
        """Add two numbers."""
        return a + b

    fast = ScriptedModel(
        [
            ScriptedReply("", tool_calls=[tool_call("add", '{"a": 1, "b": ')], confidence=SURE),
            ScriptedReply("", tool_calls=[tool_call("nope", {})], confidence=SURE),
            ScriptedReply("", tool_calls=[tool_call("add", {"a": "x", "b": 2})], confidence=SURE),
            ScriptedReply("Answer: 3", confidence=SURE),
        ],
        name="fast",
    )
    fast.capabilities = ModelCapabilities(tools=True, logprobs=True, prefill=True, probes=True)
    agent = Agent(fast=fast, thinker=ScriptedModel(["Answer: 3"], repeat_last=True), tools=[add], estimate="tokens")
    # policy "fast" keeps the faulty calls (adaptive escalates them: tests/test_agent_steps.py) so they run.
    result = agent.run_sync("add", policy="fast")
    assert result.stop_reason == "final"
    results = [s.tool_calls[0] for s in result.steps[:3]]
    assert all(not r["ok"] for r in results)
    assert "JSON" in results[0]["result"] or "json" in results[0]["result"].lower()
    assert "add" in results[1]["result"]  # lists the available tools
    assert "a" in results[2]["result"]


def test_budget_too_small_to_start_ends_cleanly():
    agent, fast, _ = make_agent([ScriptedReply("Paris", confidence=SURE)])
    result = agent.run_sync("Capital of France?", budget=Budget(max_tokens=5))
    assert result.stop_reason == "budget"
    assert "too small" in result.message
    assert result.usage.total_tokens == 0
    assert fast.requests == []


def test_strict_budget_raises():
    agent, *_ = make_agent([ScriptedReply("Paris", confidence=SURE)])
    with pytest.raises(BudgetExceededError):
        agent.run_sync("Capital of France?", budget=Budget(max_tokens=5, strict=True))


def test_unaffordable_escalation_keeps_the_draft_and_says_why():
    priced = Pricing(input_per_mtok=1000.0, output_per_mtok=1000.0)  # $0.001 per token
    fast = ScriptedModel([ScriptedReply("maybe 41", confidence=UNSURE)], name="fast")
    thinker = ScriptedModel(["Answer: 42"], name="thinker", pricing=priced, repeat_last=True)
    agent = Agent(fast=fast, thinker=thinker, estimate="tokens", estimator=DifficultyEstimator(calibration=hand_set_calibration()))
    result = agent.run_sync("q", budget=Budget(max_cost_usd=0.02))
    step = result.steps[0]
    assert step.route == "fast"
    assert "remaining budget" in step.decision_reason
    assert result.output == "maybe 41"
    assert thinker.requests == []


def test_budget_hit_mid_run_returns_best_answer_so_far():
    @tool
    def ping() -> str:
        """Ping."""
        return "pong"

    fast = ScriptedModel(
        [ScriptedReply("Draft answer 7", tool_calls=[tool_call("ping", {})], confidence=SURE)], name="fast", repeat_last=True
    )
    fast.capabilities = ModelCapabilities(tools=True, logprobs=True, prefill=True, probes=True)
    agent = Agent(fast=fast, thinker=ScriptedModel(["Answer: 1"], repeat_last=True), tools=[ping], estimate="tokens")
    result = agent.run_sync("loop forever", budget=Budget(max_tokens=120))
    assert result.stop_reason == "budget"
    assert result.output == "Draft answer 7"
    assert result.usage.total_tokens <= 120


def test_max_steps():
    @tool
    def ping() -> str:
        """Ping."""
        return "pong"

    fast = ScriptedModel([ScriptedReply("", tool_calls=[tool_call("ping", {})], confidence=SURE)], repeat_last=True)
    fast.capabilities = ModelCapabilities(tools=True, logprobs=True, prefill=True, probes=True)
    agent = Agent(fast=fast, thinker=ScriptedModel(["x"], repeat_last=True), tools=[ping], estimate="tokens")
    # policy "fast": under adaptive the repeated call escalates and ends the loop (tests/test_agent_steps.py).
    result = agent.run_sync("loop", budget=Budget(max_steps=3), policy="fast")
    assert result.stop_reason == "max_steps"
    assert len(result.steps) == 3


def test_max_seconds_cancels_an_inflight_call():
    slow = ScriptedReply(" ".join(["word"] * 200), delay=0.05, confidence=SURE)
    agent, *_ = make_agent([slow])
    result = agent.run_sync("q", budget=Budget(max_seconds=0.3))
    assert result.stop_reason == "budget"
    assert "time" in result.message
    assert result.usage.seconds < 2


def test_verification_failure_triggers_a_revision():
    fast = ScriptedModel([ScriptedReply("Answer: 41", confidence=SURE)], name="fast")
    verifier = ScriptedModel([ScriptedReply("no", confidence=0.9), ScriptedReply("yes", confidence=0.9)], name="verifier")
    thinker = ScriptedModel(["Answer: 42"], name="thinker", repeat_last=True)
    agent = Agent(fast=fast, thinker=thinker, verifier=verifier, verify={"mode": "always", "max_revisions": 2}, estimate="tokens")
    result = agent.run_sync("six times seven?")
    assert result.output == "42"
    assert result.steps[0].revisions == 1
    assert result.steps[0].verified is not None and result.steps[0].verified > 0.5


def test_a_false_claim_fails_verification_without_the_verifier_and_names_the_claim():
    fast = ScriptedModel([ScriptedReply("23 * 14 = 312.", confidence=SURE)], name="fast", repeat_last=True)
    verifier = ScriptedModel([ScriptedReply("yes", confidence=0.9)], name="verifier", repeat_last=True)
    thinker = ScriptedModel(["23 * 14 = 322."], name="thinker", repeat_last=True)
    agent = Agent(fast=fast, thinker=thinker, verifier=verifier, verify={"mode": "always", "max_revisions": 2}, policy="fast")
    events: list = []
    result = agent.run_sync("What is 23 * 14?", on_event=events.append)
    assert result.output == "23 * 14 = 322."
    checks = [e for e in events if e.type == "verification"]
    assert checks[0].false_claim == "23 * 14 = 312" and checks[0].probability == 0.0 and not checks[0].passed
    assert checks[1].false_claim is None and checks[1].passed
    assert len(verifier.requests) == 1  # only the corrected answer went to the verifier model
    revisions = [r.messages[-1].content for r in thinker.requests if "false" in str(r.messages[-1].content)]
    assert len(revisions) == 1 and "23 * 14 = 312" in str(revisions[0])


def test_a_claim_read_loosely_never_fails_verification_by_itself():
    fast = ScriptedModel([ScriptedReply("The answer is 969.", confidence=SURE)], name="fast", repeat_last=True)
    verifier = ScriptedModel([ScriptedReply("yes", confidence=0.9)], name="verifier", repeat_last=True)
    agent = Agent(fast=fast, thinker=ScriptedModel(["563"], repeat_last=True), verifier=verifier, verify="always", policy="fast")
    result = agent.run_sync("Which is smaller, 969 or 563?")
    assert result.output == "The answer is 969." and len(verifier.requests) == 1  # the verifier model decided


def test_a_thinker_answer_with_a_false_identity_does_not_replace_a_draft_without_one():
    fast = ScriptedModel([ScriptedReply("37 + 48 = 85.", confidence=SURE)], name="fast")
    thinker = ScriptedModel(["37 + 48 = 75."], name="thinker", repeat_last=True)
    agent = Agent(fast=fast, thinker=thinker, policy="think", tools=[])
    result = agent.run_sync("What is 37 + 48?")
    assert result.output == "37 + 48 = 85."
    assert result.steps[0].route == "fast" and result.steps[0].kept_draft_by == "false_arithmetic"
    assert "37 + 48 = 75" in result.steps[0].decision_reason
    # both wrong: the thinker's answer stands, whole
    fast = ScriptedModel([ScriptedReply("37 + 48 = 86.", confidence=SURE)], name="fast")
    agent = Agent(fast=fast, thinker=thinker, policy="think", tools=[])
    assert agent.run_sync("What is 37 + 48?").output == "37 + 48 = 75."


@pytest.mark.parametrize(
    ("task", "draft", "thought"),
    [
        ("Which is larger, 0.5 or 0.25?", "The answer is 0.5.", "1.5"),
        ("Is 7 a prime number?", "Yes, 7 is a prime number.", "7"),
        ("What day comes after Friday?", "The day after Friday is Saturday.", "The day after Friday is Sunday."),
    ],
)
def test_no_reading_of_form_options_or_calendar_vetoes_the_thinker(task, draft, thought):
    fast = ScriptedModel([ScriptedReply(draft, confidence=SURE)], name="fast")
    thinker = ScriptedModel([thought], name="thinker", repeat_last=True)
    result = Agent(fast=fast, thinker=thinker, policy="think", tools=[]).run_sync(task)
    assert result.output == thought and result.steps[0].kept_draft_by is None


def test_structured_output_retries_on_validation_error():
    class Capital(BaseModel):
        city: str
        country: str

    fast = ScriptedModel([ScriptedReply("Paris", confidence=SURE)], name="fast")
    thinker = ScriptedModel(['{"city": "Paris"}', '{"city": "Paris", "country": "France"}'], name="thinker")
    agent = Agent(fast=fast, thinker=thinker, output_type=Capital, estimate="tokens")
    result = agent.run_sync("Capital of France?")
    assert result.output == Capital(city="Paris", country="France")
    assert thinker.requests[0].json_schema is not None


def test_stream_yields_events_in_order_and_trace_file_round_trips(tmp_path):
    agent, *_ = make_agent([ScriptedReply("maybe 41", confidence=UNSURE)], ["Answer: 42"])
    trace = tmp_path / "run.jsonl"

    async def collect():
        return [e async for e in agent.stream("q", trace=trace)]

    events = asyncio.run(collect())
    types = [e.type for e in events]
    assert types[0] == "run_started" and types[-1] == "final"
    for needed in ("step_started", "budget_check", "draft", "signals", "route", "delta", "model_called", "step_finished"):
        assert needed in types
    assert types.index("draft") < types.index("signals") < types.index("route")
    recorded = read_trace(trace)
    assert recorded[-1].type == "final" and recorded[-1].output == "42"
    assert all(e.type != "delta" for e in recorded)


def test_model_failure_ends_with_error_not_a_crash():
    from thinkdial.errors import APIUnreachableError

    agent, *_ = make_agent([APIUnreachableError("Cannot reach the API.", "Start the server.")])
    result = agent.run_sync("q")
    assert result.stop_reason == "error"
    assert "Cannot reach" in result.message


def test_concurrent_runs():
    async def main():
        agents = [make_agent([ScriptedReply(f"Answer {i}", confidence=SURE)])[0] for i in range(5)]
        return await asyncio.gather(*(a.run(f"q{i}") for i, a in enumerate(agents)))

    results = asyncio.run(main())
    assert [r.output for r in results] == [f"Answer {i}" for i in range(5)]


def test_run_json_shape():
    agent, *_ = make_agent([ScriptedReply("Paris", confidence=SURE)])
    data = json.loads(json.dumps(agent.run_sync("q").to_json_dict()))
    assert set(data) >= {"output", "stop_reason", "usage", "steps"}
    assert {"route", "difficulty", "signals"} <= set(data["steps"][0])


def test_a_hanging_tool_times_out_and_the_model_hears_about_it():
    import time as _time

    @tool
    def hang() -> str:
        """Never returns in time."""
        _time.sleep(5)
        return "late"

    fast = ScriptedModel(
        [ScriptedReply("", tool_calls=[tool_call("hang", {})], confidence=SURE), ScriptedReply("Answer: gave up", confidence=SURE)],
        name="fast",
    )
    fast.capabilities = ModelCapabilities(tools=True, logprobs=True, prefill=True, probes=True)
    agent = Agent(fast=fast, thinker=ScriptedModel(["x"], repeat_last=True), tools=[hang], estimate="tokens", tool_timeout=0.2)
    started = _time.perf_counter()
    result = agent.run_sync("q")
    assert _time.perf_counter() - started < 3
    assert "timed out" in result.steps[0].tool_calls[0]["result"]
    assert result.stop_reason == "final"


def test_tools_see_the_remaining_budget():
    from thinkdial.tools import ToolContext

    seen = []

    @tool
    def peek(ctx: ToolContext) -> str:
        """Report the remaining tokens."""
        seen.append(ctx.remaining.tokens)
        return "ok"

    fast = ScriptedModel(
        [ScriptedReply("", tool_calls=[tool_call("peek", {})], confidence=SURE), ScriptedReply("Answer: ok", confidence=SURE)],
        name="fast",
    )
    fast.capabilities = ModelCapabilities(tools=True, logprobs=True, prefill=True, probes=True)
    agent = Agent(fast=fast, thinker=ScriptedModel(["x"], repeat_last=True), tools=[peek], estimate="tokens")
    agent.run_sync("q", budget=Budget(max_tokens=500))
    assert seen and 0 < seen[0] < 500


def test_without_logprobs_difficulty_falls_back_to_sample_agreement():
    fast = ScriptedModel(
        [ScriptedReply("The answer is 85", logprobs=False)] + [ScriptedReply(t, logprobs=False) for t in ["85", "85", "86", "85"]],
        name="fast",
    )
    agent = Agent(fast=fast, thinker=ScriptedModel(["Answer: 85"], repeat_last=True))
    result = agent.run_sync("37 + 48?")
    step = result.steps[0]
    assert step.estimate_stage == "samples"
    assert "agreement" in step.signals_used
    assert "mean_entropy" not in step.signals
    assert step.signals["agreement"] == pytest.approx(0.8)
