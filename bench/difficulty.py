"""Difficulty signals and routing on the embedded model: AUROC, calibration, accuracy vs tokens.

    .venv/bin/python bench/difficulty.py collect [--per-kind 8]   # runs the model (minutes), writes bench/data/
    .venv/bin/python bench/difficulty.py report [--save]           # offline: AUROC, fit, routing curve

``collect`` answers every question of ``bench/questions.py`` (train and test
splits) three ways through the real ``Agent``:

* policy ``fast`` with an estimator that always samples: the draft, all token
  signals, the agreement of 5 samples, and whether the draft was right;
* policy ``think`` with the calculator: whether the think route was right, and its tokens.

``report`` fits the two-stage calibration on the train split only and
reports AUROC (label: the fast answer is wrong) on the held-out test split,
for every signal and for the staged difficulty as ``adaptive`` computes it,
plus the tokens the estimate costs. Then it replays the routing decisions:
``fast``, ``think``, ``adaptive`` at several thresholds, and random
escalation at the same rates. ``--save`` writes the fitted calibration to
``policies/calibration_default.json`` (the shipped default).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.questions import generate, is_correct  # noqa: E402
from thinkdial.policies.calibration import LogisticCalibration, auroc  # noqa: E402
from thinkdial.policies.difficulty import (  # noqa: E402
    DEFAULT_CALIBRATION_FILE,
    SAMPLE_FEATURES,
    TOKEN_FEATURES,
    DifficultyEstimator,
    Estimate,
)

DATA = Path(__file__).resolve().parent / "data"
SAMPLES = 5


def collect(per_kind: int) -> None:
    from thinkdial import Agent, Budget
    from thinkdial.tools import calculator

    DATA.mkdir(exist_ok=True)
    always_sample = DifficultyEstimator(ambiguous=(0.0, 1.0), samples=SAMPLES)
    fast_agent = Agent(policy="fast", estimator=always_sample)
    think_agent = Agent(policy="think", tools=[calculator], estimate="tokens")
    for split in ("train", "test"):
        out = DATA / f"difficulty_{split}.jsonl"
        with out.open("w") as fh:
            for q in generate(split, per_kind):
                t = time.perf_counter()
                fast = fast_agent.run_sync(q.text, budget=Budget(max_tokens=4000))
                s = fast.steps[0]
                think = think_agent.run_sync(q.text, budget=Budget(max_tokens=4000))
                row = {
                    "kind": q.kind,
                    "question": q.text,
                    "gold": q.answer,
                    "draft": s.draft,
                    "fast_correct": is_correct(q, s.draft),
                    "signals": s.signals,
                    "stage": s.estimate_stage,
                    "draft_tokens": s.usage.total_tokens - s.estimate_tokens,
                    "sample_tokens": s.estimate_tokens,
                    "think_output": str(think.output),
                    "think_correct": is_correct(q, str(think.output)),
                    "think_tokens": think.usage.total_tokens,
                }
                fh.write(json.dumps(row) + "\n")
                fh.flush()
                print(f"{split} {q.kind:14} fast={row['fast_correct']!s:5} think={row['think_correct']!s:5} "
                      f"{time.perf_counter() - t:4.1f}s {q.text[:40]!r} -> {s.draft[:40]!r}", flush=True)


def load(split: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / f"difficulty_{split}.jsonl").open()]


def fit(train: list[dict]) -> dict[str, LogisticCalibration]:
    answered = [r for r in train if r["stage"] != "no_answer"]
    labels = [0 if r["fast_correct"] else 1 for r in answered]
    tokens = LogisticCalibration.fit([r["signals"] for r in answered], labels, TOKEN_FEATURES, l2=1.0)
    rows = []
    for r in answered:
        sig = dict(r["signals"])
        sig["tokens_difficulty"] = tokens.predict(sig)
        rows.append(sig)
    samples = LogisticCalibration.fit(rows, labels, SAMPLE_FEATURES, l2=1.0)
    return {"tokens": tokens, "samples": samples}


def staged(row: dict, est: DifficultyEstimator) -> tuple[float, int]:
    """The difficulty adaptive computes for a recorded row, and the sample tokens it would have spent."""
    if row["stage"] == "no_answer":
        return 1.0, 0
    sig = dict(row["signals"])
    d1 = est.models["tokens"].predict(sig)
    first = Estimate(d1, {**sig, "tokens_difficulty": d1}, [], "tokens", "x")
    if not est.needs_samples(first):
        return d1, 0
    return est.models["samples"].predict({**sig, "tokens_difficulty": d1}), row["sample_tokens"]


def report(save: bool) -> None:
    train, test = load("train"), load("test")
    models = fit(train)
    est = DifficultyEstimator(calibration=models)
    labels = [0 if r["fast_correct"] else 1 for r in test]
    print(f"questions: train {len(train)}, test {len(test)}; fast wrong on test: {sum(labels)}/{len(labels)}")
    print("\nAUROC for 'fast answer is wrong' on the held-out test split (higher = better):")
    def show(name: str, scores: list[float]) -> None:
        print(f"  {name:28} {auroc(scores, labels):.3f}")
    no_answer = [1.0 if r["stage"] == "no_answer" else 0.0 for r in test]
    show("no answer stated", no_answer)
    for f, sign in [("mean_entropy", 1), ("min_token_prob", -1), ("group_confidence", -1), ("tail_confidence", -1),
                    ("answer_entropy", 1), ("agreement", -1), ("draft_agrees", -1)]:
        default = 0.0 if sign > 0 else 1.0
        vals = [r["signals"].get(f, default) if r["stage"] != "no_answer" else (9.0 if sign > 0 else -9.0) for r in test]
        show(f + (" (neg)" if sign < 0 else ""), [sign * v for v in vals])
    tokens_only = [1.0 if r["stage"] == "no_answer" else models["tokens"].predict(r["signals"]) for r in test]
    show("calibrated token stage", tokens_only)
    always = [1.0 if r["stage"] == "no_answer" else models["samples"].predict({**r["signals"], "tokens_difficulty": models["tokens"].predict(r["signals"])}) for r in test]
    show("token + samples, always", always)
    scored = [staged(r, est) for r in test]
    show("staged difficulty (adaptive)", [d for d, _ in scored])
    sampled = sum(1 for _, t in scored if t)
    est_tokens = sum(t for _, t in scored)
    draft_tokens = sum(r["draft_tokens"] for r in test)
    print(f"\nestimate cost: samples taken on {sampled}/{len(test)} steps, {est_tokens} tokens "
          f"({est_tokens / len(test):.0f}/question; drafts cost {draft_tokens / len(test):.0f}/question; "
          f"always sampling would cost {sum(r['sample_tokens'] for r in test) / len(test):.0f}/question)")

    print("\nrouting on the test split (replayed from recorded fast and think runs):")
    print(f"  {'policy':24} {'escalated':>9} {'accuracy':>9} {'tokens/q':>9}")
    def replay(escalate: list[bool]) -> tuple[float, float]:
        acc = sum((r["think_correct"] if e else r["fast_correct"]) for r, e in zip(test, escalate)) / len(test)
        tok = sum(r["draft_tokens"] + st + (r["think_tokens"] if e else 0) for r, e, (_, st) in zip(test, escalate, scored)) / len(test)
        return acc, tok
    for name, esc in [("fast", [False] * len(test)), ("think", [True] * len(test))]:
        acc, tok = replay(esc)
        print(f"  {name:24} {sum(esc):9d} {acc:9.3f} {tok:9.0f}")
    rng = random.Random(0)
    beats = []
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        esc = [d >= threshold for d, _ in scored]
        acc, tok = replay(esc)
        rate = sum(esc) / len(test)
        rand_acc = []
        for _ in range(200):
            pick = set(rng.sample(range(len(test)), sum(esc)))
            rand_acc.append(replay([i in pick for i in range(len(test))])[0])
        mean_rand = sum(rand_acc) / len(rand_acc)
        beats.append(acc > mean_rand)
        print(f"  adaptive@{threshold:<15} {sum(esc):9d} {acc:9.3f} {tok:9.0f}   random at rate {rate:.2f}: {mean_rand:.3f}")
    print(f"adaptive beats random escalation at {sum(beats)}/{len(beats)} rates")
    if save:
        data = {"source": "bench/difficulty.py on SmolLM2-135M-Instruct (train split)",
                "models": {k: m.to_dict() for k, m in models.items()}}
        DEFAULT_CALIBRATION_FILE.write_text(json.dumps(data, indent=2) + "\n")
        print(f"\nsaved calibration to {DEFAULT_CALIBRATION_FILE}")


def main() -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--per-kind", type=int, default=8)
    r = sub.add_parser("report")
    r.add_argument("--save", action="store_true")
    args = p.parse_args()
    if args.cmd == "collect":
        collect(args.per_kind)
    else:
        report(args.save)


if __name__ == "__main__":
    main()
