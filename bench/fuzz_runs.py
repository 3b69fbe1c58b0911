"""Randomized whole runs: scripted models that say anything, under random budgets, policies and settings.

    .venv/bin/python bench/fuzz_runs.py [--runs 10000] [--seed 0] [--time-limit 5] [--shrink-runs 120]

Each run is a case from ``tests/fuzz/runs.py`` (arbitrary text, malformed and oversized tool calls, huge
numbers, control characters, unicode digits, long repetitions; random budgets, policies, strategies,
capabilities, prices). It counts runs, how they ended, ceiling crossings, unexpected exceptions and hangs
(past ``--time-limit`` seconds), and the slowest run; each distinct failure (kind, exception type, the
innermost thinkdial frame) is shrunk to a small input and printed. Prints Markdown for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the harness lives with the tests (tests/fuzz/runs.py)

from fuzz.runs import Tally, describe, generate, run_case, shrink  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0, help="first seed (runs use seed, seed+1, ...)")
    parser.add_argument("--time-limit", type=float, default=5.0, help="seconds a run may take before it counts as a hang")
    parser.add_argument("--shrink-runs", type=int, default=120, help="runs spent shrinking each distinct failure (0: none)")
    parser.add_argument("--progress", type=int, default=1000, help="print a progress line every N runs (stderr)")
    args = parser.parse_args()

    tally = Tally()
    started = time.perf_counter()
    for seed in range(args.seed, args.seed + args.runs):
        case = generate(seed)
        outcome = run_case(case, time_limit=args.time_limit)
        if outcome.kind != "ok" and outcome.signature not in tally.failures:
            print(f"new failure at seed {seed}: {outcome.signature} {outcome.detail[:120]}", file=sys.stderr, flush=True)
        tally.add(case, outcome)
        if args.progress and tally.runs % args.progress == 0:
            print(f"{tally.runs} runs, {time.perf_counter() - started:.0f} s, {tally.kinds}", file=sys.stderr, flush=True)
    wall = time.perf_counter() - started

    failures = sorted(tally.failures.items(), key=lambda kv: -kv[1][0])
    for _sig, entry in failures:
        if args.shrink_runs:
            # A hang costs its whole time limit per try: shrink those with a tenth of the tries.
            tries = args.shrink_runs // 10 if entry[1].kind == "hang" else args.shrink_runs
            entry[3], _ = shrink(entry[2], entry[1], time_limit=args.time_limit, max_runs=tries)

    crossings = tally.kinds.get("crossing", 0)
    unexpected = sum(n for k, n in tally.kinds.items() if k != "ok")
    print(f"| runs | ceiling crossings (tokens, cost, steps) | time-ceiling overshoots (> {0.5:g} s) | unexpected exceptions | "
          f"hangs (> {args.time_limit:g} s) | slowest run | wall |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {tally.runs} | {crossings} | {tally.kinds.get('overtime', 0)} | "
          f"{tally.kinds.get('exception', 0) + tally.kinds.get('bad_result', 0)} | "
          f"{tally.kinds.get('hang', 0)} | {tally.slowest[0]:.2f} s (seed {tally.slowest[1]}) | {wall:.0f} s |")
    ends = ", ".join(f"{k} {v}" for k, v in sorted(tally.stops.items(), key=lambda kv: -kv[1]))
    print(f"\nSound runs ended: {ends} ('raised' = a documented exception: strict budget, unpriced model).")
    if failures:
        print(f"\n{len(failures)} distinct failures ({unexpected} runs, {sum(e[0] for _, e in failures if e[1].in_policies)} of them in policies/):\n")
        for (kind, exc, where), (count, outcome, case, small) in failures:
            print(f"- **{kind}** `{exc}` at `{where}` — {count} runs (first: seed {case.seed}). {outcome.detail[:160]}")
            print(f"  - input: {describe(small or case)}")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
