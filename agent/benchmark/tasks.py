"""Benchmark task files: JSON Lines, one task per line, validated line by line.

A task line::

    {"id": "add-1", "prompt": "What is 37 + 48?", "kind": "arithmetic", "tags": ["two-digit"],
     "system": null, "check": {"type": "number", "value": 85, "tolerance": 0}}

``id``, ``prompt`` and ``check`` are required; ``kind`` defaults to ``"general"``,
``tags`` to ``[]``, ``system`` to ``null`` (the agent's own system prompt);
``meta`` is an optional object for anything else a corpus wants to carry
(phrasing, source, ...). Any other key is an error, so a typo cannot pass
silently. ``check`` is one of:

* ``{"type": "exact", "answers": [...]}`` the draft's answer equals one accepted
  answer after normalisation (case, punctuation, quotes, articles);
* ``{"type": "number", "value": 85, "tolerance": 0}`` the number the draft gives
  as its answer is within ``tolerance`` of ``value``;
* ``{"type": "contains", "all": [...], "any": [...]}`` every ``all`` string and
  at least one ``any`` string occur (case-insensitive; ``"case_sensitive": true``);
* ``{"type": "regex", "pattern": "...", "flags": "i"}`` ``re.search`` matches;
* ``{"type": "choice", "answers": [...], "options": [...]}`` the draft names
  exactly one of the options, and it is an accepted one;
* ``{"type": "python", "function": "module:func"}`` ``func(output, task) -> bool``.

:func:`load_tasks` raises :class:`TaskFileError` naming the file and line of the
first bad line. Grading lives in :mod:`thinkdial.benchmark.graders`.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CHECK_TYPES",
    "SUITES_DIR",
    "Task",
    "TaskFileError",
    "builtin_suites",
    "dump_tasks",
    "load_tasks",
    "parse_task",
    "regex_flags",
    "resolve_python_check",
    "resolve_suite",
    "validate_check",
]

SUITES_DIR = Path(__file__).resolve().parent / "suites"
"""Where the built-in suites (``<name>.jsonl``) ship inside the package."""

CHECK_TYPES = ("exact", "number", "contains", "regex", "choice", "python")
_TASK_KEYS = {"id", "prompt", "kind", "tags", "system", "check", "meta"}
_CHECK_KEYS: dict[str, set[str]] = {
    "exact": {"answers"},
    "number": {"value", "tolerance"},
    "contains": {"all", "any", "case_sensitive"},
    "regex": {"pattern", "flags"},
    "choice": {"answers", "options"},
    "python": {"function"},
}
_REGEX_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


class TaskFileError(ValueError):
    """A task file (or one task) is malformed; the message names the file and line."""


@dataclass(frozen=True)
class Task:
    """One benchmark task: a prompt and how to grade a reply to it."""

    id: str
    prompt: str
    check: dict[str, Any]
    kind: str = "general"
    tags: tuple[str, ...] = ()
    system: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON Lines form of this task."""
        out: dict[str, Any] = {
            "id": self.id, "prompt": self.prompt, "kind": self.kind, "tags": list(self.tags),
            "system": self.system, "check": self.check,
        }
        if self.meta:
            out["meta"] = self.meta
        return out


def _str_list(value: Any, what: str, *, allow_empty: bool = False) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of strings, got {value!r}")
    if not allow_empty and not value:
        raise ValueError(f"{what} must not be empty")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def resolve_python_check(spec: str) -> Callable[[str, dict[str, Any]], bool]:
    """Import ``"module:func"`` and return the function (raises ``ValueError`` with the reason)."""
    if not isinstance(spec, str) or spec.count(":") != 1 or not all(spec.split(":")):
        raise ValueError(f"check.function must read 'module:func', got {spec!r}")
    module_name, func_name = spec.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"check.function {spec!r}: cannot import {module_name!r} ({exc})") from exc
    func = getattr(module, func_name, None)
    if not callable(func):
        raise ValueError(f"check.function {spec!r}: {module_name!r} has no callable {func_name!r}")
    return func


def validate_check(check: Any) -> dict[str, Any]:
    """Return ``check`` if it is a well-formed checker, else raise ``ValueError`` saying what is wrong."""
    if not isinstance(check, dict):
        raise ValueError(f"'check' must be an object, got {type(check).__name__}")
    kind = check.get("type")
    if kind not in CHECK_TYPES:
        raise ValueError(f"check.type must be one of {', '.join(CHECK_TYPES)}; got {kind!r}")
    extra = set(check) - _CHECK_KEYS[kind] - {"type"}
    if extra:
        raise ValueError(f"unknown key(s) {sorted(extra)} in a {kind!r} check (allowed: {sorted(_CHECK_KEYS[kind])})")
    if kind == "exact":
        _str_list(check.get("answers"), "check.answers")
    elif kind == "number":
        if not _is_number(check.get("value")):
            raise ValueError(f"check.value must be a number, got {check.get('value')!r}")
        tol = check.get("tolerance", 0)
        if not _is_number(tol) or tol < 0:
            raise ValueError(f"check.tolerance must be a number >= 0, got {tol!r}")
    elif kind == "contains":
        all_ = _str_list(check.get("all", []), "check.all", allow_empty=True)
        any_ = _str_list(check.get("any", []), "check.any", allow_empty=True)
        if not all_ and not any_:
            raise ValueError("a 'contains' check needs a non-empty 'all' or 'any'")
        if not isinstance(check.get("case_sensitive", False), bool):
            raise ValueError("check.case_sensitive must be true or false")
    elif kind == "regex":
        pattern = check.get("pattern")
        if not isinstance(pattern, str) or not pattern:
            raise ValueError(f"check.pattern must be a non-empty string, got {pattern!r}")
        flags = check.get("flags", "")
        if not isinstance(flags, str) or any(f not in _REGEX_FLAGS for f in flags):
            raise ValueError(f"check.flags must be letters from 'imsx', got {flags!r}")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"check.pattern does not compile: {exc}") from exc
    elif kind == "choice":
        options = _str_list(check.get("options"), "check.options")
        answers = _str_list(check.get("answers"), "check.answers")
        if len(options) < 2:
            raise ValueError("a 'choice' check needs at least two options")
        lowered = {o.strip().lower() for o in options}
        missing = [a for a in answers if a.strip().lower() not in lowered]
        if missing:
            raise ValueError(f"check.answers {missing} are not among check.options {options}")
    else:  # python
        resolve_python_check(check.get("function"))  # type: ignore[arg-type]
    return check


