"""Run a task suite through the real ``Agent`` once per policy, resumably and concurrently, then report.

Layout of the output folder (never inside the installed package)::

    OUT/bench.json        what was run: suite, models, budget, policies (checked on --resume)
    OUT/runs.jsonl        one line per finished (task, policy) run, appended as runs finish
    OUT/traces/P/ID.jsonl every run's trace (``Agent.run(..., trace=...)``)
    OUT/results.json      the analysis (schema_version, policies, sweep, random, oracle, AUROC, ceilings)
    OUT/accuracy_vs_tokens.png

Runs are scheduled task by task (``fast``, ``think``, ``adaptive`` of a task
before the next task), so an interrupted run leaves complete pairs behind, and
bounded by an ``asyncio.Semaphore(concurrency)``: remote endpoints get real
parallelism, the local llama.cpp model serialises its own calls behind its lock.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from thinkdial.benchmark.agent_tasks import agent_summary, is_agent_task, make_workspace, run_counts, split_of
from thinkdial.benchmark.analysis import analyze
from thinkdial.benchmark.graders import grade_detail
from thinkdial.benchmark.tasks import Task, load_tasks, resolve_suite

__all__ = ["SCHEMA_VERSION", "BenchOptions", "BenchError", "WorkItem", "build_results", "load_records", "plan", "run_bench", "spread"]

SCHEMA_VERSION = 1
DEFAULT_THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
DEFAULT_SHARES = (0.1, 0.25, 0.5, 0.75)
DEFAULT_CEILINGS = (150, 600)
POLICIES = ("fast", "think", "adaptive")


class BenchError(RuntimeError):
    """A benchmark cannot start (bad options, an output folder that belongs to another run, ...)."""


@dataclass
class BenchOptions:
    """Everything ``thinkdial bench`` takes."""

    suite: str = "quick"
    """A built-in suite name (``quick``, ``standard``, ``difficulty``, ``open_ended``) or a path to a ``.jsonl`` task file."""
    fast: str | None = None
    thinker: str | None = None
    api_base: str | None = None
    api_key: str | None = None
    n_gpu_layers: int | str | None = None
    config: str | None = None
    policies: tuple[str, ...] = POLICIES
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS
    shares: tuple[float, ...] = DEFAULT_SHARES
    ceilings: tuple[int, ...] = DEFAULT_CEILINGS
    """``Budget(max_tokens=c)`` ceilings for the ceiling sweep (real ``adaptive`` runs); empty skips it."""
    ceiling_tasks: int | None = 4
    """How many tasks (spread over the kinds) the ceiling sweep runs on; None = all."""
    concurrency: int = 1
    max_cost: float | None = None
    max_tokens: int | None = 4000
    out: Path = field(default_factory=lambda: Path("thinkdial-bench"))
    resume: bool = False
    limit: int | None = None
    """Run only the first ``limit`` tasks of the suite."""
    tools: bool = True
    plot: bool = True
    progress: bool = True
    budget_note: bool = False
    """``Agent(budget_note=True)``: each step's messages end with what the ceiling leaves."""


@dataclass(frozen=True)
class WorkItem:
    """One run to do: a task under a policy (and, for the ceiling sweep, a token ceiling)."""

    task: Task
    key: str
    """``fast`` | ``think`` | ``adaptive`` | ``ceiling@N``: the name results are filed under."""
    policy: str
    ceiling: int | None = None


def spread(tasks: Sequence[Task], n: int | None) -> list[Task]:
    """Up to ``n`` tasks taken round-robin over the kinds (in file order within a kind), in file order."""
    if n is None or n >= len(tasks):
        return list(tasks)
    by_kind: dict[str, list[Task]] = {}
    for t in tasks:
        by_kind.setdefault(t.kind, []).append(t)
    chosen: set[str] = set()
    depth = 0
    while len(chosen) < n:
        for group in by_kind.values():
            if depth < len(group) and len(chosen) < n:
                chosen.add(group[depth].id)
        depth += 1
    return [t for t in tasks if t.id in chosen]


def plan(
    tasks: Sequence[Task], policies: Sequence[str], ceilings: Sequence[int], ceiling_tasks: int | None = None
) -> list[WorkItem]:
    """Runs in schedule order: every policy of a task before the next task, then the ceiling sweep."""
    items = [WorkItem(t, p, p) for t in tasks for p in policies]
    subset = spread(tasks, ceiling_tasks)
    items += [WorkItem(t, f"ceiling@{c}", "adaptive", c) for c in ceilings for t in subset]
    return items


