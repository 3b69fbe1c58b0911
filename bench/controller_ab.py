"""Controller overhead, this tree against an older checkout, interleaved in one process (CPU time, not wall time).

The older checkout is the baseline: before the namespace it is importable as ``agent`` (its own
``tools``/``policies``), so both controllers load side by side. Each round runs N one-step tasks on each,
alternating, on ScriptedModel; the ratio of medians is what is reported.

Run: git worktree add /tmp/old 2a591c4 && .venv/bin/python bench/controller_ab.py /tmp/old
"""

from __future__ import annotations

import asyncio
import platform
import statistics
import sys
import time
from datetime import date
from typing import Any

REPLY_TEXT = "The answer is 42 because six times seven is forty two."


def build(lib: Any, models: Any, policy: str, new: bool) -> Any:
    fast = models.ScriptedModel(models.ScriptedReply(REPLY_TEXT, confidence=0.9), name="fast")
    thinker = models.ScriptedModel(models.ScriptedReply("Answer: 42", confidence=0.9), name="thinker")
    extra = {"thinking": {"strategy": "cot", "probe_every": 0}} if new else {"thinking": "cot", "probe_every": 0}
    return lib.Agent(fast=fast, thinker=thinker, estimate="tokens", policy=policy, **extra)


async def per_run(agent: Any, budget: Any, n: int) -> float:
    t = time.process_time()
    for _ in range(n):
        await agent.run("What is six times seven?", budget=budget, on_event=lambda e: None)
    return (time.process_time() - t) / n


async def main(old_root: str, rounds: int, n: int) -> None:
    sys.path.insert(0, old_root)
    import agent as old_lib  # the baseline checkout
    import agent.models as old_models
    import thinkdial as new_lib
    import thinkdial.models as new_models

    print(f"# {platform.machine()}, python {platform.python_version()}, {date.today()}; {rounds} rounds x {n} runs, CPU time")
    for policy in ("fast", "think"):
        old = build(old_lib, old_models, policy, new=False)
        new = build(new_lib, new_models, policy, new=True)
        old_budget, new_budget = old_lib.Budget(max_tokens=10_000), new_lib.Budget(max_tokens=10_000)
        await per_run(old, old_budget, 20)
        await per_run(new, new_budget, 20)
        a, b = [], []
        for _ in range(rounds):
            a.append(await per_run(old, old_budget, n))
            b.append(await per_run(new, new_budget, n))
        ma, mb = statistics.median(a), statistics.median(b)
        print(f"policy {policy:5}: baseline {ma * 1e6:.0f} µs, this tree {mb * 1e6:.0f} µs per one-step run; ratio {mb / ma:.2f}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], rounds=9, n=100))