def regex_flags(letters: str) -> int:
    """``re`` flags from letters ``imsx``."""
    flags = 0
    for letter in letters:
        flags |= _REGEX_FLAGS[letter]
    return flags


def parse_task(obj: Any) -> Task:
    """Build a :class:`Task` from one decoded JSON object (raises ``ValueError`` saying what is wrong)."""
    if not isinstance(obj, dict):
        raise ValueError(f"a task must be a JSON object, got {type(obj).__name__}")
    extra = set(obj) - _TASK_KEYS
    if extra:
        raise ValueError(f"unknown key(s) {sorted(extra)} (allowed: {sorted(_TASK_KEYS)}; put extras under 'meta')")
    for key in ("id", "prompt", "check"):
        if key not in obj:
            raise ValueError(f"missing required key {key!r}")
    if not isinstance(obj["id"], str) or not obj["id"].strip():
        raise ValueError(f"'id' must be a non-empty string, got {obj['id']!r}")
    if not isinstance(obj["prompt"], str) or not obj["prompt"].strip():
        raise ValueError("'prompt' must be a non-empty string")
    kind = obj.get("kind", "general")
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"'kind' must be a non-empty string, got {kind!r}")
    tags = _str_list(obj.get("tags", []), "'tags'", allow_empty=True)
    system = obj.get("system")
    if system is not None and not isinstance(system, str):
        raise ValueError(f"'system' must be a string or null, got {type(system).__name__}")
    meta = obj.get("meta", {})
    if not isinstance(meta, dict):
        raise ValueError("'meta' must be an object")
    try:
        check = validate_check(obj["check"])
    except ValueError as exc:
        raise ValueError(f"task {obj['id']!r}: {exc}") from exc
    return Task(id=obj["id"], prompt=obj["prompt"], check=check, kind=kind, tags=tuple(tags), system=system, meta=meta)


def load_tasks(path: str | Path) -> list[Task]:
    """Read and validate a JSON Lines task file. Blank lines and lines starting with ``#`` are skipped.

    Raises :class:`TaskFileError` (``"FILE:LINE: what is wrong"``) on the first bad line,
    on a duplicate ``id`` and on a file with no task; ``FileNotFoundError`` when it is missing.
    """
    path = Path(path)
    tasks: list[Task] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise TaskFileError(f"{path}:{lineno}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
            try:
                task = parse_task(obj)
            except ValueError as exc:
                raise TaskFileError(f"{path}:{lineno}: {exc}") from exc
            if task.id in seen:
                raise TaskFileError(f"{path}:{lineno}: duplicate id {task.id!r} (first on line {seen[task.id]})")
            seen[task.id] = lineno
            tasks.append(task)
    if not tasks:
        raise TaskFileError(f"{path}: no tasks")
    return tasks


def dump_tasks(tasks: Iterable[Task], path: str | Path) -> None:
    """Write tasks as JSON Lines."""
    with Path(path).open("w", encoding="utf-8") as fh:
        for task in tasks:
            fh.write(json.dumps(task.to_dict(), ensure_ascii=False) + "\n")


def builtin_suites() -> dict[str, Path]:
    """The suites shipped in the package, by name (``quick``, ``standard``, ``difficulty``, ``open_ended``)."""
    if not SUITES_DIR.is_dir():
        return {}
    return {p.stem: p for p in sorted(SUITES_DIR.glob("*.jsonl"))}


def resolve_suite(name_or_path: str | Path) -> Path:
    """A built-in suite name or a path to a ``.jsonl`` file -> the file's path."""
    candidate = Path(name_or_path).expanduser()
    if candidate.suffix == ".jsonl" or candidate.is_file():
        if not candidate.exists():
            raise FileNotFoundError(f"task file not found: {candidate}")
        return candidate
    suites = builtin_suites()
    if str(name_or_path) in suites:
        return suites[str(name_or_path)]
    raise FileNotFoundError(
        f"no suite {str(name_or_path)!r}: built-in suites are {', '.join(suites) or 'none'}; or give a FILE.jsonl"
    )
