"""Latency of the chat UI: launch to first painted screen, and submit to first streamed token.

Runs the real ``tui.app.ChatApp`` headless (Textual's ``run_test``) on the
embedded model, in fresh subprocesses so imports count the way they do for a
user typing ``thinkdial chat``.

    python bench/tui_latency.py [--runs 3] [--policy fast]

Numbers printed (milliseconds, median over runs):

- ``process_to_first_paint``: interpreter start (before ``import tui.app``) to the
  first completed screen refresh of the app.
- ``app_to_first_paint``: ``ChatApp()`` construction to the first completed refresh.
- ``app_to_model_ready``: ``ChatApp()`` to the agent built and the weights loaded (worker thread).
- ``submit_to_first_token`` (warm): the submitted message handled (answer widget created), model
  already loaded, to the first streamed token written to the answer's Markdown stream;
  ``..._visible``: to the screen refresh after that token.
- ``cold_submit_to_first_token``: a message submitted right at launch (includes loading the model).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import time
t_start = time.perf_counter()
import asyncio, json, sys
sys.path.insert(0, {root!r})
from thinkdial.tui.app import ChatApp
from thinkdial.tui.widgets import AnswerView
from textual.widgets import Input, Markdown

POLICY = {policy!r}
QUESTION = {question!r}

async def wait(pilot, cond, timeout=120.0):
    end = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > end:
            raise SystemExit("timeout")
        await pilot.pause(0.001)

async def submit(pilot, app, text):
    before = len(app.query(AnswerView))
    app.query_one("#prompt", Input).value = text
    await pilot.press("enter")
    await wait(pilot, lambda: len(app.query(AnswerView)) > before)
    view = app.query(AnswerView).last()
    await wait(pilot, lambda: view.first_token_painted_at is not None)
    await wait(pilot, lambda: not app.answering)
    return view

async def main():
    out = {{}}
    app = ChatApp(policy=POLICY)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(pilot, lambda: app.first_paint_at is not None)
        out["process_to_first_paint"] = app.first_paint_at - t_start
        out["app_to_first_paint"] = app.first_paint_at - app.launched_at
        if {cold}:
            view = await submit(pilot, app, QUESTION)
            out["cold_submit_to_first_token"] = view.first_token_at - view.created_at
            out["cold_submit_to_model_ready"] = (app.agent_ready_at or view.created_at) - view.created_at
        else:
            await wait(pilot, lambda: app.agent_ready_at is not None or bool(app.load_error))
            if app.load_error:
                raise SystemExit(app.load_error)
            out["app_to_model_ready"] = app.agent_ready_at - app.launched_at
            # one warm-up answer, then the measured one
            await submit(pilot, app, "Say hello.")
            view = await submit(pilot, app, QUESTION)
            out["submit_to_first_token"] = view.first_token_at - view.created_at
            out["submit_to_first_token_visible"] = view.first_token_painted_at - view.created_at
        out["answer"] = view.record.content[:80]
    print("RESULT " + json.dumps(out))

asyncio.run(main())
"""


def run_child(policy: str, question: str, cold: bool) -> dict:
    code = CHILD.format(root=str(ROOT), policy=policy, question=question, cold=cold)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "XDG_DATA_HOME": tmp}
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"child failed (rc={proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--policy", default="fast", choices=["fast", "adaptive", "think"])
    parser.add_argument("--question", default="What is the capital of France?")
    args = parser.parse_args()

    warm: list[dict] = []
    cold: list[dict] = []
    started = time.perf_counter()
    for _ in range(args.runs):
        warm.append(run_child(args.policy, args.question, cold=False))
        cold.append(run_child(args.policy, args.question, cold=True))

    def med(rows: list[dict], key: str) -> str:
        values = [r[key] * 1000 for r in rows if key in r]
        if not values:
            return "n/a"
        return f"{statistics.median(values):8.1f} ms  (min {min(values):.1f}, max {max(values):.1f})"

    print(f"thinkdial chat latency — embedded model, policy {args.policy}, {args.runs} runs, python {sys.version.split()[0]}")
    for key in ("process_to_first_paint", "app_to_first_paint", "app_to_model_ready"):
        print(f"  {key:32s} {med(warm + cold if 'paint' in key else warm, key)}")
    print(f"  {'submit_to_first_token':32s} {med(warm, 'submit_to_first_token')}")
    print(f"  {'submit_to_first_token_visible':32s} {med(warm, 'submit_to_first_token_visible')}")
    print(f"  {'cold_submit_to_first_token':32s} {med(cold, 'cold_submit_to_first_token')}")
    print(f"    of which waiting for the model  {med(cold, 'cold_submit_to_model_ready')}")
    print(f"  sample answer: {warm[-1].get('answer', '')!r}")
    print(f"  (bench took {time.perf_counter() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
