"""A safe arithmetic calculator tool.

Expressions are parsed with :mod:`ast` and evaluated by walking the tree; only
numbers, arithmetic operators, a fixed set of math functions and the constants
``pi`` and ``e`` are allowed. ``eval``/``exec`` are never used. Sizes are capped
(expression length, nesting depth, exponent and result magnitude, ``round``'s
digits) so no expression does unbounded big-integer work: a model cannot make
the process hang (big-integer arithmetic holds the GIL, so no timeout could
stop it) or exhaust memory.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import Field

from thinkdial.tools.base import tool

__all__ = ["calculator", "evaluate", "format_number", "normalize_expression"]

Number = int | float

MAX_LENGTH = 500  # characters of expression text
# Digits, operators, brackets and the known names only: constrained decoding
# (a llama.cpp grammar built from this schema) then cannot wander into prose.
_FUNCTION_PATTERN = r"(sqrt|abs|round|min|max|log|log10|exp|sin|cos|tan|floor|ceil)\("
EXPRESSION_PATTERN = rf"^([0-9(-]|pi|{_FUNCTION_PATTERN})([0-9 +*/().,^%-]|pi|{_FUNCTION_PATTERN})*$"
MAX_DEPTH = 40  # nesting depth of the syntax tree
MAX_INT_BITS = 1024  # integers of 2**1024 (~1.8e308) and beyond are refused
MAX_FLOAT = 1e300  # floats beyond this magnitude are refused

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_OPERATOR_NAMES: dict[type[ast.AST], str] = {
    ast.BitXor: "^ (xor)", ast.BitAnd: "&", ast.BitOr: "|", ast.LShift: "<<", ast.RShift: ">>",
    ast.MatMult: "@", ast.Invert: "~", ast.Not: "not",
}
_CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}


MAX_ROUND_DIGITS = 400
"""``round``'s digits beyond this change nothing (results stay below 2**1024, about 1e308), and
``round(1, -10**9)`` would otherwise build a billion-digit power of ten while holding the GIL."""


def _round(x: Number, ndigits: Number | None = None) -> Number:
    """``round`` that insists on an integer number of digits and never does unbounded work."""
    if ndigits is None:
        return round(x)
    if not float(ndigits).is_integer():
        raise ValueError("round: the number of digits must be an integer")
    digits = int(ndigits)
    if digits > MAX_ROUND_DIGITS:
        return x  # already exact to that many decimals
    if digits < -MAX_ROUND_DIGITS:
        return 0 if isinstance(x, int) else 0.0  # every allowed number rounds to zero
    return round(x, digits)


def _log(x: Number, base: Number | None = None) -> float:
    """Natural logarithm, or logarithm to ``base``."""
    return math.log(x) if base is None else math.log(x, base)


def _min(*args: Number) -> Number:
    if not args:
        raise ValueError("min needs at least one argument")
    return min(args)


def _max(*args: Number) -> Number:
    if not args:
        raise ValueError("max needs at least one argument")
    return max(args)


# name -> (function, minimum arguments, maximum arguments or None)
_FUNCTIONS: dict[str, tuple[Callable[..., Number], int, int | None]] = {
    "sqrt": (math.sqrt, 1, 1),
    "abs": (abs, 1, 1),
    "round": (_round, 1, 2),
    "min": (_min, 1, None),
    "max": (_max, 1, None),
    "log": (_log, 1, 2),
    "ln": (math.log, 1, 1),
    "log10": (math.log10, 1, 1),
    "exp": (math.exp, 1, 1),
    "sin": (math.sin, 1, 1),
    "cos": (math.cos, 1, 1),
    "tan": (math.tan, 1, 1),
    "floor": (math.floor, 1, 1),
    "ceil": (math.ceil, 1, 1),
}

_TIMES = re.compile(r"(?<=[\d.)])\s*[xX×·]\s*(?=[\d.(]|[A-Za-z_])")
_THOUSANDS = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?![\d,])")


def normalize_expression(expression: str) -> str:
    """Rewrite common habits of models into Python arithmetic.

    ``x``/``×``/``·`` between operands become ``*``, ``÷`` becomes ``/``, ``^``
    becomes ``**``, a Unicode minus becomes ``-``, thousands separators inside
    numbers outside function calls (``1,000``) are dropped, and a trailing
    ``=`` is removed.
    """
    text = expression.strip()
    text = text.replace("−", "-").replace("÷", "/").replace("^", "**")
    text = re.sub(r"=+\s*\??$", "", text).strip()
    text = _TIMES.sub("*", text)
    return _strip_thousands(text)


def _strip_thousands(text: str) -> str:
    """Drop the commas of ``1,234,567``-style numbers that are not function arguments."""
    out: list[str] = []
    pos = 0
    for match in _THOUSANDS.finditer(text):
        if _inside_call(text, match.start()):
            continue
        out.append(text[pos : match.start()])
        out.append(match.group().replace(",", ""))
        pos = match.end()
    out.append(text[pos:])
    return "".join(out)


def _inside_call(text: str, index: int) -> bool:
    """Whether ``index`` lies inside the parentheses of a function call such as ``max(...)``."""
    stack: list[bool] = []
    for i, char in enumerate(text[:index]):
        if char == "(":
            before = text[:i].rstrip()
            stack.append(bool(before) and (before[-1].isalnum() or before[-1] == "_"))
        elif char == ")" and stack:
            stack.pop()
    return any(stack)


def evaluate(expression: str) -> Number:
    """Evaluate an arithmetic expression safely.

    Args:
        expression: Text such as ``"2 * (3 + 4) ^ 2"`` or ``"sqrt(16) + 1,000"``.

    Returns:
        The value as an ``int`` or ``float``.

    Raises:
        ValueError: The expression is malformed, uses something not allowed,
            divides by zero, leaves a function's domain or is too large.
    """
    if not isinstance(expression, str):
        raise ValueError("the expression must be a string")
    if len(expression) > MAX_LENGTH:
        raise ValueError(f"expression too long ({len(expression)} characters; the limit is {MAX_LENGTH})")
    text = normalize_expression(expression)
    if not text:
        raise ValueError("empty expression")
    if _paren_depth(text) > MAX_DEPTH:
        raise ValueError(f"expression nested too deeply (limit {MAX_DEPTH} levels)")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"could not parse {expression.strip()!r}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ValueError(f"expression nested too deeply (limit {MAX_DEPTH} levels)") from None
    return _Evaluator().visit(tree.body, 0)


def _paren_depth(text: str) -> int:
    """Deepest parenthesis nesting in ``text``."""
    depth = deepest = 0
    for char in text:
        if char in "([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]":
            depth -= 1
    return deepest


class _Evaluator:
    """Walks an expression tree, allowing only arithmetic."""

    def visit(self, node: ast.AST, depth: int) -> Number:
        """Evaluate ``node``; ``depth`` guards against deep nesting."""
        if depth > MAX_DEPTH:
            raise ValueError(f"expression nested too deeply (limit {MAX_DEPTH} levels)")
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.BinOp):
            left = self.visit(node.left, depth + 1)
            right = self.visit(node.right, depth + 1)
            return _check(self._binary(node.op, left, right))
        if isinstance(node, ast.UnaryOp):
            operand = self.visit(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return +operand
            raise ValueError(f"operator {_OPERATOR_NAMES.get(type(node.op), type(node.op).__name__)} is not allowed")
        if isinstance(node, ast.Name):
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
            hint = f" (did you mean {node.id}(...)?)" if node.id in _FUNCTIONS else ""
            raise ValueError(f"unknown name {node.id!r}{hint}; only the constants pi and e are allowed")
        if isinstance(node, ast.Call):
            return _check(self._call(node, depth))
        raise ValueError(_not_allowed(node))

    @staticmethod
    def _constant(node: ast.Constant) -> Number:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"only numbers are allowed, not {type(value).__name__} {value!r}")
        return _check(value)

    @staticmethod
    def _binary(op: ast.operator, left: Number, right: Number) -> Number:
        if isinstance(op, ast.Pow):
            return _power(left, right)
        func = _BINARY.get(type(op))
        if func is None:
            raise ValueError(f"operator {_OPERATOR_NAMES.get(type(op), type(op).__name__)} is not allowed")
        try:
            return func(left, right)  # type: ignore[no-any-return,unused-ignore]
        except ZeroDivisionError:
            raise ValueError("division by zero") from None
        except OverflowError:
            raise ValueError("result too large") from None

    def _call(self, node: ast.Call, depth: int) -> Number:
        if not isinstance(node.func, ast.Name):
            raise ValueError(_not_allowed(node.func))
        name = node.func.id
        if name not in _FUNCTIONS:
            allowed = ", ".join(_FUNCTIONS)
            raise ValueError(f"function {name!r} is not allowed; available functions: {allowed}")
        if node.keywords:
            raise ValueError(f"{name}: keyword arguments are not allowed")
        func, least, most = _FUNCTIONS[name]
        args = [self.visit(arg, depth + 1) for arg in node.args]
        if len(args) < least or (most is not None and len(args) > most):
            count = str(least) if least == most else f"{least} to {most}" if most else f"at least {least}"
            raise ValueError(f"{name} takes {count} argument(s), got {len(args)}")
        try:
            return func(*args)
        except ZeroDivisionError:
            raise ValueError(f"{name}: division by zero") from None
        except OverflowError:
            raise ValueError(f"{name}: result too large") from None
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{name}({', '.join(format_number(a) for a in args)}): {exc}") from None


def _power(base: Number, exponent: Number) -> Number:
    """``base ** exponent`` with a size check before computing."""
    if base == 0 and exponent < 0:
        raise ValueError("division by zero (zero to a negative power)")
    magnitude = abs(base)
    if magnitude > 1 and exponent > 0 and exponent * math.log2(magnitude) > MAX_INT_BITS:
        raise ValueError("result too large (exponent too big)")
    if 0 < magnitude < 1 and exponent < 0 and -exponent * -math.log2(magnitude) > MAX_INT_BITS:
        raise ValueError("result too large (exponent too big)")
    try:
        result = base**exponent
    except OverflowError:
        raise ValueError("result too large") from None
    except ZeroDivisionError:
        raise ValueError("division by zero") from None
    if isinstance(result, complex):
        raise ValueError("result is not a real number (fractional power of a negative number)")
    return result


def _check(value: Any) -> Number:
    """Refuse non-numbers, NaN/infinity and results beyond the magnitude caps."""
    if isinstance(value, complex):
        raise ValueError("result is not a real number")
    if isinstance(value, int):
        if value.bit_length() > MAX_INT_BITS:
            raise ValueError("result too large")
        return value
    if isinstance(value, float):
        if math.isnan(value):
            raise ValueError("result is not a number (NaN)")
        if math.isinf(value) or abs(value) > MAX_FLOAT:
            raise ValueError("result too large")
        return value
    raise ValueError(f"unexpected value of type {type(value).__name__}")


def _not_allowed(node: ast.AST) -> str:
    """Message for a syntax element outside arithmetic."""
    names = {
        ast.Attribute: "attribute access",
        ast.Lambda: "lambda",
        ast.Subscript: "indexing",
        ast.Compare: "comparison",
        ast.BoolOp: "boolean operator",
        ast.IfExp: "conditional expression",
        ast.List: "list", ast.Tuple: "tuple", ast.Dict: "dict", ast.Set: "set",
        ast.ListComp: "comprehension", ast.GeneratorExp: "comprehension",
        ast.SetComp: "comprehension", ast.DictComp: "comprehension",
        ast.NamedExpr: "assignment", ast.Starred: "starred expression",
        ast.JoinedStr: "string", ast.Await: "await", ast.Yield: "yield",
    }
    what = names.get(type(node), type(node).__name__)
    return f"{what} is not allowed; use numbers, + - * / // % **, parentheses and math functions"


def format_number(value: Number) -> str:
    """Integers (and integral floats) without a decimal point, others to 12 significant digits."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.12g}"
    return "0" if text == "-0" else text


_DESCRIPTION = (
    "Evaluate an arithmetic expression and return the result. Supports + - * / // % ** (or ^), "
    "parentheses, sqrt, abs, round, min, max, log, log10, exp, sin, cos, tan, floor, ceil and pi."
)


@tool(description=_DESCRIPTION)
def calculator(expression: Annotated[str, Field(pattern=EXPRESSION_PATTERN, max_length=MAX_LENGTH)]) -> str:
    """Evaluate an arithmetic expression and return the result.

    Supports + - * / // % ** (or ^), parentheses, the functions sqrt, abs,
    round, min, max, log, log10, exp, sin, cos, tan, floor, ceil and the
    constant pi (``evaluate`` also knows ``e``; the tool's schema leaves it
    out so a grammar cannot spell words out of single letters).

    Args:
        expression: The arithmetic to evaluate, e.g. "37 * 48" or "sqrt(2) / 3".
    """
    return format_number(evaluate(expression))
