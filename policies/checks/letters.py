"""Exact checks of what a text states about spelling: first and last letters, letter counts, occurrences.

``The last letter of "pencil" is "P"``, ``The word "house" has 12 letters`` and
``The letter "o" appears 1 time in "bottle"`` can be checked against the word
itself, whatever the question's phrasing. Only statements that name their word
unambiguously (quoted, or after "the word") are read.
"""

from __future__ import annotations

import re

from thinkdial.policies.checks.base import Claim
from thinkdial.policies.reading.question import Question

__all__ = ["letter_claims", "SpellingCheck"]

_Q = "[\"'\u201c\u201d\u2018\u2019]"
_WORD = rf"(?:the\s+(?:word|name|sentence)\s+)?{_Q}?(?P<word>[A-Za-z]+){_Q}?"
_NAMED_WORD = rf"(?:the\s+(?:word|name)\s+{_Q}?(?P<word>[A-Za-z]+){_Q}?|{_Q}(?P<qword>[A-Za-z]+){_Q})"
_LETTER = rf"(?:{_Q}(?P<letter>[A-Za-z]){_Q}|(?P<bare>[A-Za-z])(?=\s*[.,;!?)]|\s*$))"
_COUNT_WORDS = {
    "once": 1, "twice": 2, "thrice": 3, "zero": 0, "no": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_COUNT = r"(?P<count>\d{1,3}|" + "|".join(_COUNT_WORDS) + r")"
_ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1}

_POSITION = re.compile(
    rf"\b(?P<ordinal>{'|'.join(_ORDINALS)})\s+letter\s+(?:of|in)\s+{_WORD}\s+is\s+{_LETTER}", re.IGNORECASE
)
_LENGTH = re.compile(
    rf"{_NAMED_WORD}\s+(?:has|contains|is\s+made\s+up\s+of|consists\s+of|is\s+spelled\s+with)\s+{_COUNT}\s+letters?\b",
    re.IGNORECASE,
)
_LENGTH_IN = re.compile(
    rf"\b(?:number\s+of\s+letters\s+in|there\s+(?:are|is)\s+{_COUNT.replace('count', 'n2')}\s+letters?\s+in)\s+{_WORD}"
    rf"(?:\s+is\s+{_COUNT})?",
    re.IGNORECASE,
)
_LETTER_NAMED = rf"(?:{_Q}(?P<letter>[A-Za-z]){_Q}|(?P<bare>[A-Za-z])(?=\s))"
_OCCURS = re.compile(
    rf"\bletter\s+{_LETTER_NAMED}\s+(?:appears|occurs|shows\s+up|is\s+used)\s+{_COUNT}(?:\s+times?)?\s+in\s+{_WORD}",
    re.IGNORECASE,
)


def _count(value: str) -> int:
    low = value.lower()
    return int(low) if low.isdigit() else _COUNT_WORDS[low]


def letter_claims(text: str) -> list[tuple[bool, str]]:
    """Every spelling statement in ``text``: (whether it holds, as written)."""
    found: list[tuple[bool, str]] = []
    for m in _POSITION.finditer(text):
        word, letter = m["word"].lower(), (m["letter"] or m["bare"]).lower()
        index = _ORDINALS[m["ordinal"].lower()]
        if index < len(word):
            found.append((word[index] == letter, m.group(0)))
    for m in _LENGTH.finditer(text):
        word = (m["word"] or m["qword"]).lower()
        found.append((len(word) == _count(m["count"]), m.group(0)))
    for m in _LENGTH_IN.finditer(text):
        stated = m["n2"] or m["count"]
        if stated is not None:
            found.append((len(m["word"]) == _count(stated), m.group(0)))
    for m in _OCCURS.finditer(text):
        word, letter = m["word"].lower(), (m["letter"] or m["bare"]).lower()
        found.append((word.count(letter) == _count(m["count"]), m.group(0)))
    return found


class SpellingCheck:
    """First/last letters, letter counts and occurrences a reply states about a named word; a signal only."""

    name = "spelling"

    def claims(self, reply: str, question: Question) -> list[Claim]:
        return [Claim(text, holds, False, self.name) for holds, text in letter_claims(reply)]
