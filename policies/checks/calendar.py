"""Exact checks of what a text states about the order of weekdays and months.

``The day before Wednesday is Friday``, ``Today is Friday, and yesterday was a
Monday`` and ``The month after June is July`` can be checked on the calendar's
cycle. Statements about today, yesterday, tomorrow and "in N days" are checked
against each other and against the premises the question gave ("Tomorrow is
Sunday."); repeating a premise is not a claim.
"""

from __future__ import annotations

import re

from thinkdial.policies.checks.base import Claim
from thinkdial.policies.reading.question import Question

__all__ = ["calendar_claims", "CalendarCheck"]

_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december",
]
_DAY = "(?:" + "|".join(_DAYS) + ")"
_MONTH = "(?:" + "|".join(m for m in _MONTHS if m != "may") + ")"  # "may" is too often the verb
_NAME = f"(?:{_DAY}|{_MONTH})"
_ART = r"(?:(?:a|an|the)\s+)?"
_NEAR = r"(?:(?:right|just|immediately|directly)\s+)?"
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10}

_NEIGHBOUR = re.compile(
    rf"\b(?:day|month)\s+(?:that\s+)?(?:comes\s+|is\s+)?{_NEAR}(?P<dir>before|after)\s+(?P<ref>{_NAME})"
    rf"\s+(?:is|was|will\s+be)\s+{_ART}(?P<value>{_NAME})\b",
    re.IGNORECASE,
)
_ORDER = re.compile(
    rf"\b(?P<value>{_NAME})\s+(?:comes|is|falls)\s+{_NEAR}(?P<dir>before|after)\s+(?P<ref>{_NAME})\b", re.IGNORECASE
)
_OFFSETS = {"yesterday": -1, "today": 0, "tomorrow": 1}
_RELATIVE = re.compile(
    rf"\b(?P<when>yesterday|today|tomorrow)\s+(?:is|was|will\s+be|would\s+be)\s+{_ART}(?P<value>{_DAY})\b"
    rf"|\b(?P<value2>{_DAY})\s+(?:is|was|will\s+be)\s+(?P<when2>yesterday|today|tomorrow)\b"
    rf"|\bin\s+(?P<n>\d+|{'|'.join(_NUMBER_WORDS)})\s+days?,?\s+(?:it\s+)?(?:will\s+be|would\s+be|is)\s+{_ART}"
    rf"(?P<value3>{_DAY})\b"
    rf"|\b(?P<value4>{_DAY})\s+(?:will\s+be|is)\s+in\s+(?P<n2>\d+|{'|'.join(_NUMBER_WORDS)})\s+days?\b",
    re.IGNORECASE,
)


def _cycle(name: str) -> list[str]:
    return _DAYS if name.lower() in _DAYS else _MONTHS


def _neighbour_claims(text: str) -> list[tuple[bool, str]]:
    found: list[tuple[bool, str]] = []
    for pattern in (_NEIGHBOUR, _ORDER):
        for m in pattern.finditer(text):
            ref, value = m["ref"].lower(), m["value"].lower()
            cycle = _cycle(ref)
            if value not in cycle:
                continue
            step = 1 if m["dir"].lower() == "after" else -1
            found.append((cycle[(cycle.index(ref) + step) % len(cycle)] == value, m.group(0)))
    return found


def _todays(text: str) -> list[tuple[int, str]]:
    """What each relative statement says today is (an index into the week), with the statement as written."""
    out = []
    for m in _RELATIVE.finditer(text):
        if m["n"] or m["n2"]:
            n = (m["n"] or m["n2"]).lower()
            offset = int(n) if n.isdigit() else _NUMBER_WORDS[n]
            value = m["value3"] or m["value4"]
        else:
            offset = _OFFSETS[(m["when"] or m["when2"]).lower()]
            value = m["value"] or m["value2"]
        out.append(((_DAYS.index(value.lower()) - offset) % 7, m.group(0)))
    return out


def calendar_claims(text: str, premises: str = "") -> list[tuple[bool, str]]:
    """Every calendar statement in ``text``: (whether it holds, as written); ``premises`` are taken as true."""
    found = _neighbour_claims(text)
    given = _todays(premises)
    stated = _todays(text)
    for i, (today, written) in enumerate(stated):
        others = [t for t, _ in given] + [t for j, (t, _) in enumerate(stated) if j != i]
        repeats_premise = any(written.lower() == w.lower() for _, w in given)
        if repeats_premise or not others:
            continue
        found.append((all(t == today for t in others), written))
    return found


class CalendarCheck:
    """Weekday and month order a reply states, with the question's premises as given; a signal only."""

    name = "calendar"

    def claims(self, reply: str, question: Question) -> list[Claim]:
        return [Claim(text, holds, False, self.name) for holds, text in calendar_claims(reply, question.text)]
