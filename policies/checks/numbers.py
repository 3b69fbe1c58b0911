"""Reading numbers in text: arithmetic chains, numeric comparisons and number properties, each judged exactly.

``2 * 3 = 6 + 1 = 7``, ``78 is larger than 104``, ``9 is not prime``: the loose
readings the arithmetic, comparison and number-property checks share. They read
what small models write ("3 x 4 is 12", "15 is indeed greater than 51"), so they
are signals for the difficulty estimate, never certain: the certain reading of
an identity is :mod:`thinkdial.policies.checks.arithmetic`'s. Every function here
runs in one linear pass, and numbers are bounded before any arithmetic on them.
"""

from __future__ import annotations

import math
import re

__all__ = ["arithmetic_chain_claims", "comparison_claims", "is_prime", "numeric_claims", "property_claims"]

MAX_DIGITS = 30
"""Numbers with more digits are not read: arithmetic on them stays bounded."""

_TOKEN = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?|[A-Za-z]+|\S")
_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_SYMBOL_OPS = {"+": "+", "-": "-", "−": "-", "*": "*", "x": "*", "X": "*", "×": "*", "·": "*", "/": "/", "÷": "/"}
_WORD_OPS = {"plus": "+", "minus": "-", "times": "*"}
_TWO_WORD_OPS = {("multiplied", "by"): "*", ("divided", "by"): "/"}
_EQUALS = {"=", "equals", "is", "makes", "gives"}
_BIGGER = {"larger", "bigger", "greater", "more", "higher", "longer", "heavier", "older"}
_SMALLER = {"smaller", "less", "lower", "fewer", "shorter", "lighter", "younger"}
_QUALIFIERS_OR_NOT = {"a", "an", "much", "slightly", "indeed", "actually", "definitely", "clearly", "also", "still", "far",
                      "not"}
_PROPERTY = re.compile(
    r"(?<![\w.,])(?P<n>\d{1,3}(?:,\d{3})*|\d+)\s+is\s+(?P<not>not\s+)?(?:(?:indeed|also|actually|definitely|clearly)\s+)?"
    r"(?P<not2>not\s+)?(?:(?:(?:a|an)\s+)?(?P<kind>prime|composite|even|odd)(?=\s+number|\s*[.,;!]|\s*$|\s+(?:and|but|because|since))"
    r"|(?:evenly\s+|exactly\s+)?divisible\s+by\s+(?P<d>\d+)|a\s+multiple\s+of\s+(?P<d2>\d+))",
    re.IGNORECASE,
)

_Kind = str  # "num" | "op" | "eq" | "paren" | "break"


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
    """``a is [indeed, not, much] larger than b`` and ``a > b``: (a, a should be bigger, b, as written).

    "a is not larger than b" is read as "a is smaller than or equal to b": as the claim that b is larger
    than a, with equality allowed.
    """
    found = []
    for i, (kind, value) in enumerate(tokens):
        if kind != "num":
            continue
        rest = [v.lower() for _, v in tokens[i + 1 : i + 9]]
        if rest[:1] == ["is"]:
            j, negated = 1, False
            while j < min(len(rest), 4) and rest[j] in _QUALIFIERS_OR_NOT:
                negated ^= rest[j] == "not"
                j += 1
            than = j + 2 if rest[j + 1 : j + 2] == ["number"] else j + 1  # "5 is a bigger number than 3"
            if len(rest) > than + 1 and rest[j] in _BIGGER | _SMALLER and rest[than] == "than" and tokens[i + than + 2][0] == "num":
                b = tokens[i + than + 2][1]
                said = " ".join(v for _, v in tokens[i : i + than + 3])
                bigger = rest[j] in _BIGGER
                if negated:
                    found.append((_number(b), bigger, _number(value), said))
                else:
                    found.append((_number(value), bigger, _number(b), said))
        elif rest[:1] in (["<"], [">"]) and i + 2 < len(tokens) and tokens[i + 2][0] == "num":
            b = tokens[i + 2][1]
            found.append((_number(value), rest[0] == ">", _number(b), f"{value} {rest[0]} {b}"))
    return found


_MR_BASES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)
"""Miller-Rabin with these bases is exact for every n < 3.3 * 10**24."""


def is_prime(n: int) -> bool:
    """Whether ``n`` is prime: a deterministic Miller-Rabin test for ``n < 3.3e24``. Larger ``n`` raise ValueError."""
    if n >= 3_317_044_064_679_887_385_961_981:
        raise ValueError("too large to test exactly")
    if n < 2:
        return False
    for p in _MR_BASES:
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in _MR_BASES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def property_claims(text: str) -> list[tuple[bool, str]]:
    """``9 is not a prime number``, ``10 is an odd number``, ``100 is divisible by 3`` (numbers of at most 24 digits)."""
    found = []
    for m in _PROPERTY.finditer(text):
        digits = m["n"].replace(",", "")
        divisor = m["d"] or m["d2"]
        if len(digits) > 24 or (divisor is not None and len(divisor) > MAX_DIGITS):
            continue
        n, negated = int(digits), bool(m["not"] or m["not2"])
        if m["kind"]:
            kind = m["kind"].lower()
            if kind in ("prime", "composite"):
                prime = is_prime(n)
                holds = prime if kind == "prime" else n > 3 and not prime
            else:
                holds = n % 2 == (0 if kind == "even" else 1)
        else:
            d = int(divisor)
            if d == 0:
                continue
            holds = n % d == 0
        found.append((holds != negated, m.group(0)))
    return found


def arithmetic_chain_claims(text: str) -> list[tuple[bool, str]]:
    """Every arithmetic chain ``text`` states, read loosely ("3 x 4 is 12"): (holds, as written)."""
    tokens = _tokens(text.replace("n't", " not"))
    found: list[tuple[bool, str]] = []
    for sides in _chains(tokens):
        if not any(_has_op(side) for side in sides):
            continue  # "1 meter is 100 centimeters", "2023 is ...": no arithmetic to check
        known = [ok for ok in (_link(a, b) for a, b in zip(sides, sides[1:], strict=False)) if ok is not None]
        if known:
            found.append((all(known), " = ".join(" ".join(v for _, v in side) for side in sides)))
    return found


def comparison_claims(text: str) -> list[tuple[bool, str]]:
    """Every numeric comparison ``text`` states ("78 is larger than 104", "5 > 3"): (holds, as written)."""
    tokens = _tokens(text.replace("n't", " not"))
    return [((a > b) == bigger and a != b, written) for a, bigger, b, written in _comparisons(tokens)]


def numeric_claims(text: str) -> list[tuple[bool, str]]:
    """Every arithmetic chain, numeric comparison and number property ``text`` states: (holds, as written)."""
    return arithmetic_chain_claims(text) + comparison_claims(text) + property_claims(text)
