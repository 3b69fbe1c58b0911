"""Exact checks of what a draft states about numbers: ``23 * 14 = 312``, ``78 is larger than 104``.

A small model is often confidently wrong, so its token probabilities cannot
tell; but when it writes out its arithmetic or a comparison, the claim can be
checked exactly, whatever the question's kind or phrasing. A draft that
contradicts itself this way is wrong about *something*, and is worth a
second look. Only claims whose every part is a plain number are checked;
anything else (units, variables, words) is left alone.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = ["ClaimCheck", "check_claims"]

_NUM = r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?"
_OPS = r"[-+*/×x÷·−]|\bplus\b|\bminus\b|\btimes\b|\bmultiplied by\b|\bdivided by\b"
# "<expression with at least one operator> = / equals / is <number>"
_EQUATION = re.compile(
    rf"(?P<lhs>\(?\s*(?:{_NUM})\s*\)?(?:\s*(?:{_OPS})\s*\(?\s*(?:{_NUM})\s*\)?)+)"
    rf"\s*(?:=|equals|is equal to|is|makes|gives)\s*(?P<rhs>{_NUM})(?![\d.]*\s*[-+*/×x÷^])",
    re.IGNORECASE,
)
_BIGGER = "larger|bigger|greater|more|higher|longer|heavier|older"
_SMALLER = "smaller|less|lower|fewer|shorter|lighter|younger"
_COMPARISON = re.compile(
    rf"(?P<a>{_NUM})\s+is\s+(?:much\s+|a lot\s+|slightly\s+)?(?P<word>{_BIGGER}|{_SMALLER})\s+than\s+(?P<b>{_NUM})",
    re.IGNORECASE,
)
_SYMBOLIC = re.compile(rf"(?P<a>{_NUM})\s*(?P<op>[<>])\s*(?P<b>{_NUM})")
_WORDS = {"plus": "+", "minus": "-", "times": "*", "multiplied by": "*", "divided by": "/"}


@dataclass(frozen=True)
class ClaimCheck:
    """The numeric claims found in a text and how many were false."""

    checked: int = 0
    false: int = 0
    first_false: str | None = None
    """The first false claim, as written (for traces)."""

    @property
    def all_true(self) -> bool:
        """At least one claim was checked and none was false."""
        return self.checked > 0 and self.false == 0


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("−", "-"))


def _equal(value: float, stated: str) -> bool:
    """``value`` written as ``stated``, allowing the rounding its decimals imply."""
    target = _number(stated)
    decimals = len(stated.split(".")[1]) if "." in stated else 0
    slack = 0.5 * 10.0 ** (-decimals) if decimals else 1e-9
    if decimals == 0 and not float(value).is_integer():
        slack = 0.5  # "10 / 3 = 3" rounds; a model may truncate to an integer
    return math.isclose(value, target, rel_tol=1e-9) or abs(value - target) <= slack + 1e-12


def _evaluate(lhs: str) -> float | None:
    from thinkdial.tools.calculator import evaluate

    text = lhs
    for word, op in _WORDS.items():
        text = re.sub(rf"\b{word}\b", op, text, flags=re.IGNORECASE)
    text = text.replace("·", "*").replace("−", "-")
    try:
        value = evaluate(text)
    except (ValueError, ZeroDivisionError, OverflowError, ArithmeticError):
        return None
    return float(value)


def check_claims(text: str | None) -> ClaimCheck:
    """Find the arithmetic and numeric comparisons ``text`` states and check each exactly."""
    if not text:
        return ClaimCheck()
    checked = false = 0
    first: str | None = None
    for m in _EQUATION.finditer(text):
        value = _evaluate(m.group("lhs"))
        if value is None:
            continue
        checked += 1
        if not _equal(value, m.group("rhs")):
            false += 1
            first = first or m.group(0).strip()
    for m in _COMPARISON.finditer(text):
        a, b = _number(m.group("a")), _number(m.group("b"))
        bigger = m.group("word").lower() in _BIGGER.split("|")
        checked += 1
        if (a > b) != bigger or a == b:
            false += 1
            first = first or m.group(0).strip()
    for m in _SYMBOLIC.finditer(text):
        a, b = _number(m.group("a")), _number(m.group("b"))
        checked += 1
        if (a > b) != (m.group("op") == ">") or a == b:
            false += 1
            first = first or m.group(0).strip()
    return ClaimCheck(checked=checked, false=false, first_false=first)
