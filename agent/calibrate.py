"""``thinkdial calibrate``: fit the difficulty estimate to your own fast model.

    thinkdial calibrate TASKS.jsonl [--fast M]            # labelled: tasks in the bench format, graded
    thinkdial calibrate --unlabelled PROMPTS [--fast M]   # no labels: k samples' disagreement is the label
    thinkdial calibrate --show [--fast M]                 # the stored weights and the AUROC reached

The fit is stored under the config directory keyed by model name
(``$XDG_CONFIG_HOME/thinkdial/calibration/<model>.json``) and picked up by
``DifficultyEstimator`` for drafts of that model whenever no explicit
calibration is given. The same in Python: :func:`calibrate`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from thinkdial.policies.estimate.calibration import calibration_path, read_calibration_file, save_calibration_file
from thinkdial.policies.estimate.difficulty import (
    DEFAULT_CALIBRATION_FILE,
    CalibrationFit,
    DifficultyEstimator,
    Estimate,
    draft_signals,
    fit_calibration,
)

__all__ = ["calibrate", "calibrate_pair", "main", "paired_run", "read_prompts"]  # the subcommand's arguments: thinkdial.calibrate_args


def read_prompts(path: str | Path) -> list[str]:
    """Prompts from a text file (one per line) or JSON Lines (``{"prompt": ...}`` per line)."""
    out: list[str] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("{"):
            obj = json.loads(line)
            if isinstance(obj, dict) and obj.get("prompt"):
                out.append(str(obj["prompt"]))
            continue
        out.append(line)
    return out


async def _complete(model: Any, messages: list[Any], max_tokens: int, temperature: float, seed: int | None,
                    logprobs: bool) -> Any:
    from thinkdial.models.base import ModelRequest

    return await model.complete(ModelRequest(messages=messages, max_tokens=max_tokens, temperature=temperature,
                                             seed=seed, logprobs=logprobs))


def calibrate(
    model: Any,
    *,
    tasks: Sequence[Any] | None = None,
    prompts: Sequence[str] | None = None,
    samples: int = 4,
    draft_tokens: int = 48,
    system_prompt: str | None = None,
    out: str | Path | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> tuple[CalibrationFit, Path]:
    """Run ``model`` on labelled ``tasks`` (graded) or unlabelled ``prompts``, fit, store; returns (fit, path).

    Labelled: label 1 where the graded draft is wrong; with ``samples > 0`` the samples stage is fitted too.
    Label-free: label 1 where the draft and its ``samples`` (k >= 2) do not all give the same answer
    (by answer equivalence); the free token stage learns to predict that, the other stages stay the
    shipped defaults.
    """
    from thinkdial.models.base import Message
    from thinkdial.prompts import SYSTEM_PROMPT

    if (tasks is None) == (prompts is None):
        raise ValueError("give either labelled tasks or unlabelled prompts")
    if prompts is not None and samples < 2:
        raise ValueError("label-free calibration needs at least 2 samples per prompt")
    grade: Callable[[Any, str], bool] | None = None
    if tasks is not None:
        from thinkdial.benchmark.graders import grade as grade_fn

        grade = grade_fn
    items: list[tuple[str, str | None, Any]] = (
        [(t.prompt, t.system, t) for t in tasks] if tasks is not None else [(p, None, None) for p in prompts or []]
    )
    est = DifficultyEstimator()
    rows: list[dict[str, float]] = []
    labels: list[int] = []
    sample_rows: list[dict[str, float] | None] = []

    async def run_all() -> None:
        for i, (prompt, system, task) in enumerate(items):
            messages = [Message(role="system", content=system or system_prompt or SYSTEM_PROMPT),
                        Message(role="user", content=prompt)]
            draft = await _complete(model, messages, draft_tokens, 0.0, None, True)
            reading, sig = draft_signals(draft, draft.finish_reason, prompt)
            if progress is not None:
                progress(i + 1, len(items), draft.text)
            if reading is None:
                continue  # no answer: the estimator calls it maximally hard, nothing to fit
            texts = []
            for j in range(samples):
                s = await _complete(model, messages, draft_tokens, est.sample_temperature, 1 + j, False)
                texts.append(s.text)
            sampled = None
            if texts:
                first = Estimate(0.5, {**sig, "tokens_difficulty": 0.5}, [], "tokens", reading.text, reading.candidates)
                sampled = est.with_samples(first, texts).signals
            if grade is not None:
                labels.append(0 if grade(task, draft.text) else 1)
            else:
                assert sampled is not None
                labels.append(0 if sampled["agreement"] >= 0.999 else 1)
            rows.append(sig)
            sample_rows.append(sampled)

    asyncio.run(run_all())
    if len(rows) < 4 or not 0 < sum(labels) < len(labels):
        raise ValueError(
            f"cannot fit: {len(rows)} answered drafts with {sum(labels)} positives; "
            "calibration needs both right and wrong (or agreeing and disagreeing) drafts"
        )
    fit = fit_calibration(rows, labels, label="wrong" if tasks is not None else "samples_disagree",
                          sample_signals=sample_rows if tasks is not None and samples > 0 else None)
    path = Path(out) if out is not None else calibration_path(str(getattr(model, "name", "") or "default"))
    save_calibration_file(path, fit.models, {**fit.meta(), "model": getattr(model, "name", ""),
                                             "source": "thinkdial calibrate"})
    return fit, path


async def paired_run(agent: Any, task: Any) -> dict[str, Any]:
    """Run ``task`` once through ``policy="think"`` with the pair's calibration off, and record what both routes
    would return: the draft and its estimate, the think route's measurements and answer, both graded, and the
    tokens of the draft-and-estimate calls against the whole run's."""
    from thinkdial.benchmark.graders import grade
    from thinkdial.trace import ModelCalled

    calls: list[Any] = []
    saved, agent.gain = agent.gain, None  # what the thinker answers, not what a calibration would keep
    try:
        result = await agent.run(task.prompt, policy="think",
                                 on_event=lambda e: calls.append(e) if isinstance(e, ModelCalled) else None)
    finally:
        agent.gain = saved
    step = result.steps[0]
    output = result.output if isinstance(result.output, str) else str(result.output)
    return {
        "id": task.id, "kind": task.kind, "prompt": task.prompt, "draft": step.draft, "output": output,
        "difficulty": step.difficulty, "stage": step.estimate_stage, "signals": step.signals, "think": step.think_signals,
        "kept_draft_by": step.kept_draft_by, "steps": len(result.steps),
        "tool_calls": sum(len(s.tool_calls) for s in result.steps), "stop_reason": result.stop_reason,
        "draft_correct": grade(task, step.draft), "think_correct": grade(task, output),
        "fast_tokens": sum(c.usage.total_tokens for c in calls if c.step == 1 and c.purpose in ("draft", "estimate")),
        "think_tokens": result.usage.total_tokens,
    }


