"""Parse a function's docstring into a summary and per-argument descriptions.

Only the parts a tool schema needs are read: the first paragraph (the tool's
description) and a Google-style ``Args:`` section (argument descriptions).
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

_ARGS_HEADERS = {"args", "arguments", "parameters", "params", "keyword args", "keyword arguments"}
# "name (type): description" or "name: description"; name may carry leading stars.
_ENTRY = re.compile(r"^\*{0,2}(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\([^)]*\))?\s*:\s*(?P<desc>.*)$")
_SECTION = re.compile(r"^[A-Z][A-Za-z ]*:\s*$")


@dataclass
class ParsedDocstring:
    """The pieces of a docstring a tool schema uses."""

    summary: str = ""
    args: dict[str, str] = field(default_factory=dict)


def parse_docstring(doc: str | None) -> ParsedDocstring:
    """Split ``doc`` into its first paragraph and its ``Args:`` entries.

    Args:
        doc: The raw docstring (may be ``None``).

    Returns:
        The summary (first paragraph, lines joined by spaces) and a mapping of
        argument name to description (continuation lines joined by spaces).
    """
    if not doc:
        return ParsedDocstring()
    lines = inspect.cleandoc(doc).splitlines()
    return ParsedDocstring(summary=_summary(lines), args=_args_section(lines))


def _summary(lines: list[str]) -> str:
    """Return the first paragraph, stopping early at a section header."""
    paragraph: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            if paragraph:
                break
            continue
        if _SECTION.match(stripped) and stripped[:-1].strip().lower() in _KNOWN_SECTIONS:
            break
        paragraph.append(stripped)
    return " ".join(paragraph)


_KNOWN_SECTIONS = _ARGS_HEADERS | {
    "returns", "return", "yields", "raises", "examples", "example", "note", "notes",
    "attributes", "see also", "warning", "warnings", "todo",
}


def _args_section(lines: list[str]) -> dict[str, str]:
    """Collect ``name: description`` entries from the ``Args:`` section."""
    args: dict[str, str] = {}
    in_section = False
    entry_indent: int | None = None
    current: str | None = None
    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if not in_section:
            if stripped.rstrip(":").strip().lower() in _ARGS_HEADERS and stripped.endswith(":"):
                in_section, entry_indent, current = True, None, None
            continue
        if not stripped:
            continue
        if indent == 0:  # a new section (or prose) ends the Args block
            in_section = False
            if stripped.rstrip(":").strip().lower() in _ARGS_HEADERS and stripped.endswith(":"):
                in_section, entry_indent, current = True, None, None
            continue
        if entry_indent is None:
            entry_indent = indent
        match = _ENTRY.match(stripped)
        if indent <= entry_indent and match:
            current = match.group("name")
            args[current] = match.group("desc").strip()
        elif current is not None:
            args[current] = f"{args[current]} {stripped}".strip()
    return args
