"""Agent tasks in ``thinkdial bench``: a workspace of files per task, and what a whole agent run did.

A task whose ``meta.workspace`` maps relative paths to file contents is an *agent task*: before each run the
runner writes those files into a fresh folder (``OUT/workspaces/<policy>/<task id>/``) and gives the agent
``read_file`` and ``list_dir`` confined to it, next to the calculator. ``meta.split`` (``"dev"`` or
``"heldout"``) names the part of a suite that may be tuned on and the part that is only measured.

:func:`agent_summary` reports, per split and policy, the pass rate and what a task took: tokens, tool calls,
failed tool calls and steps; and the oracle (per task, the ``fast`` run when it passed, else the ``think`` run).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from thinkdial.benchmark.tasks import Task

__all__ = ["agent_summary", "is_agent_task", "make_workspace", "run_counts", "split_of"]


def is_agent_task(task: Task) -> bool:
    """Whether ``task`` brings a workspace of files (``meta.workspace``)."""
    return isinstance(task.meta.get("workspace"), dict)


def split_of(task: Task) -> str:
    """The task's split (``meta.split``; ``"all"`` when it names none)."""
    split = task.meta.get("split")
    return split if isinstance(split, str) and split else "all"


def make_workspace(task: Task, folder: Path) -> Path:
    """Write ``task``'s files into ``folder``, emptied first; returns the folder.

    Raises:
        ValueError: A path that is absolute or climbs out of the folder, or content that is not text.
    """
    files = task.meta.get("workspace") or {}
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for rel, content in files.items():
        path = PurePosixPath(str(rel))
        if path.is_absolute() or ".." in path.parts or not str(rel).strip():
            raise ValueError(f"task {task.id!r}: workspace path {rel!r} must be relative and stay inside the workspace")
        if not isinstance(content, str):
            raise ValueError(f"task {task.id!r}: workspace file {rel!r} must have text content")
        target = folder.joinpath(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    return folder


def run_counts(steps: Sequence[Any]) -> dict[str, int]:
    """Tool calls, failed tool calls, steps, and steps the progress rule escalated or stopped, of one run
    (``steps`` are ``Step`` records)."""
    calls = [c for s in steps for c in s.tool_calls]
    return {"tool_calls": len(calls), "failed_calls": sum(1 for c in calls if not c.get("ok")), "n_steps": len(steps),
            "stalled_steps": sum(1 for s in steps if getattr(s, "stalled_by", None))}


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _summary(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "n": len(records),
        "passed": sum(1 for r in records if r["correct"]),
        "pass_rate": _mean([1.0 if r["correct"] else 0.0 for r in records]),
        "tokens": _mean([float(r["tokens"]) for r in records]),
        "tool_calls": _mean([float(r.get("tool_calls", 0)) for r in records]),
        "failed_calls": _mean([float(r.get("failed_calls", 0)) for r in records]),
        "steps": _mean([float(r.get("n_steps", len(r.get("steps", [])))) for r in records]),
        "escalated": _mean([1.0 if r["escalated"] else 0.0 for r in records]),
        "stalled": _mean([1.0 if r.get("stalled_steps") else 0.0 for r in records]),
        "seconds": _mean([float(r["seconds"]) for r in records]),
    }


def agent_summary(records: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """Per split (and ``"all"``), per policy (and ``"oracle"``): pass rate, tokens, tool calls, failed calls, steps.

    None when no record comes from an agent task (records carry ``split`` only for those).
    """
    agent = [r for r in records if r.get("split") and not str(r["policy"]).startswith("ceiling@")]
    if not agent:
        return None
    out: dict[str, Any] = {}
    for split in ["all", *sorted({r["split"] for r in agent})]:
        rows = [r for r in agent if split == "all" or r["split"] == split]
        table = {p: _summary([r for r in rows if r["policy"] == p]) for p in sorted({r["policy"] for r in rows})}
        by = {(r["task_id"], r["policy"]): r for r in rows}
        oracle = [by[(t, "fast")] if by[(t, "fast")]["correct"] else by[(t, "think")]
                  for t in sorted({r["task_id"] for r in rows}) if (t, "fast") in by and (t, "think") in by]
        if oracle:
            table["oracle"] = _summary(oracle)
        out[split] = table
    return out


def agent_markdown(summary: dict[str, Any]) -> list[str]:
    """The agent tables of the Markdown report, one per split."""
    lines: list[str] = []
    for split, table in summary.items():
        lines += ["", f"Agent tasks, split `{split}` (per task: tokens, tool calls, failed calls, steps):", "",
                  "| policy | passed | tokens | tool calls | failed calls | steps | escalated | progress rule fired |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, s in table.items():
            lines.append(f"| {name} | {s['passed']}/{s['n']} ({s['pass_rate']:.0%}) | {s['tokens']:.0f} | {s['tool_calls']:.2f} | "
                         f"{s['failed_calls']:.2f} | {s['steps']:.2f} | {s['escalated']:.0%} | {s.get('stalled', 0.0):.0%} |")
    return lines
