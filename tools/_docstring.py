"""Parse a function's docstring into a summary and per-argument descriptions.

Only the parts a tool schema needs are read: the first paragraph (the tool's
description) and the argument descriptions, in any common style: Google
(``Args:``), NumPy (``Parameters`` / ``----------``), reST / Sphinx
(``:param x:``) and Epydoc (``@param x:``), parsed with ``docstring_parser``.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

_ARGS_HEADERS = {"args", "arguments", "parameters", "params", "keyword args", "keyword arguments"}
# "name (type): description" or "name: description"; name may carry leading stars.
_ENTRY = re.compile(r"^\*{0,2}(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\([^)]*\))?\s*:\s*(?P<desc>.*)$")


@dataclass
class ParsedDocstring:
    """The pieces of a docstring a tool schema uses."""

    summary: str = ""
    args: dict[str, str] = field(default_factory=dict)


def parse_docstring(doc: str | None) -> ParsedDocstring:
    """Split ``doc`` into its first paragraph and its argument descriptions.

    Args:
        doc: The raw docstring (may be ``None``).

    Returns:
        The summary (first paragraph, lines joined by spaces) and a mapping of
        argument name to description (continuation lines joined by spaces).
        Leading stars (``*args``, ``**kwargs``) are dropped from names.
    """
    if not doc or not doc.strip():
        return ParsedDocstring()
    from docstring_parser import ParseError, parse

    text = inspect.cleandoc(doc)
    # Google sections docstring_parser misses ("Keyword Args:", a docstring that starts with "Args:").
    args: dict[str, str] = _args_section(text.splitlines())
    try:
        parsed = parse(text)
    except ParseError:  # a malformed section: keep what the Google reader found
        return ParsedDocstring(summary=_first_paragraph(text), args=args)
    for param in parsed.params:
        name = param.arg_name.split()[-1].lstrip("*") if param.arg_name else ""
        if name and param.description:
            args[name] = " ".join(param.description.split())
    summary = " ".join((parsed.short_description or "").split())
    if parsed.short_description and not parsed.blank_after_short_description and parsed.long_description:
        # a summary wrapped over several lines: docstring_parser splits it after the first line
        summary = _first_paragraph(text)
    return ParsedDocstring(summary=summary or _first_paragraph(text, stop_at_sections=True), args=args)


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


_SECTION_STARTS = (":param", ":type", ":return", ":raises", "@param", "@return", "@raise")


def _first_paragraph(text: str, stop_at_sections: bool = True) -> str:
    """The first paragraph of ``text``, stopping at a section header or a field list."""
    out: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            if out:
                break
            continue
        if stop_at_sections and (stripped.startswith(_SECTION_STARTS) or (stripped.endswith(":") and stripped[:-1].istitle())):
            break
        out.append(stripped)
    return " ".join(out)
