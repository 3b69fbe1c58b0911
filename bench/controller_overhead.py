"""Controller overhead per step, on ScriptedModel (no model time at all).

Everything thinkdial does around a model call — ledger checks, signals,
difficulty, routing, trace events, step records — timed per step, against
the cost of the scripted calls alone measured in the same run.

Run: .venv/bin/python bench/controller_overhead.py [--runs 300]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from thinkdial import Agent, Budget  # noqa: E402
from thinkdial.models import ModelRequest, ScriptedModel, ScriptedReply  # noqa: E402
from thinkdial.models.base import Message  # noqa: E402

REPLY = ScriptedReply("The answer is 42 because six times seven is forty two.", confidence=0.9)


async def bare_calls(n: int) -> float:
    model = ScriptedModel(REPLY, name="fast")
    req = ModelRequest(messages=[Message(role="user", content="q")], max_tokens=96)
    t = time.perf_counter()
    for _ in range(n):
        await model.complete(req, lambda k, s: None)
    return (time.perf_counter() - t) / n


async def agent_steps(n: int, policy: str) -> float:
    fast = ScriptedModel(REPLY, name="fast")
    thinker = ScriptedModel(ScriptedReply("Answer: 42", confidence=0.9), name="thinker")
    agent = Agent(fast=fast, thinker=thinker, estimate="tokens", policy=policy, thinking={"strategy": "cot", "probe_every": 0})
    events = 0

    def count(_: object) -> None:
        nonlocal events
        events += 1

    t = time.perf_counter()
    for _ in range(n):
        await agent.run("What is six times seven?", budget=Budget(max_tokens=10_000), on_event=count)
    elapsed = (time.perf_counter() - t) / n
    calls = (len(fast.requests) + len(thinker.requests)) / n
    return elapsed, calls  # type: ignore[return-value]


async def main(runs: int) -> None:
    await agent_steps(20, "fast")  # warm-up
    bare = statistics.median([await bare_calls(runs) for _ in range(3)])
    print(f"machine: {platform.machine()} cores={__import__('os').cpu_count()} python={platform.python_version()}  date: {date.today().isoformat()}")
    for policy in ("fast", "think"):
        samples = [await agent_steps(runs, policy) for _ in range(3)]
        per_run = statistics.median(s[0] for s in samples)
        calls = samples[0][1]
        overhead = per_run - calls * bare
        print(f"policy {policy:5}: {per_run * 1e6:7.0f} µs per one-step run, {calls:.0f} scripted calls "
              f"({calls * bare * 1e6:.0f} µs) -> controller overhead {overhead * 1e6:.0f} µs per step")
    print(f"a scripted call alone: {bare * 1e6:.0f} µs; one embedded-model token: ~20,000 µs")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=300)
    asyncio.run(main(p.parse_args().runs))
