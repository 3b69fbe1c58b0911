"""The open-ended requests of issue 9, asked as a new user would (embedded model, defaults, the calculator
given as the CLI does): the step's shape and route, the draft's tokens against the whole run's, the answer.

Run: .venv/bin/python bench/open_ended_requests.py
"""

from __future__ import annotations

import time

from thinkdial import Agent
from thinkdial.tools import calculator
from thinkdial.trace import ModelCalled

REQUESTS = [
    "Explain how photosynthesis works.",
    "Write a short poem about the sea.",
    "Write a Python function that reverses a string.",
    "List three primary colours.",
    "Summarize the plot of Romeo and Juliet in two sentences.",
    "Give me three tips for sleeping better.",
    "What are the benefits of exercise?",
    "Explain in detail how photosynthesis works, step by step.",
]


def main() -> None:
    agent = Agent(tools=[calculator])
    print("| request | shape | difficulty | route | draft tokens | run tokens | × draft | seconds | answer (start) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for request in REQUESTS:
        calls: list[ModelCalled] = []
        started = time.perf_counter()
        result = agent.run_sync(request, on_event=lambda e, into=calls: into.append(e) if isinstance(e, ModelCalled) else None)
        seconds = time.perf_counter() - started
        draft = sum(c.usage.total_tokens for c in calls if c.purpose == "draft")
        step = result.steps[0]
        head = " ".join(str(result.output).split())[:90].replace("|", "\\|")
        print(f"| {request} | {step.shape} | {step.difficulty:.2f} | {step.label} | {draft} | {result.usage.total_tokens} | "
              f"{result.usage.total_tokens / draft:.1f} | {seconds:.0f} | {head}… |")


if __name__ == "__main__":
    main()
