"""Checks for the open-ended suite's code tasks: the answer's code is run against unit tests.

The code runs in a separate Python process with a timeout (never in the
benchmark's own process); a task passes when its tests pass.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from typing import Any

_FENCE = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.S)

TESTS: dict[str, str] = {
    "reverse": "f = next(v for k, v in ns.items() if callable(v) and 'rev' in k.lower())\n"
    "assert f('hello') == 'olleh' and f('') == '' and f('ab') == 'ba'",
    "palindrome": "f = next(v for k, v in ns.items() if callable(v) and 'pal' in k.lower())\n"
    "assert f('racecar') and f('abba') and not f('hello')",
    "factorial": "f = next(v for k, v in ns.items() if callable(v) and 'fact' in k.lower())\n"
    "assert f(0) == 1 and f(5) == 120 and f(1) == 1",
    "maximum": "f = next(v for k, v in ns.items() if callable(v) and not k.startswith('_'))\n"
    "assert f([3, 9, 2]) == 9 and f([-5, -2]) == -2",
}


def code_of(answer: str) -> str:
    """The code in an answer: its fenced blocks; else what comes before a stray fence; else the answer itself."""
    blocks = _FENCE.findall(answer)
    return "\n".join(blocks) if blocks else answer.split("```")[0]


def passes(answer: str, test: str) -> bool:
    """Whether the answer's code passes the named unit test, run in a child Python with a 10 s timeout."""
    program = "ns = {}\nexec(compile(CODE, 'answer', 'exec'), ns)\n" + TESTS[test]
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", f"CODE = {code_of(answer)!r}\n" + textwrap.dedent(program)],
            capture_output=True, timeout=10,
        )
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def reverse_ok(output: str, task: dict[str, Any]) -> bool:
    """A function reversing a string."""
    return passes(output, "reverse")


def palindrome_ok(output: str, task: dict[str, Any]) -> bool:
    """A function telling palindromes."""
    return passes(output, "palindrome")


def factorial_ok(output: str, task: dict[str, Any]) -> bool:
    """A factorial function."""
    return passes(output, "factorial")


def maximum_ok(output: str, task: dict[str, Any]) -> bool:
    """A function returning a list's largest number."""
    return passes(output, "maximum")
