"""Offline analysis of benchmark runs: policy summaries, simulated threshold sweeps, random and oracle routers, AUROC.

Everything here is a pure function of the per-run records the runner writes
(one dict per finished ``(task, policy)`` run), so a report can be recomputed
from ``runs.jsonl`` without touching a model.

The threshold sweep is *simulated from paired runs*: every task is run once with
``fast`` and once with ``think``; every policy drafts with the same fast model
(greedy) and scores the draft the same way before routing, so ``adaptive`` at
threshold ``t`` is, per task, the ``fast`` run when the draft's difficulty is
below ``t`` and the ``think`` run otherwise — answers, tokens, cost and time
taken from that run. Random escalation at rate ``r`` is computed exactly, as the
expectation over which tasks escalate (the straight line from ``fast`` to
``think``); the oracle escalates exactly the tasks whose fast answer is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "HIGHER_IS_EASIER",
    "auroc",
    "pair_runs",
    "summarize_policy",
    "sweep",
    "analyze",
    "consistency",
]

HIGHER_IS_EASIER = ("conf", "prob", "agree", "margin", "p_yes", "verif", "logprob")
"""Signal names containing one of these are confidences (higher = easier): their AUROC is taken on the negated value."""


def auroc(scores: Sequence[float], labels: Sequence[int]) -> float | None:
    """Area under the ROC curve of ``scores`` for ``labels`` (1 = positive), ties counted half; None without both classes."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return None
    wins = 0.0
    for p in pos:
        for n in neg:
            wins += 1.0 if p > n else 0.5 if p == n else 0.0
    return wins / (len(pos) * len(neg))


def _mean(values: Iterable[float]) -> float:
    vals = list(values)
    return sum(vals) / len(vals) if vals else 0.0


