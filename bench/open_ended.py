"""The open-ended table: per kind, pass rates under fast / think / adaptive, tokens and time per request,
and how often adaptive's answer fails a check its own fast draft passes.

Run the suite first (real runs on the embedded model, calculator given as the CLI does), then this:

    .venv/bin/thinkdial bench agent/benchmark/suites/open_ended.jsonl --policies fast,think,adaptive \
        --ceilings none --no-plot --out /tmp/oe-bench
    .venv/bin/python bench/open_ended.py /tmp/oe-bench
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def main(out: str) -> None:
    rows = [json.loads(line) for line in (Path(out) / "runs.jsonl").read_text().splitlines() if line.strip()]
    runs: dict[tuple[str, str], dict] = {(r["task_id"], r["policy"]): r for r in rows if r.get("ceiling") is None}
    kinds: dict[str, set[str]] = defaultdict(set)
    for task, _ in runs:
        kinds[runs[(task, "fast")]["kind"] if (task, "fast") in runs else "?"].add(task)
    print("| kind | tasks | pass fast / think / adaptive | tokens per request fast / think / adaptive | "
          "seconds fast / think / adaptive | escalated | adaptive worse than its draft |")
    print("|---|---|---|---|---|---|---|")
    totals: dict[str, list] = defaultdict(list)
    for kind in sorted(kinds):
        tasks = sorted(kinds[kind])
        cells = []
        for measure in ("correct", "tokens", "seconds"):
            per = []
            for policy in ("fast", "think", "adaptive"):
                values = [runs[(t, policy)][measure] for t in tasks if (t, policy) in runs]
                totals[(measure, policy)].extend(values)
                per.append(f"{sum(values)}/{len(values)}" if measure == "correct" else f"{statistics.mean(values):.0f}")
            cells.append(" / ".join(per))
        escalated = sum(bool(runs[(t, "adaptive")]["escalated"]) for t in tasks if (t, "adaptive") in runs)
        worse = sum(
            1 for t in tasks
            if (t, "adaptive") in runs and (t, "fast") in runs and runs[(t, "fast")]["correct"] and not runs[(t, "adaptive")]["correct"]
        )
        totals["escalated"].append(escalated)
        totals["worse"].append(worse)
        print(f"| {kind} | {len(tasks)} | {cells[0]} | {cells[1]} | {cells[2]} | {escalated} | {worse} |")
    n = len(totals[("correct", "fast")])
    allc = " / ".join(f"{sum(totals[('correct', p)])}/{n}" for p in ("fast", "think", "adaptive"))
    allt = " / ".join(f"{statistics.mean(totals[('tokens', p)]):.0f}" for p in ("fast", "think", "adaptive"))
    alls = " / ".join(f"{statistics.mean(totals[('seconds', p)]):.0f}" for p in ("fast", "think", "adaptive"))
    print(f"| **all** | {n} | {allc} | {allt} | {alls} | {sum(totals['escalated'])} | {sum(totals['worse'])} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "thinkdial-bench")
