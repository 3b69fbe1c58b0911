"""Leave-one-kind-out evaluation of the difficulty estimate, offline, on the collected corpus data.

    .venv/bin/python bench/difficulty_eval.py            # LOKO AUROC per kind, signals, cost, label-free
    .venv/bin/python bench/difficulty_eval.py --save     # also ship the fit on all kinds as the default

Reads ``bench/data/difficulty_corpus.jsonl`` (drafts with per-token data and a
self-check) and ``bench/data/difficulty_samples.jsonl`` (k samples) written by
``bench/difficulty_collect.py``, grades every draft with
``thinkdial.benchmark.graders.grade`` against ``agent/benchmark/suites/difficulty.jsonl``
(label 1 = the fast draft is wrong), and for each kind fits the estimate on the
*other* kinds only and scores the held-out kind. The headline is the mean
AUROC over kinds and the worst kind; the pooled in-distribution number is a
sanity check only.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from thinkdial.benchmark.graders import grade  # noqa: E402
from thinkdial.benchmark.tasks import load_tasks  # noqa: E402
from thinkdial.policies.estimate.calibration import (  # noqa: E402
    LogisticCalibration,
    auroc,
    save_calibration_file,  # noqa: E402
)
from thinkdial.policies.estimate.difficulty import (  # noqa: E402
    DEFAULT_CALIBRATION_FILE,
    SAMPLE_FEATURES,
    TOKEN_FEATURES,
    DifficultyEstimator,
    Estimate,
    draft_signals,
)
from thinkdial.policies.estimate.signals import verifier_yes_probability  # noqa: E402

DATA = ROOT / "bench" / "data"
CORPUS = ROOT / "agent" / "benchmark" / "suites" / "difficulty.jsonl"
SHIFTED = ROOT / "agent" / "benchmark" / "suites" / "shifted.jsonl"
SHIFTED_DRAFTS = DATA / "shifted_drafts.jsonl"

SPAN_SET = ["answer_logprob", "answer_entropy", "hedged"]
WIDE_SET = ["hedged", "answer_logprob", "answer_first_margin", "answer_entropy", "mean_entropy", "min_token_prob",
            "tail_confidence", "cut_off"]
TOKEN_SET = list(TOKEN_FEATURES)  # the shipped token stage: WIDE_SET + the exact claim checks
OLD_SET = ["mean_entropy", "min_token_prob", "group_confidence", "tail_confidence", "answer_entropy"]
SINGLE = ["answer_logprob", "answer_min_prob", "answer_first_prob", "answer_first_margin", "answer_entropy",
          "answer_first_entropy", "mean_entropy", "min_token_prob", "group_confidence", "tail_confidence", "hedged",
          "cut_off", "claim_false", "claim_true", "self_check_yes", "agreement", "draft_agrees"]


class _Tok:
    __slots__ = ("token", "logprob", "entropy", "top")

    def __init__(self, d: dict[str, Any]) -> None:
        self.token, self.logprob, self.entropy = d["t"], d["lp"], d["h"]
        self.top = [_Alt(t, lp) for t, lp in d["top"]]


class _Alt:
    __slots__ = ("token", "logprob")

    def __init__(self, token: str, logprob: float) -> None:
        self.token, self.logprob = token, logprob


class _Comp:
    def __init__(self, text: str, tokens: list[dict[str, Any]] | None, model: str = "embedded") -> None:
        self.text = text
        self.tokens = [_Tok(t) for t in tokens] if tokens else None
        self.model = model


def load_rows(corpus: Path = CORPUS, drafts: Path = DATA / "difficulty_corpus.jsonl",
              samples_file: Path | None = DATA / "difficulty_samples.jsonl") -> list[dict[str, Any]]:
    """Collected rows, graded, with every signal recomputed by the current code."""
    tasks = {t.id: t for t in load_tasks(corpus)}
    samples = {}
    if samples_file is not None and samples_file.exists():
        for line in samples_file.open():
            r = json.loads(line)
            samples[r["id"]] = r
    rows = []
    for line in drafts.open():
        r = json.loads(line)
        task = tasks.get(r["id"])
        if task is None:
            continue
        draft = _Comp(r["draft"], r["tokens"])
        reading, sig = draft_signals(draft, r["finish_reason"], r["prompt"])
        check = _Comp(r["self_check"]["text"], r["self_check"]["tokens"])
        yes = verifier_yes_probability(check)
        if yes is not None:
            sig["self_check_yes"] = yes
        row = {
            "id": r["id"], "kind": r["kind"], "prompt": r["prompt"], "draft": r["draft"],
            "wrong": 0 if grade(task, r["draft"]) else 1, "reading": reading, "signals": sig,
            "draft_tokens": r["draft_usage"]["output_tokens"] + r["draft_usage"]["input_tokens"],
            "draft_out": r["draft_usage"]["output_tokens"],
            "check_tokens": r["self_check"]["usage"]["input_tokens"] + r["self_check"]["usage"]["output_tokens"],
        }
        if r["id"] in samples:
            row["samples"] = samples[r["id"]]["samples"]
            row["sample_tokens"] = samples[r["id"]]["sample_tokens"]
        rows.append(row)
    return rows


def fit_tokens(rows: list[dict[str, Any]], features: list[str], l2: float = 2.0) -> LogisticCalibration:
    answered = [r for r in rows if r["reading"] is not None]
    model = LogisticCalibration.fit([r["signals"] for r in answered], [r["wrong"] for r in answered], features, l2=l2)
    none = [r["wrong"] for r in rows if r["reading"] is None]
    # share of no-answer drafts that were wrong, shrunk towards 1.0 (the old rule) with a prior of 2 drafts
    model.meta["no_answer_difficulty"] = (sum(none) + 2.0) / (len(none) + 2.0)
    return model


def fit_all(rows: list[dict[str, Any]], features: list[str]) -> dict[str, LogisticCalibration]:
    """The tokens model, and the samples / self-check models stacked on its output."""
    tokens = fit_tokens(rows, features)
    models = {"tokens": tokens}
    est = DifficultyEstimator(calibration={"tokens": tokens, "samples": tokens})
    with_s = [r for r in rows if r["reading"] is not None and "samples" in r]
    if with_s and 0 < sum(r["wrong"] for r in with_s) < len(with_s):
        feats = [samples_signals(r, est, tokens) for r in with_s]
        models["samples"] = LogisticCalibration.fit(feats, [r["wrong"] for r in with_s], SAMPLE_FEATURES, l2=2.0)
    else:
        models["samples"] = DifficultyEstimator(calibration=None).models["samples"]
    answered = [r for r in rows if r["reading"] is not None]
    feats = [{**r["signals"], "tokens_difficulty": tokens.predict(r["signals"])} for r in answered]
    models["self_check"] = LogisticCalibration.fit(feats, [r["wrong"] for r in answered],
                                                   ["self_check_yes", "tokens_difficulty"], l2=2.0)
    return models


def samples_signals(row: dict[str, Any], est: DifficultyEstimator, tokens: LogisticCalibration) -> dict[str, float]:
    sig = dict(row["signals"])
    d = tokens.predict(sig)
    sig["tokens_difficulty"] = d
    first = Estimate(d, sig, [], "tokens", row["reading"].text, row["reading"].candidates)
    return est.with_samples(first, row["samples"]).signals


def score(row: dict[str, Any], models: dict[str, LogisticCalibration], mode: str) -> tuple[float, int]:
    """(difficulty, estimate tokens) of one row under a mode: tokens | self_check | staged | always."""
    if row["reading"] is None:
        return float(models["tokens"].meta.get("no_answer_difficulty", 1.0)), 0
    sig = dict(row["signals"])
    d = models["tokens"].predict(sig)
    sig["tokens_difficulty"] = d
    if mode == "tokens":
        return d, 0
    if mode == "self_check":
        return models["self_check"].predict(sig), row["check_tokens"]
    est = DifficultyEstimator(calibration=models)
    first = Estimate(d, sig, [], "tokens", row["reading"].text, row["reading"].candidates)
    if "samples" not in row or (mode == "staged" and not est.needs_samples(first)):
        return d, 0
    return est.with_samples(first, row["samples"]).difficulty, row["sample_tokens"]


def loko(rows: list[dict[str, Any]], features: list[str], mode: str) -> dict[str, Any]:
    """Leave-one-kind-out AUROC per kind (kinds with both classes), mean, worst, and cost."""
    kinds = sorted({r["kind"] for r in rows})
    per: dict[str, float] = {}
    cost, drafts = 0, 0
    pooled_s: list[float] = []
    pooled_y: list[int] = []
    for k in kinds:
        train = [r for r in rows if r["kind"] != k]
        test = [r for r in rows if r["kind"] == k]
        if mode in ("staged", "always"):
            test = [r for r in test if "samples" in r]
        labels = [r["wrong"] for r in test]
        models = fit_all(train, features)
        scored = [score(r, models, mode) for r in test]
        cost += sum(c for _, c in scored)
        pooled_s += [x for x, _ in scored]
        pooled_y += labels
        drafts += sum(r["draft_tokens"] for r in test)
        if 0 < sum(labels) < len(labels):
            per[k] = auroc([s for s, _ in scored], labels)
    vals = list(per.values())
    return {"per_kind": per, "mean": statistics.mean(vals) if vals else float("nan"),
            "worst": min(vals) if vals else float("nan"),
            "worst_kind": min(per, key=lambda x: per[x]) if per else None,
            "pooled": auroc(pooled_s, pooled_y) if 0 < sum(pooled_y) < len(pooled_y) else float("nan"),
            "cost_per_draft_token": cost / drafts if drafts else 0.0}


def single_signal_loko(rows: list[dict[str, Any]], name: str) -> tuple[float, float]:
    """LOKO for one signal: its direction is learned on the other kinds; (mean, worst) AUROC."""
    kinds = sorted({r["kind"] for r in rows})
    vals = []
    have = [r for r in rows if r["reading"] is not None]
    if name in ("agreement", "draft_agrees"):
        have = [r for r in have if "samples" in r]
        est = DifficultyEstimator()
        for r in have:
            r["signals"].update({k: v for k, v in samples_signals(r, est, est.models["tokens"]).items()
                                 if k in ("agreement", "draft_agrees")})
    for k in kinds:
        train = [r for r in have if r["kind"] != k and name in r["signals"]]
        test = [r for r in have if r["kind"] == k and name in r["signals"]]
        if len({r["wrong"] for r in train}) < 2 or len({r["wrong"] for r in test}) < 2:
            continue
        sign = 1.0 if auroc([r["signals"][name] for r in train], [r["wrong"] for r in train]) >= 0.5 else -1.0
        vals.append(auroc([sign * r["signals"][name] for r in test], [r["wrong"] for r in test]))
    return (statistics.mean(vals), min(vals)) if vals else (float("nan"), float("nan"))


def label_free(rows: list[dict[str, Any]], features: list[str], threshold: float = 0.99) -> dict[str, Any]:
    """Per held-out kind: AUROC of the default fitted on the other kinds, then refitted label-free on the kind.

    The label-free fit uses only the held-out kind's prompts and its samples: the label is "the k samples
    and the draft do not all agree" (no grading), the features the free token stage. The refit joins the
    other kinds' labelled rows and the kind's pseudo-labelled rows, so the kind's own distribution moves
    the standardisation and the weights.
    """
    est = DifficultyEstimator()
    out: dict[str, Any] = {}
    for k in sorted({r["kind"] for r in rows}):
        test = [r for r in rows if r["kind"] == k and r["reading"] is not None and "samples" in r]
        labels = [r["wrong"] for r in test]
        if not 0 < sum(labels) < len(labels):
            continue
        train = [r for r in rows if r["kind"] != k]
        base = fit_tokens(train, features)
        pseudo = []
        for r in test:
            sig = samples_signals(r, est, base)
            pseudo.append(1 if sig["agreement"] < threshold else 0)
        if len(set(pseudo)) < 2:
            continue
        answered = [r for r in train if r["reading"] is not None]
        refit = LogisticCalibration.fit([r["signals"] for r in answered] + [r["signals"] for r in test],
                                        [r["wrong"] for r in answered] + pseudo, features, l2=2.0)
        own = LogisticCalibration.fit([r["signals"] for r in test], pseudo, features, l2=2.0)
        out[k] = {
            "before": auroc([base.predict(r["signals"]) for r in test], labels),
            "after_joint": auroc([refit.predict(r["signals"]) for r in test], labels),
            "after_own": auroc([own.predict(r["signals"]) for r in test], labels),
            "n": len(test),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--save", action="store_true", help="write the fit on all kinds to calibration_default.json")
    ap.add_argument("--json", help="write the numbers to this file")
    args = ap.parse_args()
    rows = load_rows()
    kinds = sorted({r["kind"] for r in rows})
    n_s = sum(1 for r in rows if "samples" in r)
    print(f"rows {len(rows)} over {len(kinds)} kinds; drafts wrong {sum(r['wrong'] for r in rows)}; "
          f"no answer read {sum(1 for r in rows if r['reading'] is None)}; with samples {n_s}")
    per_kind_acc = {k: 1 - statistics.mean(r["wrong"] for r in rows if r["kind"] == k) for k in kinds}
    result: dict[str, Any] = {"rows": len(rows), "kinds": len(kinds), "with_samples": n_s, "accuracy": per_kind_acc}

    noans = [r for r in rows if r["reading"] is None]
    if noans:
        print(f"no-answer drafts: {len(noans)}, of them wrong: {sum(r['wrong'] for r in noans)}")

    print("\nsingle signals, leave-one-kind-out (direction from the other kinds): mean / worst")
    result["single"] = {}
    for name in SINGLE:
        m, w = single_signal_loko(rows, name)
        result["single"][name] = [m, w]
        print(f"  {name:22} {m:.3f} / {w:.3f}")

    print("\nestimates, leave-one-kind-out:")
    result["loko"] = {}
    for label, feats, mode in [("old features (token stage)", OLD_SET, "tokens"),
                               ("answer span + hedge (3 signals)", SPAN_SET, "tokens"),
                               ("wide token set (8 signals)", WIDE_SET, "tokens"),
                               ("token stage (free)", TOKEN_SET, "tokens"),
                               ("token stage + self-check", TOKEN_SET, "self_check"),
                               ("staged (samples when ambiguous)", TOKEN_SET, "staged"),
                               ("always sampling", TOKEN_SET, "always")]:
        res = loko(rows, feats, mode)
        result["loko"][label] = res
        print(f"  {label:34} pooled {res['pooled']:.3f}  mean {res['mean']:.3f}  "
              f"worst {res['worst']:.3f} ({res['worst_kind']})  "
              f"estimate tokens / draft tokens {res['cost_per_draft_token']:.2f}")
    print("\nper kind (token stage | staged):")
    for k in kinds:
        a = result["loko"]["token stage (free)"]["per_kind"].get(k)
        b = result["loko"]["staged (samples when ambiguous)"]["per_kind"].get(k)
        fmt = lambda x: f"{x:.3f}" if x is not None else "  -  "  # noqa: E731
        print(f"  {k:16} acc {per_kind_acc[k]:.2f}  {fmt(a)} | {fmt(b)}")

    old = DifficultyEstimator()  # the shipped default as found (held out only if it predates this corpus)
    old_scores = [1.0 if r["reading"] is None else old.models["tokens"].predict(r["signals"]) for r in rows]
    result["old_default_tokens"] = auroc(old_scores, [r["wrong"] for r in rows])
    print(f"\nshipped default as found, no refit (in-distribution once --save has run on this corpus): "
          f"{result['old_default_tokens']:.3f}")
    for name in TOKEN_SET:
        try:
            print(f"  single {name:22} pooled AUROC (higher = wrong) {auroc([r['signals'].get(name, 0.0) for r in rows], [r['wrong'] for r in rows]):.3f}")
        except ValueError:
            pass
    models = fit_all(rows, TOKEN_SET)
    ind = auroc([score(r, models, "tokens")[0] for r in rows], [r["wrong"] for r in rows])
    result["in_distribution_tokens"] = ind
    print(f"\nin-distribution (fit and scored on all rows; sanity only): token stage {ind:.3f}")

    if SHIFTED_DRAFTS.exists():
        result["shifted"] = shifted(models, old)

    lf = label_free(rows, TOKEN_SET)
    result["label_free"] = lf
    if lf:
        print("\nlabel-free calibration on a held-out kind (pseudo-label: samples disagree):")
        for k, v in lf.items():
            print(f"  {k:16} n={v['n']:3} before {v['before']:.3f}  joint refit {v['after_joint']:.3f}  "
                  f"own fit {v['after_own']:.3f}")
        print(f"  mean: before {statistics.mean(v['before'] for v in lf.values()):.3f}, joint "
              f"{statistics.mean(v['after_joint'] for v in lf.values()):.3f}, own "
              f"{statistics.mean(v['after_own'] for v in lf.values()):.3f}")

    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str))
    if args.save:
        meta = {"source": "bench/difficulty_eval.py --save on SmolLM2-135M-Instruct (bench/data/difficulty_corpus.jsonl)",
                "model": "embedded",
                "loko_auroc_mean": result["loko"]["token stage (free)"]["mean"],
                "loko_auroc_worst": result["loko"]["token stage (free)"]["worst"],
                "difficulty_quantiles": quantiles([score(r, models, "tokens")[0] for r in rows])}
        save_calibration_file(DEFAULT_CALIBRATION_FILE, models, meta)
        print(f"saved {DEFAULT_CALIBRATION_FILE}")


def shifted(models: dict[str, LogisticCalibration], found: DifficultyEstimator) -> dict[str, Any]:
    """AUROC on the shifted suite (written after the estimate; none of it fitted on): the fit on the whole
    corpus, and the shipped default as found, overall and per kind."""
    rows = load_rows(SHIFTED, SHIFTED_DRAFTS, None)
    labels = [r["wrong"] for r in rows]
    new = [score(r, models, "tokens")[0] for r in rows]
    old = [float(found.models["tokens"].meta.get("no_answer_difficulty", 1.0)) if r["reading"] is None
           else found.models["tokens"].predict(r["signals"]) for r in rows]
    out: dict[str, Any] = {"n": len(rows), "wrong": sum(labels), "fit": auroc(new, labels),
                           "found": auroc(old, labels), "per_kind": {}}
    print(f"\nshifted suite ({len(rows)} drafts, {sum(labels)} wrong; never fitted on): "
          f"fit on the corpus {out['fit']:.3f}, shipped default as found {out['found']:.3f}")
    for k in sorted({r["kind"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["kind"] == k]
        y = [labels[i] for i in idx]
        claims = sum(1 for i in idx if rows[i]["signals"].get("claim_false") or rows[i]["signals"].get("claim_true"))
        if 0 < sum(y) < len(y):
            out["per_kind"][k] = (auroc([new[i] for i in idx], y), auroc([old[i] for i in idx], y))
            print(f"  {k:16} n={len(idx)} wrong={sum(y)} claims checked={claims}  fit {out['per_kind'][k][0]:.3f}"
                  f"  found {out['per_kind'][k][1]:.3f}")
        else:
            print(f"  {k:16} n={len(idx)} wrong={sum(y)} claims checked={claims}  (one class)")
    vals = [v[0] for v in out["per_kind"].values()]
    if vals:
        out["mean_over_kinds"], out["worst"] = statistics.mean(vals), min(vals)
        print(f"  mean over kinds {out['mean_over_kinds']:.3f}, worst {out['worst']:.3f}")
    return out


def quantiles(xs: list[float], n: int = 20) -> list[float]:
    """The difficulty at each 1/n share of steps (for target-share thresholds)."""
    s = sorted(xs)
    return [s[min(len(s) - 1, int(math.floor(i / n * len(s))))] for i in range(n + 1)]


_ = random  # reserved for bootstrap intervals

if __name__ == "__main__":
    main()
