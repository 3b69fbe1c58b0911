"""Fit and measure the gain calibration of the embedded pair from paired runs (``bench/gain_collect.py``).

    .venv/bin/python bench/gain_eval.py             # leave-one-kind-out on the difficulty corpus, then held-out suites
    .venv/bin/python bench/gain_eval.py --save      # also write policies/estimate/gain_default.json (fit on all kinds)

Every row is one task run once through ``policy="think"`` with the draft and its estimate recorded, so each
policy is simulated exactly on the same draft: ``fast`` keeps it; ``think`` takes the thinker's answer;
``adaptive`` (the rule before this calibration) escalates at difficulty >= 0.5 and trusts the thinker;
``adaptive+gain`` escalates at difficulty >= 0.5 only when the expected gain P(thinker right) - P(draft right)
is positive, and after thinking keeps the answer more likely right; ``think+choice`` always escalates and
keeps the answer more likely right; the oracle picks whichever is right at the lower cost.

The rule was fixed before any held-out number was read: leave-one-kind-out fits on the other kinds of the
difficulty corpus and scores the held-out kind; the shifted and standard suites (other phrasings, other kinds)
are scored with the fit on the whole difficulty corpus.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNS = [ROOT / "bench" / "data" / "gain_runs.jsonl", ROOT / "bench" / "data" / "gain_runs_heldout.jsonl"]
THRESHOLD = 0.5


def features(row: dict[str, Any]) -> dict[str, float]:
    from thinkdial.policies.estimate.gain import gain_features

    return gain_features(row)


def fit(rows: Sequence[dict[str, Any]]) -> Any:
    """The pair's calibration fitted on ``rows``; None (trust the thinker) when they hold one class only."""
    from thinkdial.policies.estimate.gain import fit_gain

    try:
        return fit_gain(rows)
    except ValueError:
        return None


Policy = Callable[[dict[str, Any], Any], tuple[bool, int, bool]]
"""(row, gain calibration) -> (correct, tokens, escalated)."""


def _fast(r: dict[str, Any], g: Any) -> tuple[bool, int, bool]:
    return bool(r["draft_correct"]), int(r["fast_tokens"]), False


def _think(r: dict[str, Any], g: Any) -> tuple[bool, int, bool]:
    return bool(r["think_correct"]), int(r["think_tokens"]), True


def _choose_after(r: dict[str, Any], g: Any) -> bool:
    """The answer kept after thinking: the thinker's unless the calibration rates the draft more likely right."""
    if g is None or r.get("kept_draft_by") or r.get("tool_calls"):
        return bool(r["think_correct"])
    p_thinker = g.after.predict(features(r))
    return bool(r["draft_correct"]) if 1.0 - r["difficulty"] > p_thinker else bool(r["think_correct"])


def _adaptive(r: dict[str, Any], g: Any) -> tuple[bool, int, bool]:
    return _think(r, g) if r["difficulty"] >= THRESHOLD else _fast(r, g)


def _adaptive_gain(r: dict[str, Any], g: Any) -> tuple[bool, int, bool]:
    d = r["difficulty"]
    if d < THRESHOLD or (g is not None and g.before.predict(features(r)) - (1.0 - d) <= 0.0):
        return _fast(r, g)
    return _choose_after(r, g), int(r["think_tokens"]), True


def _think_choice(r: dict[str, Any], g: Any) -> tuple[bool, int, bool]:
    return _choose_after(r, g), int(r["think_tokens"]), True


def _oracle(r: dict[str, Any], g: Any) -> tuple[bool, int, bool]:
    if r["draft_correct"] or not r["think_correct"]:
        return bool(r["draft_correct"]), int(r["fast_tokens"]), False
    return True, int(r["think_tokens"]), True


POLICIES: dict[str, Policy] = {
    "fast": _fast, "think": _think, "adaptive (before)": _adaptive, "think+choice": _think_choice,
    "adaptive+gain": _adaptive_gain, "oracle": _oracle,
}


def score(rows: Sequence[dict[str, Any]], gains: Sequence[Any]) -> dict[str, dict[str, float]]:
    """Accuracy, tokens per task and escalation rate of every policy; ``gains[i]`` is the fit row i is scored with."""
    out: dict[str, dict[str, float]] = {}
    for name, policy in POLICIES.items():
        results = [policy(r, g) for r, g in zip(rows, gains, strict=True)]
        n = len(results) or 1
        out[name] = {"accuracy": sum(c for c, _, _ in results) / n, "tokens": sum(t for _, t, _ in results) / n,
                     "escalated": sum(e for _, _, e in results) / n}
    return out


def table(title: str, scores: dict[str, dict[str, float]], n: int) -> str:
    lines = [f"**{title}** ({n} tasks)", "", "| policy | accuracy | tokens/task | escalated |", "|---|---|---|---|"]
    for name, s in scores.items():
        lines.append(f"| {name} | {s['accuracy']:.3f} | {s['tokens']:.0f} | {s['escalated']:.0%} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", nargs="*", default=[str(r) for r in RUNS])
    ap.add_argument("--save", action="store_true", help="write the fit on all difficulty kinds to gain_default.json")
    args = ap.parse_args()
    rows = [json.loads(line) for path in args.runs if Path(path).exists()
            for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    corpus = [r for r in rows if r["suite"] == "difficulty"]
    kinds = sorted({r["kind"] for r in corpus})

    # Leave one kind out: fit on the others, score the held-out kind.
    loko_gains: list[Any] = [None] * len(corpus)
    per_kind: dict[str, dict[str, dict[str, float]]] = {}
    by_kind: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(corpus):
        by_kind[r["kind"]].append(i)
    for kind in kinds:
        g = fit([r for r in corpus if r["kind"] != kind])
        for i in by_kind[kind]:
            loko_gains[i] = g
        per_kind[kind] = score([corpus[i] for i in by_kind[kind]], [g] * len(by_kind[kind]))
    pooled = score(corpus, loko_gains)
    print(table("Difficulty corpus, leave-one-kind-out", pooled, len(corpus)))
    print("\nPer kind (accuracy: fast / think / adaptive before / adaptive+gain / oracle):")
    worst = {name: (2.0, "") for name in POLICIES}
    for kind, s in per_kind.items():
        print(f"- {kind}: " + " / ".join(f"{s[p]['accuracy']:.2f}" for p in ("fast", "think", "adaptive (before)", "adaptive+gain", "oracle")))
        for name in POLICIES:
            if s[name]["accuracy"] - max(s["fast"]["accuracy"], s["think"]["accuracy"]) < worst[name][0]:
                worst[name] = (s[name]["accuracy"] - max(s["fast"]["accuracy"], s["think"]["accuracy"]), kind)
    for name in ("adaptive (before)", "think+choice", "adaptive+gain"):
        print(f"worst kind for {name} against the better of fast and think: {worst[name][1]} ({worst[name][0]:+.2f})")

    full = fit(corpus)
    for suite in ("shifted", "standard"):
        held = [r for r in rows if r["suite"] == suite]
        if held:
            print()
            print(table(f"{suite} suite, fit on the whole difficulty corpus (held out)", score(held, [full] * len(held)), len(held)))
    if args.save:
        from thinkdial.models.resolve import resolve_model
        from thinkdial.policies.estimate.gain import DEFAULT_GAIN_FILE

        name = resolve_model("embedded").name
        full.pair = (name, name)
        full.meta.update({"source": "bench/gain_eval.py --save", "runs": len(corpus), "kinds": len(kinds)})
        print(f"\nwrote {full.save(DEFAULT_GAIN_FILE)}")


if __name__ == "__main__":
    main()