def load_records(path: Path) -> list[dict[str, Any]]:
    """Records of ``runs.jsonl``; a torn last line (the process was killed mid-write) is ignored."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.@-]+", "_", name)[:120] or "task"


def _check_out_dir(out: Path) -> Path:
    """Refuse an output folder inside the installed package (the source tree, in an editable install)."""
    import thinkdial

    out = out.expanduser().resolve()
    roots = [Path(thinkdial.__file__).resolve().parent]
    for mod in ("thinkdial.tools", "thinkdial.policies"):
        try:
            import importlib

            roots.append(Path(importlib.import_module(mod).__file__ or "").resolve().parent)
        except ImportError:
            continue
    for root in roots:
        if out == root or out.is_relative_to(root):
            raise BenchError(f"--out {out} is inside the thinkdial package ({root}); choose a folder of your own")
    return out


def _fingerprint(opts: BenchOptions, suite_path: Path) -> dict[str, Any]:
    return {
        "fast": opts.fast or "embedded",
        "thinker": opts.thinker or opts.fast or "embedded",
        "api_base": opts.api_base,
        "max_tokens": opts.max_tokens,
        "max_cost": opts.max_cost,
        "tools": opts.tools,
        **({"budget_note": True} if opts.budget_note else {}),
    }


def _record(item: WorkItem, result: Any, seconds: float, trace: str) -> dict[str, Any]:
    steps = list(result.steps)
    first = steps[0] if steps else None
    verdict = grade_detail(item.task, result.output)
    u = result.usage
    return {
        "task_id": item.task.id,
        "kind": item.task.kind,
        "policy": item.key,
        "ceiling": item.ceiling,
        "output": str(result.output),
        "correct": verdict.correct,
        "answer_read": verdict.answer,
        "stop_reason": result.stop_reason,
        "message": result.message,
        "tokens": u.total_tokens,
        "input_tokens": u.input_tokens,
        "output_tokens": u.output_tokens,
        "thinking_tokens": u.thinking_tokens,
        "cost_usd": u.cost_usd,
        "seconds": u.seconds or seconds,
        "escalated": any(s.route == "think" for s in steps),
        "difficulty": first.difficulty if first else None,
        "signals": dict(first.signals) if first else {},
        "draft": first.draft if first else "",
        "steps": [
            {"route": s.route, "difficulty": s.difficulty, "level": s.level, "stage": s.estimate_stage,
             "tokens": s.usage.total_tokens, "estimate_tokens": s.estimate_tokens}
            for s in steps
        ],
        "trace": trace,
        "error": result.message or "error" if result.stop_reason == "error" else None,
        **run_counts(steps),
        **({"split": split_of(item.task)} if is_agent_task(item.task) else {}),
    }


class _Runner:
    def __init__(self, opts: BenchOptions, out: Path) -> None:
        self.opts = opts
        self.out = out
        self._agents: dict[str | None, Any] = {}

    def _base_agent(self) -> Any:
        from thinkdial.agent import Agent
        from thinkdial.models.resolve import resolve_model
        from thinkdial.tools import calculator

        o = self.opts
        options: dict[str, Any] = {"api_base": o.api_base, "n_gpu_layers": o.n_gpu_layers if o.n_gpu_layers is not None else "auto"}
        if o.api_key:
            options["api_key"] = o.api_key
        try:
            from thinkdial.config import load_config
            from thinkdial.models.base import Pricing

            config = load_config(o.config)
            options["pricing"] = Pricing(**config.prices.model_dump())
            options["prices"] = config.prices.remote()
            fast_spec = o.fast or config.models.fast
            thinker_spec = o.thinker or config.models.thinker
            if o.n_gpu_layers is None:
                raw = config.models.n_gpu_layers
                options["n_gpu_layers"] = raw if raw == "auto" else int(raw)
            options["api_base"] = o.api_base or config.models.api_base
        except Exception:  # noqa: BLE001 - no usable config: plain defaults
            options.pop("pricing", None)
            options.pop("prices", None)
            fast_spec, thinker_spec = o.fast or "embedded", o.thinker
        try:
            fast = resolve_model(fast_spec, **options)
            thinker = resolve_model(thinker_spec, **options) if thinker_spec else fast
        except TypeError:  # a resolver without one of the options
            options.pop("pricing", None)
            options.pop("prices", None)
            fast = resolve_model(fast_spec, **options)
            thinker = resolve_model(thinker_spec, **options) if thinker_spec else fast
        return Agent(fast=fast, thinker=thinker, tools=[calculator] if o.tools else [], budget_note=o.budget_note)

    def agent_for(self, system: str | None) -> Any:
        """One agent per system prompt, sharing the same model objects."""
        if None not in self._agents:
            self._agents[None] = self._base_agent()
        if system not in self._agents:
            from thinkdial.agent import Agent

            base = self._agents[None]
            prompt = base.system_prompt if system is None else system
            self._agents[system] = Agent(fast=base.fast, thinker=base.thinker, tools=base.tools, system_prompt=prompt,
                                         budget_note=base.budget_note)
        return self._agents[system]

    def agent_with_workspace(self, item: WorkItem) -> Any:
        """An agent for an agent task: its files written to a fresh folder, workspace tools confined to it."""
        from thinkdial.agent import Agent
        from thinkdial.tools import calculator, workspace_tools

        base = self.agent_for(item.task.system)
        folder = make_workspace(item.task, self.out / "workspaces" / _safe(item.key) / _safe(item.task.id))
        tools = [calculator, *workspace_tools(folder)] if self.opts.tools else []
        return Agent(fast=base.fast, thinker=base.thinker, tools=tools, system_prompt=base.system_prompt, workspace=folder,
                     budget_note=base.budget_note)

    async def run_one(self, item: WorkItem) -> dict[str, Any]:
        from thinkdial.budget import Budget

        o = self.opts
        trace_rel = f"traces/{_safe(item.key)}/{_safe(item.task.id)}.jsonl"
        trace = self.out / trace_rel
        trace.parent.mkdir(parents=True, exist_ok=True)
        max_tokens = item.ceiling if item.ceiling is not None else o.max_tokens
        budget = Budget(max_cost_usd=o.max_cost, max_tokens=max_tokens)
        t0 = time.perf_counter()
        try:
            agent = self.agent_with_workspace(item) if is_agent_task(item.task) else self.agent_for(item.task.system)
            result = await agent.run(item.task.prompt, budget=budget, policy=item.policy, trace=trace)
        except Exception as exc:  # noqa: BLE001 - one task's failure must not end the benchmark
            return {
                "task_id": item.task.id, "kind": item.task.kind, "policy": item.key, "ceiling": item.ceiling,
                "output": "", "correct": False, "answer_read": None, "stop_reason": "error",
                "message": f"{type(exc).__name__}: {exc}", "tokens": 0, "input_tokens": 0, "output_tokens": 0,
                "thinking_tokens": 0, "cost_usd": 0.0, "seconds": time.perf_counter() - t0, "escalated": False,
                "difficulty": None, "signals": {}, "draft": "", "steps": [], "trace": trace_rel,
                "error": f"{type(exc).__name__}: {exc}", "tool_calls": 0, "failed_calls": 0, "n_steps": 0, "stalled_steps": 0,
                **({"split": split_of(item.task)} if is_agent_task(item.task) else {}),
            }
        return _record(item, result, time.perf_counter() - t0, trace_rel)


def _progress(enabled: bool) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return Progress(
        TextColumn("[bold]{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("[dim]elapsed"),
        TimeElapsedColumn(),
        TextColumn("[dim]left"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not enabled,
    )


async def _run_items(
    runner: _Runner,
    items: Sequence[WorkItem],
    sink: Path,
    concurrency: int,
    progress: Any,
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    sem = asyncio.Semaphore(max(1, concurrency))
    bars: dict[str, Any] = {}
    overall = progress.add_task("all runs", total=len(items))
    for item in items:
        if item.key not in bars:
            bars[item.key] = progress.add_task(item.key, total=sum(1 for i in items if i.key == item.key))
    done: list[dict[str, Any]] = []
    fh = sink.open("a", encoding="utf-8")

    async def one(item: WorkItem) -> None:
        async with sem:
            started = time.time()
            rec = await runner.run_one(item)
            rec["started_at"], rec["finished_at"] = started, time.time()
        fh.write(json.dumps(rec, default=str) + "\n")
        fh.flush()
        done.append(rec)
        progress.advance(bars[item.key])
        progress.advance(overall)
        if on_record is not None:
            on_record(rec)

    try:
        await asyncio.gather(*(one(i) for i in items))
    finally:
        fh.close()
    return done


def run_bench(opts: BenchOptions, on_record: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run (or resume) a benchmark and write its outputs; returns what ``results.json`` holds."""
    unknown = [p for p in opts.policies if p not in POLICIES]
    if unknown:
        raise BenchError(f"unknown policies {unknown}; choose from {', '.join(POLICIES)}")
    if opts.concurrency < 1:
        raise BenchError("--concurrency must be at least 1")
    out = _check_out_dir(Path(opts.out))
    suite_path = resolve_suite(opts.suite)
    tasks = load_tasks(suite_path)
    if opts.limit is not None:
        tasks = tasks[: opts.limit]
    out.mkdir(parents=True, exist_ok=True)
    lock = _lock(out)
    try:
        return _run_locked(opts, out, suite_path, tasks, on_record)
    finally:
        lock.close()


