"""Fault table: drive ``Agent`` against misbehaving OpenAI-compatible servers on 127.0.0.1.

For each fault (see ``tests/faults/server.py``) it runs N tasks with a token
ceiling and records: tasks completed, tasks that failed cleanly (stop_reason
"error" with a message, no exception escaping), the maximum spend/ceiling ratio
(what the run's ledger booked, and — for failed calls — what the error's
``usage`` says the server billed), and the time to fail.

    .venv/bin/python bench/faults.py [--tasks 5] [--ceiling 1000]

Prints a Markdown table (paste it into bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _fault_server() -> Any:
    sys.path.insert(0, str(ROOT / "tests"))  # the test servers import their shared plumbing from there
    from faults import server

    return server


def _billed(srv: Any, fault: str, marker: str) -> int:
    """What the server billed for every request of one task (found by its fault and the task's text)."""
    return sum(
        r.billed
        for r in srv.requests
        if r.model == fault and any(marker in str(m.get("content")) for m in r.body.get("messages", []))
    )


def run_fault(srv: Any, fault: str, tasks: int, ceiling: int, timeout: float) -> dict[str, Any]:
    """Run ``tasks`` tasks against one fault; a fresh model per task (a new process's first call)."""
    from thinkdial import Agent, Budget
    from thinkdial.errors import ThinkdialError
    from thinkdial.models import LiteLLMModel
    from thinkdial.tools import calculator

    completed = clean = 0
    worst_ratio = booked_ratio = 0.0
    fail_times: list[float] = []
    learned_ratio = 0.0
    base = srv.base
    shared = LiteLLMModel(f"openai/{fault}", api_base=base, api_key="sk-local", timeout=timeout)
    for i in range(tasks):
        fresh = LiteLLMModel(f"openai/{fault}", api_base=base, api_key="sk-local", timeout=timeout)
        agent = Agent(fast=fresh, thinker=fresh, tools=[calculator], policy="fast", estimate="tokens")
        started = time.monotonic()
        billed = 0
        try:
            result = agent.run_sync(f"What is 2+2? (task {i})", budget=Budget(max_tokens=ceiling))
        except ThinkdialError as err:  # escaped the run: not clean
            fail_times.append(time.monotonic() - started)
            billed = err.usage.total_tokens if err.usage else 0
            worst_ratio = max(worst_ratio, billed / ceiling)
            continue
        elapsed = time.monotonic() - started
        spent = max(result.usage.total_tokens, _billed(srv, fault, f"2+2? (task {i})"))
        booked_ratio = max(booked_ratio, result.usage.total_tokens / ceiling)
        # The server's own bill for a failed call rides on the error; the run's message is what the user sees.
        worst_ratio = max(worst_ratio, spent / ceiling)
        if result.stop_reason in ("final", "budget") and str(result.output).strip():
            completed += 1
        elif result.stop_reason == "error" and result.message:
            clean += 1
            fail_times.append(elapsed)
        # The same model object again: what was learned from the first call holds from then on.
        again = Agent(fast=shared, thinker=shared, tools=[calculator], policy="fast", estimate="tokens")
        second = again.run_sync(f"What is 3+3? (task {i})", budget=Budget(max_tokens=ceiling))
        if i > 0:
            billed_again = max(second.usage.total_tokens, _billed(srv, fault, f"3+3? (task {i})"))
            learned_ratio = max(learned_ratio, billed_again / ceiling)
    return {
        "fault": fault,
        "tasks": tasks,
        "completed": completed,
        "clean": clean,
        "ratio": worst_ratio,
        "booked": booked_ratio,
        "learned_ratio": learned_ratio,
        "fail_s": max(fail_times) if fail_times else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=5)
    parser.add_argument("--ceiling", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=5.0, help="request timeout for the 'hang' fault")
    args = parser.parse_args()
    server = _fault_server()
    faults = ["normal", "tools", "cut", "broken", "notjson", "retryafter", "ratelimited", "error500", "hang",
              "overbill", "bigprompt"]
    with server.FaultServer() as srv:
        rows = [run_fault(srv, f, args.tasks, args.ceiling, args.timeout) for f in faults]
    print("| fault | tasks | completed | failed cleanly | max billed/ceiling | max booked/ceiling | "
          "same model, later runs (billed) | time to fail |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        fail = f"{r['fail_s']:.2f} s" if r["fail_s"] is not None else "—"
        print(f"| {r['fault']} — {server.FAULTS[r['fault']]} | {r['tasks']} | {r['completed']} | {r['clean']} | "
              f"{r['ratio']:.3f} | {r['booked']:.3f} | {r['learned_ratio']:.3f} | {fail} |")


if __name__ == "__main__":
    main()
