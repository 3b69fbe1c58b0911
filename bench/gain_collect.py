"""Collect paired runs of the embedded pair for the gain calibration: each task once through ``policy="think"``.

    nohup .venv/bin/python bench/gain_collect.py --suite difficulty --per-kind 8 > /tmp/gain.log 2>&1 &

One greedy draft serves both routes (``fast`` keeps it, ``think`` escalates it), so each run records: the
draft and its estimate (difficulty, every signal), what the think route measured of its own answer, the
final answer, both graded, and the tokens of the draft-and-estimate calls against the whole run's. The pair's
thinker calibration is switched off for collection (the thinker's answer is taken unless it failed outright),
so the rows say what the thinker would have answered. Rows go to ``bench/data/gain_runs.jsonl`` (resumable);
``bench/gain_eval.py`` fits and evaluates from them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "data" / "gain_runs.jsonl"


def round_robin(tasks: list[Any]) -> list[Any]:
    """Tasks reordered so every prefix covers the kinds evenly (a run cut short stays balanced)."""
    by_kind: dict[str, list[Any]] = {}
    for t in tasks:
        by_kind.setdefault(t.kind, []).append(t)
    out: list[Any] = []
    while any(by_kind.values()):
        for queue in by_kind.values():
            if queue:
                out.append(queue.pop(0))
    return out


def main() -> None:
    from thinkdial import Agent
    from thinkdial.benchmark.tasks import load_tasks, resolve_suite
    from thinkdial.calibrate import paired_run
    from thinkdial.models.resolve import resolve_model
    from thinkdial.tools.calculator import calculator

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", action="append", default=None, help="suite name(s) (default: difficulty, shifted, standard)")
    ap.add_argument("--per-kind", type=int, default=0, help="only the first N tasks of each kind (0 = all)")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--threads", type=int, default=None, help="llama.cpp threads (1 when several collections share a CPU)")
    args = ap.parse_args()

    model = resolve_model("embedded")
    if args.threads:
        from thinkdial.models.llamacpp import LlamaCppModel

        model = LlamaCppModel(model.path, name=model.name, n_threads=args.threads)
    agents: dict[str | None, Any] = {}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = {(r["suite"], r["id"]) for r in map(json.loads, out.open())} if out.exists() else set()
    started = time.perf_counter()
    for suite in args.suite or ["difficulty", "shifted", "standard"]:
        tasks = round_robin(load_tasks(resolve_suite(suite)))
        if args.per_kind:
            counts: dict[str, int] = {}
            kept = []
            for t in tasks:
                counts[t.kind] = counts.get(t.kind, 0) + 1
                if counts[t.kind] <= args.per_kind:
                    kept.append(t)
            tasks = kept
        with out.open("a") as fh:
            for n, task in enumerate(tasks):
                if (suite, task.id) in done:
                    continue
                if task.system not in agents:
                    kw = {"system_prompt": task.system} if task.system else {}
                    agents[task.system] = Agent(fast=model, thinker=model, tools=[calculator], **kw)
                agent = agents[task.system]
                t0 = time.perf_counter()
                row = {"suite": suite, **asyncio.run(paired_run(agent, task)), "seconds": round(time.perf_counter() - t0, 2)}
                fh.write(json.dumps(row) + "\n")
                fh.flush()
                print(f"{suite} {n + 1}/{len(tasks)} {task.kind:16} {row['seconds']:5.1f}s (total {time.perf_counter() - started:5.0f}s) "
                      f"draft {'✓' if row['draft_correct'] else '✗'} think {'✓' if row['think_correct'] else '✗'} "
                      f"{task.prompt[:40]!r} -> {row['output'][:40]!r}", flush=True)


if __name__ == "__main__":
    main()
