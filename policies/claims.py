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

_TOKEN = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?|[A-Za-z]+|\S")
_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_SYMBOL_OPS = {"+": "+", "-": "-", "−": "-", "*": "*", "x": "*", "X": "*", "×": "*", "·": "*", "/": "/", "÷": "/"}
_WORD_OPS = {"plus": "+", "minus": "-", "times": "*"}
_TWO_WORD_OPS = {("multiplied", "by"): "*", ("divided", "by"): "/"}
_EQUALS = {"=", "equals", "is", "makes", "gives"}
_BIGGER = {"larger", "bigger", "greater", "more", "higher", "longer", "heavier", "older"}
_SMALLER = {"smaller", "less", "lower", "fewer", "shorter", "lighter", "younger"}
_HEDGES = {"much", "slightly"}

_Kind = str  # "num" | "op" | "eq" | "paren" | "break"


@dataclass(frozen=True)
class ClaimCheck:
    """The numeric claims found in a text and how many were false."""

    checked: int = 0
    false: int = 0
    first_false: str | None = None
    """The first false claim, as read (to show why a draft was doubted)."""

    @property
    def all_true(self) -> bool:
        """At least one claim was checked and none was false."""
        return self.checked > 0 and self.false == 0


def _tokens(text: str) -> list[tuple[_Kind, str]]:
    """Classify the text's tokens in one linear pass (no backtracking, whatever the input)."""
    raw = [m.group(0) for m in _TOKEN.finditer(text)]
    out: list[tuple[_Kind, str]] = []
    i = 0
    while i < len(raw):
        tok, low = raw[i], raw[i].lower()
        pair = (low, raw[i + 1].lower()) if i + 1 < len(raw) else None
        if _NUMBER.fullmatch(tok):
            out.append(("num", tok))
        elif pair in _TWO_WORD_OPS:
            out.append(("op", _TWO_WORD_OPS[pair]))
            i += 1
        elif low == "is" and i + 2 < len(raw) and raw[i + 1].lower() == "equal" and raw[i + 2].lower() == "to":
            out.append(("eq", "="))
            i += 2
        elif tok in _SYMBOL_OPS:
            out.append(("op", _SYMBOL_OPS[tok]))
        elif low in _WORD_OPS:
            out.append(("op", _WORD_OPS[low]))
        elif low in _EQUALS:
            out.append(("eq", low))
        elif tok in "()":
            out.append(("paren", tok))
        else:
            out.append(("break", tok))
        i += 1
    return out


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _agree(a: float, b: float, written: str | None) -> bool:
    """Whether two sides agree; a side written as a plain number may be rounded to the decimals it shows."""
    if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9):
        return True
    if written is None:
        return False
    decimals = len(written.split(".")[1]) if "." in written else 0
    slack = 0.5 * 10.0 ** (-decimals) if decimals else (0.5 if not float(a).is_integer() else 0.0)
    return abs(a - b) <= slack + 1e-12


def _evaluate(side: list[tuple[_Kind, str]]) -> float | None:
    from thinkdial.tools.calculator import evaluate

    text = " ".join(value.replace(",", "") for _, value in side)
    try:
        return float(evaluate(text))
    except (ValueError, ZeroDivisionError, OverflowError, ArithmeticError):
        return None


def _has_op(side: list[tuple[_Kind, str]]) -> bool:
    return any(kind == "op" for kind, _ in side[1:]) and sum(kind == "num" for kind, _ in side) >= 2


def _link(left: list[tuple[_Kind, str]], right: list[tuple[_Kind, str]]) -> bool | None:
    """Whether ``left = right`` holds; ``None`` when either side cannot be evaluated.

    Read both ways models write: an equality (``(2 + 3) * 4 = 5 * 4``) or a running computation whose
    next step starts from the result (``2 * 3 = 6 + 1 = 7``: 6 is the result, ``+ 1`` the next step).
    """
    a, b = _evaluate(left), _evaluate(right)
    if a is None or b is None:
        return None
    plain = right[0][1] if len(right) == 1 and right[0][0] == "num" else None
    if _agree(a, b, plain):
        return True
    lead = next((value for kind, value in right if kind == "num"), None)
    return _has_op(right) and lead is not None and _agree(a, _number(lead), lead)


def _chains(tokens: list[tuple[_Kind, str]]) -> list[list[list[tuple[_Kind, str]]]]:
    """Runs of arithmetic tokens split at their equals signs: ``[[side, side, ...], ...]``."""
    chains: list[list[list[tuple[_Kind, str]]]] = []
    sides: list[list[tuple[_Kind, str]]] = [[]]
    for kind, value in [*tokens, ("break", "")]:
        if kind == "break":
            if len(sides) >= 2 and all(sides[-2:]):  # "The answer is 2 + 6 = 8": drop the empty side before "is"
                chains.append([side for side in sides if side])
            sides = [[]]
        elif kind == "eq":
            sides.append([])
        else:
            sides[-1].append((kind, value))
    return chains


def _comparisons(tokens: list[tuple[_Kind, str]]) -> list[tuple[float, bool, float, str]]:
    """``a is [much] larger than b`` and ``a > b``: (a, a should be bigger, b, as written)."""
    found = []
    for i, (kind, value) in enumerate(tokens):
        if kind != "num":
            continue
        rest = [v.lower() for _, v in tokens[i + 1 : i + 6]]
        if rest[:1] == ["is"]:
            j = 2 if len(rest) > 1 and rest[1] in _HEDGES else 1
            if len(rest) > j + 2 and rest[j] in _BIGGER | _SMALLER and rest[j + 1] == "than" and tokens[i + j + 3][0] == "num":
                b = tokens[i + j + 3][1]
                found.append((_number(value), rest[j] in _BIGGER, _number(b), f"{value} is {rest[j]} than {b}"))
        elif rest[:1] in (["<"], [">"]) and i + 2 < len(tokens) and tokens[i + 2][0] == "num":
            b = tokens[i + 2][1]
            found.append((_number(value), rest[0] == ">", _number(b), f"{value} {rest[0]} {b}"))
    return found


def check_claims(text: str | None) -> ClaimCheck:
    """Find the arithmetic and numeric comparisons ``text`` states and check each exactly."""
    if not text:
        return ClaimCheck()
    tokens = _tokens(text)
    checked = false = 0
    first: str | None = None
    for sides in _chains(tokens):
        if not any(_has_op(side) for side in sides):
            continue  # "1 meter is 100 centimeters", "2023 is ...": no arithmetic to check
        known = [ok for ok in (_link(a, b) for a, b in zip(sides, sides[1:], strict=False)) if ok is not None]
        if not known:
            continue
        checked += 1
        if not all(known):
            false += 1
            first = first or " = ".join(" ".join(v for _, v in side) for side in sides)
    for a, bigger, b, written in _comparisons(tokens):
        checked += 1
        if (a > b) != bigger or a == b:
            false += 1
            first = first or written
    return ClaimCheck(checked=checked, false=false, first_false=first)
