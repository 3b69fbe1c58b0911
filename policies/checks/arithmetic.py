"""The arithmetic check: identities a reply writes out (``23 * 14 = 322``), evaluated exactly.

Two readings. The **certain** one reads only a complete identity written with
``=`` and the standard symbols (digits, ``+ - * / × ÷ ·``, brackets) on a line
that holds nothing that could change that reading: no letters, ``%``, ``^``,
``:`` or units attached to the numbers, no code, no words such as "mod",
"binary", "about", "integer" or "o'clock" on the line, nothing after the result
but the end of the clause. Only a false claim read this way may act on an
answer. The **loose** one (the ``x`` of ``3 x 4``, "plus", "is", "makes") is a
signal for the difficulty estimate only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from thinkdial.policies.checks.base import Claim
from thinkdial.policies.checks.numbers import arithmetic_chain_claims
from thinkdial.policies.reading.question import Question

__all__ = ["ArithmeticCheck", "certain_identities"]

_TOKEN = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?|[^\W\d_]+|\S")
_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_OPS = {"+": "+", "-": "-", "\u2212": "-", "*": "*", "\u00d7": "*", "\u00b7": "*", "/": "/", "\u00f7": "/"}
_MAX_NUMBER_DIGITS = 30
"""Numbers longer than this are not evaluated (bounded arithmetic)."""
_MAX_LINE_CHARS = 2000
_CHANGES_THE_READING = re.compile(
    r"%|\^|\*\*|//|\u2261|\u2248|~|!|\u00b0|\$|\u20ac|\u00a3|"
    r"\b(?:mod|modulo|modular|remainder|base|binary|hex|hexadecimal|octal|bits?|bytes?|clock|o'clock|am|pm|"
    r"hours?|minutes?|integer|int|floor|ceil|ceiling|round|rounded|rounding|rounds|truncated?|truncat\w*|"
    r"approximately|approx|about|roughly|around|nearly|almost|estimate\w*|python|java|javascript|c|cpp|rust|go|"
    r"code|returns?|prints?|evaluates?|overflow\w*|wraps?|signed|unsigned|degrees?|radians?|vector\w*|matri\w+|"
    r"modulus|gcd|lcm|log|sqrt|factorial|percent|ratio|odds|scale|if|suppose|assume|wrong|incorrect|not|mistake|"
    r"error|typo|instead|isn't|false|claims?|says?|thought|think)\b",
    re.IGNORECASE,
)
"""Anything on a line that could make a written identity mean something else than decimal arithmetic
(or say it is not being asserted: "it is wrong that 2 + 2 = 5")."""
_BULLET = re.compile(r"^\s*(?:[-*+\u2022>]|\d{1,3}[.)]|[a-z][.)])\s+")
_FOLLOWERS_OK = frozenset(
    "and so which then thus hence therefore giving gives making makes is as because since but or that this "
    "the a an in total altogether overall".split()
)
"""Words that may follow an identity without changing what it says (``... = 7, so ...``)."""


def _evaluate(text: str) -> float | None:
    from thinkdial.tools.calculator import evaluate

    try:
        value = float(evaluate(text))
    except (ValueError, ZeroDivisionError, OverflowError, ArithmeticError, RecursionError, MemoryError):
        return None
    return value if math.isfinite(value) else None


def _agree(computed: float, written: float, plain: str | None) -> bool:
    """Whether a computed value and a written one agree; a plain written number may be rounded or cut to its decimals."""
    if math.isclose(computed, written, rel_tol=1e-9, abs_tol=1e-9):
        return True
    if plain is None or "." not in plain:
        return False
    decimals = len(plain.split(".")[1])
    return abs(computed - written) <= 10.0 ** (-decimals) + 1e-12


def _in_code(line: str) -> bool:
    stripped = line.lstrip()
    return "`" in line or stripped.startswith((">>>", "$ ", "#", "//", "    ", "\t"))


def certain_identities(text: str) -> list[Claim]:
    """Every identity ``text`` writes that can be read with certainty, each judged exactly."""
    out: list[Claim] = []
    fenced = False
    for raw_line in text.splitlines():
        if raw_line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced or len(raw_line) > _MAX_LINE_CHARS or "=" not in raw_line or _in_code(raw_line):
            continue
        if _CHANGES_THE_READING.search(raw_line):
            continue
        out.extend(_line_identities(_BULLET.sub(lambda m: " " * len(m.group(0)), raw_line, count=1)))
    return out


def _line_identities(line: str) -> list[Claim]:
    tokens = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(line)]
    claims: list[Claim] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i][0]
        if not (_NUMBER.fullmatch(tok) or tok in _OPS or tok == "("):
            i += 1
            continue
        j = i
        while j < len(tokens) and (_NUMBER.fullmatch(tokens[j][0]) or tokens[j][0] in _OPS or tokens[j][0] in "()="):
            j += 1
        claim = _read_chain(line, tokens, i, j)
        if claim is not None:
            claims.append(claim)
        i = j + 1
    return claims


def _read_chain(line: str, tokens: list[tuple[str, int, int]], i: int, j: int) -> Claim | None:
    start, end = tokens[i][1], tokens[j - 1][2]
    before = line[start - 1] if start > 0 else " "
    after = line[end : end + 2] or " "
    if before.isalnum() or before in ".,:/_-'\"":
        return None  # "x2 + 1", "10:30 + 2", "v3.1 + 1": something is attached in front
    if after[:1].isalnum() or after[:1] in "(/:_'\"" or (after[:1] in ".," and after[1:2].isdigit()):
        return None  # "= 7x", "= 3.14...", "= 2:30", "= 1,5"
    if line[end : end + 3] in ("...",) or line[end : end + 1] == "\u2026":
        return None
    follower = tokens[j][0].lower() if j < len(tokens) else ""
    if follower and follower.isalpha() and follower not in _FOLLOWERS_OK:
        return None  # "= 3 remainder 1", "= 10 in binary", "= 7 apples"
    sides: list[list[str]] = [[]]
    for tok, _, _ in tokens[i:j]:
        if tok == "=":
            sides.append([])
        else:
            sides[-1].append(tok)
    if len(sides) < 2 or not all(sides) or any(len(n.replace(",", "")) > _MAX_NUMBER_DIGITS for s in sides for n in s):
        return None
    if not any(_has_operation(s) for s in sides):
        return None  # "1 = 1", "100 = 100": nothing computed
    for side in sides:
        for a, b in zip(side, side[1:], strict=False):
            if (_NUMBER.fullmatch(a) and b == "(") or (a == ")" and (b == "(" or _NUMBER.fullmatch(b))):
                return None  # implicit multiplication: "2(3 + 4)"
    values = [_evaluate(" ".join(_OPS.get(t, t).replace(",", "") for t in side)) for side in sides]
    if any(v is None for v in values):
        return None
    written = " = ".join(" ".join(side) for side in sides)
    holds = all(_link(a, b, va, vb) for a, b, va, vb in zip(sides, sides[1:], values, values[1:], strict=False))
    return Claim(written, holds, certain=True, check="arithmetic")


def _has_operation(side: Sequence[str]) -> bool:
    return sum(1 for t in side if _NUMBER.fullmatch(t)) >= 2 and any(t in _OPS for t in side[1:])


def _link(left: Sequence[str], right: Sequence[str], a: float | None, b: float | None) -> bool:
    """``left = right``: an equality, or a running computation whose next step starts from the result (``2 * 3 = 6 + 1``)."""
    assert a is not None and b is not None
    plain = right[0] if len(right) == 1 else None
    if _agree(a, b, plain):
        return True
    lead = next((t for t in right if _NUMBER.fullmatch(t)), None)
    if lead is None or not _has_operation(right) or right[0] != lead:
        return False
    return _agree(a, float(lead.replace(",", "")), lead)


class ArithmeticCheck:
    """Arithmetic identities: certain where written unambiguously with ``=``, a signal otherwise."""

    name = "arithmetic"

    def claims(self, reply: str, question: Question) -> list[Claim]:
        certain = certain_identities(reply)
        read = {tuple(_NUMBER.findall(c.text)) for c in certain}
        loose = [Claim(text, holds, False, self.name) for holds, text in arithmetic_chain_claims(reply)
                 if tuple(_NUMBER.findall(text)) not in read]  # the same identity read both ways counts once
        return certain + loose
