"""The progress rule on scripted agents that stop making progress: where each loop ends, and on what signal.

Each scenario is a fast model (native tools, ScriptedModel) that keeps calling tools without converging, under
``Budget(max_steps=8)``; the thinker answers when it is asked without tools and otherwise makes the same kind of
call. For ``fast`` and ``adaptive`` it prints the steps taken, the stop reason, the steps the rule escalated and
the signal named in ``result.message``. Deterministic; no real model.

    .venv/bin/python bench/progress_rule.py
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from thinkdial import Agent, Budget
from thinkdial.models import ModelCapabilities, ScriptedModel, ScriptedReply, tool_call
from thinkdial.models.base import ModelRequest
from thinkdial.tools import tool

TOOLS = ModelCapabilities(tools=True, logprobs=True)


@tool
def lookup(key: str) -> str:
    """Look a key up."""
    return "nothing found" if key != "a" else "alpha"


@tool
def flaky(key: str) -> str:
    """Always fails."""
    raise RuntimeError("service unavailable")


def _model(calls: Callable[[], Any], answer: str) -> ScriptedModel:
    def reply(request: ModelRequest) -> Any:
        if not request.tools:
            return answer
        return ScriptedReply("", tool_calls=[calls()], confidence=0.99)

    return ScriptedModel(reply, capabilities=TOOLS)


def scenarios() -> dict[str, Callable[[], Callable[[], Any]]]:
    """Scenario name -> a factory of the call sequence the models make."""
    def repeat() -> Callable[[], Any]:
        return lambda: tool_call("lookup", {"key": "a"})

    def alternate() -> Callable[[], Any]:
        keys = itertools.cycle(["a", "b"])
        return lambda: tool_call("lookup", {"key": next(keys)})

    def errors() -> Callable[[], Any]:
        keys = (f"k{i}" for i in itertools.count())
        return lambda: tool_call("flaky", {"key": next(keys)})

    def stale() -> Callable[[], Any]:
        keys = (f"k{i}" for i in itertools.count())
        return lambda: tool_call("lookup", {"key": next(keys)})

    return {"same call again": repeat, "A-B-A-B": alternate, "failing tool": errors, "results add nothing": stale}


def main() -> None:
    task = "Look up a, b and k0 to k9, then say what you found."
    print("| scenario | policy | steps (of 8) | stop_reason | escalated by the rule | message |")
    print("|---|---|---|---|---|---|")
    for name, make in scenarios().items():
        for policy in ("fast", "adaptive"):
            fast = _model(make(), "Nothing useful was found.")
            thinker = _model(make(), "Nothing useful was found.")
            agent = Agent(fast=fast, thinker=thinker, tools=[lookup, flaky], estimate="tokens")
            result = agent.run_sync(task, budget=Budget(max_steps=8), policy=policy)
            escalated = sum(1 for s in result.steps if s.stalled_by and s.route == "think")
            print(f"| {name} | {policy} | {len(result.steps)} | {result.stop_reason} | {escalated} | {result.message[:90]} |")


if __name__ == "__main__":
    main()
