"""The question a task asks, parsed once per task and shared by every check and reader."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = ["Question", "split_question"]

_OPERATION = re.compile(r"\d\s*(?:[-+*/\u00d7\u00f7^]|\bx\b)\s*\(?\s*\d")
_WORDED = re.compile(
    r"\b(?:plus|minus|times|divided|multipl\w*|sum|product|difference|add|subtract|percent|%|square\s+root|squared|"
    r"cubed|average|mean|total|remainder)\b",
    re.IGNORECASE,
)
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")
_WH_LEAD = re.compile(r"(?:^|\s)(?=(?:what|which|how|compute|calculate|evaluate|work\s+out)\b)", re.IGNORECASE)
_VERB_LEAD = re.compile(r"(?:^|,\s*)(?=(?:is|are|was|were|does|do)\b)", re.IGNORECASE)

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


def split_question(prompt: str) -> tuple[str, str]:
    """The question a request asks, and the premises before it.

    "Tomorrow is Sunday. What day is today? One word." -> ("What day is today", "Tomorrow is Sunday.");
    "If today is Monday, what day will it be in 3 days?" -> ("what day will it be in 3 days", "If today is Monday,").
    """
    text = prompt.strip()
    head = text.split("?", 1)[0] if "?" in text else re.split(r"(?<=[.!])\s+", text, maxsplit=1)[0].rstrip(".!")
    sentences = re.split(r"(?<=[.!])\s+", head)
    question, premises = sentences[-1], " ".join(sentences[:-1])
    lead = _WH_LEAD.search(question) or _VERB_LEAD.search(question)
    if lead is not None and lead.start() > 0:
        premises = f"{premises} {question[: lead.start()]}".strip()
        question = question[lead.end() :]
    return question.strip(), premises
