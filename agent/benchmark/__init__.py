"""``thinkdial bench``: accuracy against cost for the fast, think and adaptive policies on a task suite.

:mod:`thinkdial.benchmark.tasks` defines the task file format (JSON Lines) and its loader,
:mod:`thinkdial.benchmark.graders` grades replies, :mod:`thinkdial.benchmark.runner` runs a suite,
:mod:`thinkdial.benchmark.analysis` computes the report offline, :mod:`thinkdial.benchmark.report` renders it.
Names load on first use, so ``thinkdial --help`` (which builds the ``bench`` parser) stays instant.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: ``thinkdial --help`` imports this package

__all__ = [
    "BenchOptions",
    "Grade",
    "Task",
    "TaskFileError",
    "builtin_suites",
    "extract_number",
    "grade",
    "grade_detail",
    "load_tasks",
    "normalize",
    "parse_task",
    "resolve_suite",
    "run_bench",
]

if TYPE_CHECKING:
    from typing import Any

    from thinkdial.benchmark.graders import Grade, extract_number, grade, grade_detail, normalize
    from thinkdial.benchmark.runner import BenchOptions, run_bench
    from thinkdial.benchmark.tasks import Task, TaskFileError, builtin_suites, load_tasks, parse_task, resolve_suite

_WHERE = {
    "Grade": "graders", "extract_number": "graders", "grade": "graders", "grade_detail": "graders", "normalize": "graders",
    "Task": "tasks", "TaskFileError": "tasks", "builtin_suites": "tasks", "load_tasks": "tasks", "parse_task": "tasks",
    "resolve_suite": "tasks", "BenchOptions": "runner", "run_bench": "runner",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"thinkdial.benchmark.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'thinkdial.benchmark' has no attribute {name!r}")
