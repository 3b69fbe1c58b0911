"""The question a task asks, parsed once per task and shared by every check and reader."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = ["Question"]

_OPERATION = re.compile(r"\d\s*(?:[-+*/\u00d7\u00f7^]|\bx\b)\s*\(?\s*\d")
_WORDED = re.compile(
    r"\b(?:plus|minus|times|divided|multipl\w*|sum|product|difference|add|subtract|percent|%|square\s+root|squared|"
    r"cubed|average|mean|total|remainder)\b",
    re.IGNORECASE,
)
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")

MAX_QUESTION_CHARS = 4000
"""Only the task's first characters are parsed: a question is short, and parsing stays linear and bounded."""


@dataclass(frozen=True)
class Question:
    """A task read once: the question it asks, the premises before it, the options it offers.

    ``Question.parse(task)`` is cached, so every check of every step shares one parse.
    """

    text: str
    """The task as given."""
    asks: str
    """The question sentence ("What day is today"), without premises or instructions."""
    premises: str
    """What the task states before asking ("Tomorrow is Sunday.")."""
    options: tuple[str, str] | None
    """The two options a choice question offers ("Which is larger, 0.5 or 0.75?" -> ("0.5", "0.75"))."""
    yes_no: bool
    """Whether it is a yes/no question ("Is the sun a star?")."""
    computable: bool = False
    """Whether it asks for a computation a calculator could do exactly ("What is 37 * 48?", "the sum of 9 and 6")."""

    @staticmethod
    @functools.lru_cache(maxsize=256)
    def parse(task: str | None) -> Question:
        """The question ``task`` asks (an empty question for None or "")."""
        from thinkdial.policies.checks.implied import split_question
        from thinkdial.policies.reading.answers import is_yes_no_question, offered_options

        text = task or ""
        head = text[:MAX_QUESTION_CHARS]
        if not head.strip():
            return Question(text, "", "", None, False)
        asks, premises = split_question(head)
        computable = bool(_OPERATION.search(head)) or (bool(_WORDED.search(head)) and len(_NUMBERS.findall(head)) >= 2)
        return Question(text, asks, premises, offered_options(head), is_yes_no_question(head), computable)

    @classmethod
    def of(cls, task: str | Question | None) -> Question:
        """``task`` as a :class:`Question` (parsed when it is text)."""
        return task if isinstance(task, Question) else cls.parse(task)