def summarize_policy(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy, mean tokens / cost / seconds per task, share escalated and stop reasons of one policy's runs."""
    n = len(records)
    stops: dict[str, int] = {}
    for r in records:
        stops[r["stop_reason"]] = stops.get(r["stop_reason"], 0) + 1
    return {
        "n": n,
        "accuracy": _mean(1.0 if r["correct"] else 0.0 for r in records),
        "correct": sum(1 for r in records if r["correct"]),
        "tokens": _mean(r["tokens"] for r in records),
        "tokens_total": sum(r["tokens"] for r in records),
        "cost_usd": _mean(r["cost_usd"] for r in records),
        "cost_usd_total": sum(r["cost_usd"] for r in records),
        "seconds": _mean(r["seconds"] for r in records),
        "seconds_total": sum(r["seconds"] for r in records),
        "escalated": _mean(1.0 if r["escalated"] else 0.0 for r in records),
        "stop_reasons": stops,
    }


def pair_runs(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per task with both a ``fast`` and a ``think`` run: the pair, and the fast draft's difficulty and signals."""
    by: dict[tuple[str, str], dict[str, Any]] = {(r["task_id"], r["policy"]): r for r in records}
    pairs = []
    for (task_id, policy), fast in sorted(by.items()):
        if policy != "fast" or (task_id, "think") not in by:
            continue
        pairs.append({
            "task_id": task_id,
            "kind": fast["kind"],
            "fast": fast,
            "think": by[(task_id, "think")],
            "difficulty": fast["difficulty"] if fast["difficulty"] is not None else 1.0,
            "signals": fast.get("signals") or {},
        })
    return pairs


def _route(pairs: Sequence[dict[str, Any]], escalate: Sequence[bool]) -> dict[str, Any]:
    runs = [p["think"] if e else p["fast"] for p, e in zip(pairs, escalate, strict=True)]
    return {
        "accuracy": _mean(1.0 if r["correct"] else 0.0 for r in runs),
        "tokens": _mean(r["tokens"] for r in runs),
        "cost_usd": _mean(r["cost_usd"] for r in runs),
        "seconds": _mean(r["seconds"] for r in runs),
        "escalated": _mean(1.0 if e else 0.0 for e in escalate),
    }


def _random(pairs: Sequence[dict[str, Any]], rate: float) -> dict[str, Any]:
    """Expected accuracy and spend when a share ``rate`` of tasks, drawn at random, escalates."""
    def mix(key: str) -> float:
        return _mean((1 - rate) * float(p["fast"][key]) + rate * float(p["think"][key]) for p in pairs)
    return {
        "rate": rate,
        "accuracy": _mean((1 - rate) * p["fast"]["correct"] + rate * p["think"]["correct"] for p in pairs),
        "tokens": mix("tokens"),
        "cost_usd": mix("cost_usd"),
    }


def sweep(pairs: Sequence[dict[str, Any]], thresholds: Sequence[float], shares: Sequence[float]) -> dict[str, Any]:
    """Simulated adaptive at each threshold and each target escalation share, random at the same rates, and the oracle."""
    if not pairs:
        return {"thresholds": [], "shares": [], "oracle": None, "fast": None, "think": None}
    diffs = [p["difficulty"] for p in pairs]
    by_threshold = []
    for t in thresholds:
        esc = [d >= t for d in diffs]
        row = {"threshold": t, **_route(pairs, esc)}
        row["random"] = _random(pairs, row["escalated"])
        by_threshold.append(row)
    by_share = []
    order = sorted(range(len(pairs)), key=lambda i: -diffs[i])
    for share in shares:
        k = round(share * len(pairs))
        chosen = set(order[:k])
        esc = [i in chosen for i in range(len(pairs))]
        row = {"share": share, "threshold": diffs[order[k - 1]] if k else None, **_route(pairs, esc)}
        row["random"] = _random(pairs, row["escalated"])
        by_share.append(row)
    oracle_esc = [not p["fast"]["correct"] for p in pairs]
    return {
        "thresholds": by_threshold,
        "shares": by_share,
        "oracle": _route(pairs, oracle_esc),
        "fast": _route(pairs, [False] * len(pairs)),
        "think": _route(pairs, [True] * len(pairs)),
    }


def _signal_scores(pairs: Sequence[dict[str, Any]], name: str) -> list[float] | None:
    vals = [p["signals"].get(name) for p in pairs]
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in vals):
        # a signal not computed on every draft (e.g. sample agreement, staged): missing = most uncertain
        present = [float(v) for v in vals if v is not None]
        if not present or len(present) < len(vals) / 2:
            return None
    sign = -1.0 if any(h in name for h in HIGHER_IS_EASIER) else 1.0
    worst = math.inf
    return [sign * float(v) if v is not None else worst for v in vals]


def auroc_table(pairs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """AUROC for "the fast answer is wrong" of the difficulty and of each signal, overall and per kind."""
    labels = [0 if p["fast"]["correct"] else 1 for p in pairs]
    kinds = sorted({p["kind"] for p in pairs})
    names = sorted({k for p in pairs for k in p["signals"]})
    out: dict[str, Any] = {"label": "fast answer wrong", "n": len(pairs), "wrong": sum(labels), "scores": {}}
    columns: dict[str, list[float] | None] = {"difficulty": [p["difficulty"] for p in pairs]}
    for name in names:
        columns[name] = _signal_scores(pairs, name)
    for name, scores in columns.items():
        if scores is None:
            continue
        per_kind: dict[str, float | None] = {}
        for kind in kinds:
            idx = [i for i, p in enumerate(pairs) if p["kind"] == kind]
            per_kind[kind] = auroc([scores[i] for i in idx], [labels[i] for i in idx])
        out["scores"][name] = {
            "all": auroc(scores, labels),
            "negated": name != "difficulty" and any(h in name for h in HIGHER_IS_EASIER),
            "per_kind": per_kind,
        }
    return out


def _interp_random_tokens(fast: dict[str, Any], think: dict[str, Any], accuracy: float) -> float | None:
    """Tokens random escalation needs to reach ``accuracy`` (None when it cannot)."""
    if accuracy <= fast["accuracy"] + 1e-12:
        return float(fast["tokens"])
    gain = think["accuracy"] - fast["accuracy"]
    if gain <= 0 or accuracy > think["accuracy"] + 1e-12:
        return None
    rate = max(0.0, (accuracy - fast["accuracy"]) / gain)
    return float(fast["tokens"] + rate * (think["tokens"] - fast["tokens"]))


def headline(policies: dict[str, dict[str, Any]], sw: dict[str, Any]) -> dict[str, Any]:
    """The numbers a reader wants first: adaptive against random at equal cost, and tokens saved against think."""
    out: dict[str, Any] = {}
    fast, think = sw.get("fast"), sw.get("think")
    adaptive = policies.get("adaptive")
    if fast and think and adaptive:
        rate = (adaptive["tokens"] - fast["tokens"]) / (think["tokens"] - fast["tokens"]) if think["tokens"] != fast["tokens"] else 0.0
        rate = min(1.0, max(0.0, rate))
        random_acc = fast["accuracy"] + rate * (think["accuracy"] - fast["accuracy"])
        out["adaptive_accuracy"] = adaptive["accuracy"]
        out["adaptive_tokens"] = adaptive["tokens"]
        out["random_accuracy_at_adaptive_tokens"] = random_acc
        out["random_tokens_for_adaptive_accuracy"] = _interp_random_tokens(fast, think, adaptive["accuracy"])
    if think:
        target = think["accuracy"]
        candidates = []
        if adaptive and adaptive["accuracy"] >= target - 1e-12:
            candidates.append(("adaptive (real run)", adaptive["tokens"]))
        for row in sw.get("thresholds", []):
            if row["accuracy"] >= target - 1e-12:
                candidates.append((f"adaptive@{row['threshold']:g} (simulated)", row["tokens"]))
        if candidates:
            name, tokens = min(candidates, key=lambda c: c[1])
            out["equal_accuracy_vs_think"] = {
                "reached_by": name, "tokens": tokens, "think_tokens": think["tokens"],
                "saved_share": 1 - tokens / think["tokens"] if think["tokens"] else 0.0,
            }
        else:
            out["equal_accuracy_vs_think"] = None
    return out


def consistency(records: Sequence[dict[str, Any]], threshold: float) -> dict[str, Any] | None:
    """How well the simulation reproduces the real ``adaptive`` run at its own threshold, task by task."""
    adaptive = {r["task_id"]: r for r in records if r["policy"] == "adaptive"}
    rows = [p for p in pair_runs(records) if p["task_id"] in adaptive]
    if not rows:
        return None
    same_route = sum(1 for p in rows if (p["difficulty"] >= threshold) == adaptive[p["task_id"]]["escalated"])
    sim = _route(rows, [p["difficulty"] >= threshold for p in rows])
    real = summarize_policy([adaptive[p["task_id"]] for p in rows])
    return {
        "threshold": threshold, "tasks": len(rows), "same_route": same_route,
        "simulated_accuracy": sim["accuracy"], "real_accuracy": real["accuracy"],
        "simulated_tokens": sim["tokens"], "real_tokens": real["tokens"],
    }


def analyze(
    records: Sequence[dict[str, Any]],
    thresholds: Sequence[float],
    shares: Sequence[float],
    default_threshold: float | None = None,
) -> dict[str, Any]:
    """Everything ``results.json`` reports, from the run records."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault(r["policy"], []).append(r)
    policies = {name: summarize_policy(rs) for name, rs in groups.items() if not name.startswith("ceiling@")}
    ceilings = []
    for name, rs in groups.items():
        if name.startswith("ceiling@"):
            ids = {r["task_id"] for r in rs}
            reference = [r for r in groups.get("adaptive", []) if r["task_id"] in ids]
            ceilings.append({
                "max_tokens": rs[0]["ceiling"], **summarize_policy(rs),
                "budget_stops": sum(1 for r in rs if r["stop_reason"] == "budget"),
                "uncapped_adaptive_accuracy": summarize_policy(reference)["accuracy"] if reference else None,
                "uncapped_adaptive_tokens": summarize_policy(reference)["tokens"] if reference else None,
            })
    ceilings.sort(key=lambda c: c["max_tokens"])
    pairs = pair_runs(records)
    sw = sweep(pairs, thresholds, shares)
    kinds: dict[str, dict[str, Any]] = {}
    for kind in sorted({r["kind"] for r in records}):
        kinds[kind] = {
            name: summarize_policy([r for r in rs if r["kind"] == kind])
            for name, rs in groups.items() if not name.startswith("ceiling@") and any(r["kind"] == kind for r in rs)
        }
    return {
        "policies": policies,
        "per_kind": kinds,
        "sweep": {**sw, "simulated": True, "note": (
            "adaptive at each threshold/share, random and oracle are simulated offline from the paired fast and think "
            "runs of each task (same greedy draft and difficulty); 'adaptive' in policies is a real run at the default threshold")},
        "auroc": auroc_table(pairs),
        "simulation_check": consistency(records, default_threshold) if default_threshold is not None else None,
        "ceilings": ceilings,
        "headline": headline(policies, sw),
    }
