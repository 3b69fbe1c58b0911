"""Grounding that means it: when a draft may lean on a tool result, and when it must have one.

* A question about something only a tool can see (a file it names, the workspace, its folders) answered
  without any tool call bearing on it is *not grounded*: the fast model cannot know a file's content
  (:func:`tool_need`; the estimate gives such a draft at least :data:`UNSEEN_FLOOR`).
* A draft restating a tool result is grounded only when that call *bears on the question*: its arguments come
  from the question or from an earlier result (:func:`call_bears_on`), or it lists the workspace a question
  asks about. ``calculator("cos(pi)")`` does not bear on "How many r's are in strawberry?".
* A question asking for a sum, total, average or product of numbers that only a result holds, with no call
  having computed it from them yet, is not answered by restating the result (:func:`pending_computation`).
* A result that names a file nobody has read yet (``"The hint is in hint.txt."``) is a pointer: a draft that
  stops there is not an answer unless the question asks which file (:func:`unread_pointers`).

A computation the calculator could do exactly is flagged too (``Question.computable``), but a draft's own
arithmetic is judged by the exact checks, not floored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from thinkdial.policies.estimate.tool_steps import ungrounded_values
from thinkdial.policies.reading.answers import normalize_answer
from thinkdial.policies.reading.question import Question

__all__ = [
    "UNSEEN_FLOOR",
    "ToolNeed",
    "answer_in_result",
    "call_bears_on",
    "mentioned_values",
    "pending_computation",
    "tool_need",
    "unread_pointers",
]

UNSEEN_FLOOR = 0.8
"""The least difficulty of a draft answering about a file or the workspace that no tool call has looked at."""

_FILE = re.compile(r"(?<![\w/.-])(?:[\w-]+/)*[\w-]+\.[A-Za-z][A-Za-z0-9]{0,5}(?![\w/-]|\.\w)")
_NAMED = re.compile(r"\b(?:file|files)\s+(?:named\s+|called\s+)?[`'\"]?([A-Za-z0-9_][\w./-]*)", re.IGNORECASE)
_WORKSPACE = re.compile(r"\b(?:workspace|folder|director(?:y|ies)|files)\b", re.IGNORECASE)
_WHICH_FILE = re.compile(r"\b(?:which|what)\s+(?:\w+\s+){0,2}(?:file|files|folder|path)\b", re.IGNORECASE)
_ABBREVIATIONS = {"e.g", "i.e", "a.m", "p.m", "u.s", "vs.", "no.", "cf.", "etc."}
_NOT_NAMES = {"in", "the", "a", "an", "that", "which", "with", "of", "is", "to", "and", "holds", "names"}


@dataclass(frozen=True)
class ToolNeed:
    """What a question asks that only a tool can answer."""

    files: tuple[str, ...]
    """Files the question names."""
    workspace: bool
    """Whether it asks about the workspace, a folder or its files."""
    computation: bool
    """Whether it asks for a computation a calculator could do exactly."""

    @property
    def unseen(self) -> bool:
        """Whether the answer lies where only a tool can see (a named file, the workspace)."""
        return bool(self.files) or self.workspace


def tool_need(task: str, known_paths: Iterable[str] = ()) -> ToolNeed:
    """What ``task`` needs a tool for. ``known_paths`` are paths tools offer (the workspace's files): a task naming
    one names a file even without an extension."""
    head = task[:4000]
    files = list(dict.fromkeys(m.group(0) for m in _FILE.finditer(head) if m.group(0).lower() not in _ABBREVIATIONS))
    for m in _NAMED.finditer(head):
        name = m.group(1).rstrip(".,;:?!")
        if name.lower() not in _NOT_NAMES and name not in files and (name.isupper() or "." in name or name in known_paths):
            files.append(name)
    lowered = head.lower()
    for path in known_paths:
        if path not in files and path.lower() in lowered and re.search(rf"(?<![\w.-]){re.escape(path.lower())}(?![\w-])", lowered):
            files.append(path)
    return ToolNeed(tuple(files), bool(_WORKSPACE.search(head)), Question.parse(task).computable)


def call_bears_on(arguments: str, task: str, earlier_results: str, need: ToolNeed | None = None) -> bool:
    """Whether a call with ``arguments`` bears on ``task``: every value it was judged on comes from the question
    or an earlier result; a call with nothing to judge (``list_dir(".")``) bears on a question about the
    workspace or a file."""
    judged, bad = ungrounded_values(arguments, task + "\n" + earlier_results)
    if judged == 0:
        need = need or tool_need(task)
        return need.unseen
    return not bad


def answer_in_result(answer: str | None, result: str) -> bool:
    """Whether ``answer`` restates ``result``: the whole result, or a phrase of it (whole words; at least two
    characters, or a number standing alone)."""
    if not answer:
        return False
    a, r = normalize_answer(answer), normalize_answer(result)
    if not a or not r:
        return False
    if a == r:
        return True
    if len(a) < 2 and not a.isdigit():
        return False
    return re.search(rf"(?<![\w.]){re.escape(a)}(?![\w]|\.\d)", r) is not None


def _is_listing(result: str, known: Sequence[str]) -> bool:
    """Whether ``result`` is a listing: at least half its lines start with a known path."""
    lines = [line.strip().lower() for line in result.splitlines() if line.strip()]
    names = [p.lower() for p in known]
    hits = sum(1 for line in lines if any(line.startswith(n) for n in names))
    return bool(lines) and hits * 2 >= len(lines)


def unread_pointers(results: Sequence[str], read_paths: Iterable[str], known_paths: Sequence[str], task: str) -> list[str]:
    """Offered paths that a result names but no call has read, unless the question asks which file.

    Listings (a result whose lines mostly start with known paths) name files without pointing at them and
    are skipped; the question is its asking sentence ("What is the code"), not its premises."""
    asks = Question.parse(task).asks or task
    if _WHICH_FILE.search(asks) or not known_paths:
        return []
    read = {p.lower().lstrip("./") for p in read_paths}
    text = "\n".join(r for r in results if not _is_listing(r, known_paths)).lower()
    out = []
    for path in known_paths:
        low = path.lower()
        if low in read or low in task.lower():
            continue
        if re.search(rf"(?<![\w.-]){re.escape(low)}(?![\w-])", text):
            out.append(path)
    return out


def mentioned_values(values: Sequence[str], text: str) -> list[str]:
    """The offered ``values`` that ``text`` (the conversation) mentions as whole names; the root ``"."`` is always
    kept. A local grammar narrowed to these can only write calls whose arguments are grounded."""
    lowered = text.lower()
    out = []
    for value in values:
        low = value.lower()
        if value in (".", "./") or (low in lowered and re.search(rf"(?<![\w.-]){re.escape(low)}(?![\w-])", lowered)):
            out.append(value)
    return out


_TOTAL = re.compile(r"\b(?:sum|total|add up|adds up|average|mean|product)\b", re.IGNORECASE)
_NUM = re.compile(r"-?\d+(?:\.\d+)?")


def pending_computation(task: str, results: Sequence[str], later_arguments: Sequence[str]) -> list[str]:
    """The numbers a question's sum (total, average, product) is to be computed from, when they came from tool
    ``results`` (at least two) and no later call's arguments use at least two of them; [] otherwise."""
    if not _TOTAL.search(Question.parse(task).asks or task):
        return []
    numbers = list(dict.fromkeys(n for r in results for n in _NUM.findall(r)))
    if len(numbers) < 2:
        return []
    for args in later_arguments:
        if len(set(_NUM.findall(args)) & set(numbers)) >= 2:
            return []
    return numbers
