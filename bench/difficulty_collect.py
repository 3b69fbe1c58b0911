"""Collect the embedded model's drafts, samples and self-checks on the difficulty corpus.

    nohup .venv/bin/python bench/difficulty_collect.py > bench/data/collect.log 2>&1 &

For every task of ``agent/benchmark/suites/difficulty.jsonl`` (resumable: rows
already in the output are skipped) it records, with the real embedded model
(``LlamaCppModel``, as ``Agent()`` builds it):

* the greedy draft (``--draft-tokens``, default 48) with every token's
  log-probability, entropy and top-5 alternatives, so any token signal can be
  recomputed offline;
* ``--samples`` (default 4) samples at temperature 0.8 (seeds 1..k, as the
  controller draws them), text only;
* a self-check: the fast model asked whether its own draft is correct, one
  token with its alternatives (P(yes) is read from them).

The drafts and self-checks of every task come first (pass 1, to
``bench/data/difficulty_corpus.jsonl``), then the samples (pass 2, to
``bench/data/difficulty_samples.jsonl``); both passes go through the kinds
round-robin, so a run cut short still covers every kind evenly. grading happens offline in
``bench/difficulty_eval.py`` so the graders can change without re-running the model.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "agent" / "benchmark" / "suites" / "difficulty.jsonl"
OUT = ROOT / "bench" / "data" / "difficulty_corpus.jsonl"
SAMPLES_OUT = ROOT / "bench" / "data" / "difficulty_samples.jsonl"


def round_robin(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tasks reordered so that every prefix covers the kinds evenly (a cut-short run stays balanced)."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for t in tasks:
        by_kind.setdefault(t["kind"], []).append(t)
    out: list[dict[str, Any]] = []
    while any(by_kind.values()):
        for queue in by_kind.values():
            if queue:
                out.append(queue.pop(0))
    return out


def _tokens(completion: Any) -> list[dict[str, Any]] | None:
    if completion.tokens is None:
        return None
    return [
        {"t": t.token, "lp": t.logprob, "h": t.entropy, "top": [[a.token, a.logprob] for a in t.top]}
        for t in completion.tokens
    ]


def main() -> None:
    from thinkdial.models.base import Message, ModelRequest
    from thinkdial.models.resolve import resolve_model
    from thinkdial.policies.estimate.difficulty import self_check_messages
    from thinkdial.prompts import SYSTEM_PROMPT

    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--draft-tokens", type=int, default=48)
    ap.add_argument("--sample-tokens", type=int, default=32)
    ap.add_argument("--samples", type=int, default=4)
    ap.add_argument("--samples-out", default=str(SAMPLES_OUT))
    ap.add_argument("--passes", default="drafts,samples", help="which passes to run, comma-separated")
    ap.add_argument("--per-kind", type=int, default=0, help="only the first N tasks of each kind (0 = all)")
    args = ap.parse_args()

    model = resolve_model("embedded")
    tasks = round_robin([json.loads(line) for line in Path(args.corpus).open() if line.strip()])
    if args.per_kind:
        kinds = len({t["kind"] for t in tasks})
        tasks = tasks[: args.per_kind * kinds]
    passes = set(args.passes.split(","))
    started = time.perf_counter()

    def messages_of(task: dict[str, Any]) -> list[Any]:
        return [Message(role="system", content=task.get("system") or SYSTEM_PROMPT),
                Message(role="user", content=task["prompt"])]

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = {json.loads(line)["id"] for line in out.open()} if out.exists() else set()
    with out.open("a") as fh:
        for n, task in enumerate(tasks):
            if task["id"] in done or "drafts" not in passes:
                continue
            t0 = time.perf_counter()
            draft = model.complete_sync(ModelRequest(messages=messages_of(task), max_tokens=args.draft_tokens))
            check = model.complete_sync(ModelRequest(
                messages=self_check_messages(task["prompt"], draft.text), max_tokens=1, temperature=0.0,
            ))
            row = {
                "id": task["id"], "kind": task["kind"], "prompt": task["prompt"], "system": task.get("system"),
                "draft": draft.text, "finish_reason": draft.finish_reason, "tokens": _tokens(draft),
                "draft_usage": draft.usage.model_dump(),
                "self_check": {"text": check.text, "tokens": _tokens(check), "usage": check.usage.model_dump()},
            }
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            print(f"draft {n + 1}/{len(tasks)} {task['kind']:16} {time.perf_counter() - t0:4.1f}s "
                  f"(total {time.perf_counter() - started:5.0f}s) {task['prompt'][:40]!r} -> {draft.text[:50]!r}",
                  flush=True)

    sout = Path(args.samples_out)
    done = {json.loads(line)["id"] for line in sout.open()} if sout.exists() else set()
    with sout.open("a") as fh:
        for n, task in enumerate(tasks):
            if task["id"] in done or "samples" not in passes:
                continue
            t0 = time.perf_counter()
            samples, tokens = [], 0
            for i in range(args.samples):
                s = model.complete_sync(ModelRequest(
                    messages=messages_of(task), max_tokens=args.sample_tokens, temperature=0.8, seed=1 + i,
                    logprobs=False,
                ))
                samples.append(s.text)
                tokens += s.usage.total_tokens
            fh.write(json.dumps({"id": task["id"], "samples": samples, "sample_tokens": tokens}) + "\n")
            fh.flush()
            print(f"samples {n + 1}/{len(tasks)} {task['kind']:16} {time.perf_counter() - t0:4.1f}s "
                  f"(total {time.perf_counter() - started:5.0f}s) {[x[:20] for x in samples]}", flush=True)


if __name__ == "__main__":
    main()
