"""``thinkdial bench``: accuracy against cost for the fast, think and adaptive policies on a task suite.

:mod:`thinkdial.benchmark.tasks` defines the task file format (JSON Lines) and its loader,
:mod:`thinkdial.benchmark.graders` grades replies, :mod:`thinkdial.benchmark.runner` runs a suite.
Heavy imports (rich, matplotlib, the models) happen only inside the functions that need them.
"""

from __future__ import annotations

from thinkdial.benchmark.graders import Grade, extract_number, grade, grade_detail, normalize
from thinkdial.benchmark.tasks import Task, TaskFileError, builtin_suites, load_tasks, parse_task, resolve_suite

__all__ = [
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
]