def calibrate_pair(
    agent: Any, tasks: Sequence[Any], *, out: str | Path | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> tuple[Any, Path, list[dict[str, Any]]]:
    """Fit the pair's P(thinker right) from labelled ``tasks`` run through both routes; store it where ``Agent``
    finds it for this (fast, thinker) pair. Returns (calibration, path, the paired runs)."""
    from thinkdial.policies.estimate.gain import fit_gain, pair_path

    runs: list[dict[str, Any]] = []

    async def run_all() -> None:
        for i, task in enumerate(tasks):
            runs.append(await paired_run(agent, task))
            if progress is not None:
                progress(i + 1, len(tasks), runs[-1]["output"])

    asyncio.run(run_all())
    right = sum(1 for r in runs if r["think_correct"] and not r["kept_draft_by"])
    if len(runs) < 4 or right in (0, len([r for r in runs if not r["kept_draft_by"]])):
        raise ValueError(f"cannot fit the pair: {len(runs)} runs, thinker right on {right}; it needs both right and wrong answers")
    pair = (agent.fast.name, agent.thinker.name)
    gain = fit_gain(runs, pair)
    gain.meta.update({"source": "thinkdial calibrate --thinker", "draft_right": sum(bool(r["draft_correct"]) for r in runs)})
    path = gain.save(out if out is not None else pair_path(*pair))
    return gain, path, runs


def show(model_name: str, path: Path | None = None) -> int:
    """Print the calibration used for ``model_name`` (its stored one, else the shipped default)."""
    file = path or calibration_path(model_name)
    where = "stored for this model"
    if not file.exists():
        file, where = DEFAULT_CALIBRATION_FILE, "shipped default (no calibration stored for this model)"
    models, meta = read_calibration_file(file)
    print(f"model: {model_name}\nfile: {file} ({where})")
    for key in ("label", "n", "positives", "auroc_cv", "loko_auroc_mean", "loko_auroc_worst"):
        if key in meta and meta[key] is not None:
            value = meta[key]
            print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
    for name, m in models.items():
        print(f"\n[{name}] bias {m.bias:+.3f}")
        for f, w, mu, sd in zip(m.features, m.weights, m.means, m.scales, strict=True):
            print(f"  {f:22} weight {w:+.3f}   mean {mu:.4g}   scale {sd:.4g}")
    return 0


def main(args: argparse.Namespace) -> int:
    """Entry point of ``thinkdial calibrate``."""
    from thinkdial.config import load_config
    from thinkdial.models.resolve import resolve_model

    config = load_config(args.config)
    spec = args.fast or getattr(config.models, "fast", None) or "embedded"
    if args.show:
        name = spec if isinstance(spec, str) else str(spec)
        if name.endswith(".gguf"):
            name = Path(name).stem
        return show(name, Path(args.out) if args.out else None)
    if bool(args.file) == bool(args.unlabelled):
        print("error: give a labelled task file, or --unlabelled PROMPTS (or --show)")
        return 2
    model = resolve_model(spec, api_base=args.api_base)

    def progress(i: int, n: int, text: str) -> None:
        print(f"\r{i}/{n} {' '.join(text.split())[:60]:60}", end="", flush=True)

    if args.file and args.thinker:
        from thinkdial.agent import Agent
        from thinkdial.benchmark.tasks import load_tasks
        from thinkdial.tools.calculator import calculator

        thinker = resolve_model(args.thinker, api_base=args.api_base)
        gain, gpath, runs = calibrate_pair(Agent(fast=model, thinker=thinker, tools=[calculator]), load_tasks(args.file),
                                           out=args.out, progress=progress)
        print()
        fast_right = sum(bool(r["draft_correct"]) for r in runs)
        print(f"{len(runs)} tasks: fast right on {fast_right}, thinker right on {gain.meta['thinker_right']} of "
              f"{gain.meta['n']} it answered")
        print(f"saved {gpath}; Agent(fast={model.name!r}, thinker={thinker.name!r}) escalates for gain from now on")
        return 0
    if args.file:
        from thinkdial.benchmark.tasks import load_tasks

        fit, path = calibrate(model, tasks=load_tasks(args.file), samples=args.samples,
                              draft_tokens=args.draft_tokens, out=args.out, progress=progress)
    else:
        fit, path = calibrate(model, prompts=read_prompts(args.unlabelled), samples=args.samples,
                              draft_tokens=args.draft_tokens, out=args.out, progress=progress)
    print()
    auc = f"{fit.auroc:.3f}" if fit.auroc is not None else "n/a"
    print(f"fitted on {fit.n} answered drafts ({fit.positives} labelled {fit.label}); "
          f"token-stage AUROC (5-fold cross-validated) {auc}")
    print(f"saved {path}; DifficultyEstimator uses it for {getattr(model, 'name', spec)} from now on")
    return 0