def _lock(out: Path) -> Any:
    """An exclusive lock on ``OUT/.lock`` for the whole run: two benchmarks must not write one folder."""
    fh = (out / ".lock").open("w")
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        return fh
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        fh.close()
        raise BenchError(f"another thinkdial bench is writing to {out}; wait for it or choose another --out") from exc
    return fh


def _run_locked(
    opts: BenchOptions,
    out: Path,
    suite_path: Path,
    tasks: list[Task],
    on_record: Callable[[dict[str, Any]], None] | None,
) -> dict[str, Any]:
    sink = out / "runs.jsonl"
    meta_path = out / "bench.json"
    fingerprint = _fingerprint(opts, suite_path)
    previous: list[dict[str, Any]] = []
    if opts.resume and meta_path.exists():
        old = json.loads(meta_path.read_text())
        if old.get("fingerprint") != fingerprint:
            raise BenchError(
                f"--resume: {out} holds a run with other settings ({old.get('fingerprint')}); "
                "use the same models and budget, or another --out"
            )
        previous = [r for r in load_records(sink) if not r.get("error")]
        by_id = {t.id: t for t in tasks}
        for r in previous:  # graders may have improved since: grade the stored reply again
            if r["task_id"] in by_id:
                verdict = grade_detail(by_id[r["task_id"]], r["output"])
                r["correct"], r["answer_read"] = verdict.correct, verdict.answer
        sink.write_text("".join(json.dumps(r, default=str) + "\n" for r in previous), encoding="utf-8")
    else:
        sink.write_text("", encoding="utf-8")
    meta = {
        "schema_version": SCHEMA_VERSION,
        "suite": {"name": opts.suite, "path": str(suite_path), "sha256": hashlib.sha256(suite_path.read_bytes()).hexdigest(),
                  "tasks": len(tasks)},
        "fingerprint": fingerprint,
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(opts).items() if k != "api_key"},
    }
    meta_path.write_text(json.dumps(meta, indent=2, default=str) + "\n")

    items = plan(tasks, opts.policies, opts.ceilings, opts.ceiling_tasks)
    finished = {(r["task_id"], r["policy"]) for r in previous}
    todo = [i for i in items if (i.task.id, i.key) not in finished]
    ids = {t.id for t in tasks}
    started = time.perf_counter()
    runner = _Runner(opts, out)
    progress = _progress(opts.progress)
    with progress:
        fresh = asyncio.run(_run_items(runner, todo, sink, opts.concurrency, progress, on_record)) if todo else []
    wall = time.perf_counter() - started
    records = [r for r in previous + fresh if r["task_id"] in ids and (r["policy"] in opts.policies or r["policy"].startswith("ceiling@"))]
    results = build_results(records, opts, meta, wall=wall, skipped=len(items) - len(todo), ran=len(todo))
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    from thinkdial.benchmark.report import markdown_report

    (out / "report.md").write_text(markdown_report(results))
    if opts.plot:
        from thinkdial.benchmark.report import save_png

        png = save_png(results, out / "accuracy_vs_tokens.png")
        results["plot"] = str(png) if png else None
        (out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    return results


def _default_threshold() -> float | None:
    """The threshold ``policy="adaptive"`` uses, to check the simulated sweep against the real run."""
    try:
        from thinkdial.policies.routing import get_policy

        value = getattr(get_policy("adaptive"), "threshold", None)
    except Exception:  # noqa: BLE001 - the check is optional
        return None
    return float(value) if isinstance(value, (int, float)) else None


def build_results(
    records: Sequence[dict[str, Any]],
    opts: BenchOptions,
    meta: dict[str, Any],
    *,
    wall: float = 0.0,
    skipped: int = 0,
    ran: int = 0,
) -> dict[str, Any]:
    """``results.json``: the analysis plus what was run and how long it took."""
    errors = [r for r in records if r.get("error")]
    return {
        "schema_version": SCHEMA_VERSION,
        "suite": meta["suite"],
        "models": {"fast": meta["fingerprint"]["fast"], "thinker": meta["fingerprint"]["thinker"],
                   "api_base": meta["fingerprint"]["api_base"]},
        "budget": {"max_tokens": opts.max_tokens, "max_cost_usd": opts.max_cost},
        "policies_run": list(opts.policies),
        "runs": {"total": len(records), "this_session": ran, "resumed": skipped, "errors": len(errors),
                 "wall_seconds": wall, "run_seconds_total": sum(float(r.get("seconds") or 0) for r in records),
                 "concurrency": opts.concurrency},
        **analyze(records, opts.thresholds, opts.shares, default_threshold=_default_threshold()),
        "agent": agent_summary(records),
        "tasks": sorted({r["task_id"] for r in records}),
    }
