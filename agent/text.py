"""Text a model wrote, made safe to encode: lone surrogates become U+FFFD.

A server may send ``"\\ud800"`` as a JSON escape; Python decodes it into a string that has no UTF-8
form, and writing it (a trace file, the terminal, the next request) raises ``UnicodeEncodeError``.
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")

REPLACEMENT = "\ufffd"


def encodable(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (the same string when there is none)."""
    return _SURROGATE.sub(REPLACEMENT, text) if _SURROGATE.search(text) else text


def encodable_data(value: Any) -> Any:
    """``value`` (JSON-like: dicts, lists, strings, numbers) with every string made :func:`encodable`."""
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, dict):
        return {encodable_data(k): encodable_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encodable_data(v) for v in value]
    return value
