"""Turn pydantic's JSON schemas into plain, self-contained ones.

Tool schemas are shown to models and fed to llama.cpp's JSON-schema-to-grammar
converter, so they must not use ``$ref``/``$defs`` and should not carry noise
such as auto-generated ``title`` keys.
"""

from __future__ import annotations

import json
from typing import Any

# Keys whose value maps *names* to subschemas (so a property called "title"
# is not mistaken for the ``title`` keyword).
_NAME_MAPS = ("properties", "patternProperties", "$defs", "definitions")


def clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Return ``schema`` with every ``$ref`` inlined, titles dropped and objects closed.

    Args:
        schema: A JSON schema as produced by pydantic (may contain ``$defs``).

    Returns:
        An equivalent schema without ``$ref``, ``$defs`` or ``title`` keys, in
        which every object schema that lists ``properties`` also says
        ``additionalProperties: false``.

    Raises:
        TypeError: The schema is recursive, so it cannot be inlined.
    """
    defs = dict(schema.get("$defs", {}))
    return _clean(schema, defs, ())


def _clean(node: Any, defs: dict[str, Any], seen: tuple[str, ...]) -> Any:
    """Recursive worker of :func:`clean_schema`; ``seen`` guards recursion."""
    if isinstance(node, list):
        return [_clean(item, defs, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            raise TypeError(f"recursive type {name!r} cannot be used in a tool schema")
        if name not in defs:
            raise TypeError(f"unresolvable schema reference {ref!r}")
        merged = {**defs[name], **{k: v for k, v in node.items() if k != "$ref"}}
        return _clean(merged, defs, seen + (name,))
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("$defs", "definitions"):
            continue
        if key == "title" and isinstance(value, str):
            continue
        if key in _NAME_MAPS and isinstance(value, dict):
            out[key] = {name: _clean(sub, defs, seen) for name, sub in value.items()}
        else:
            out[key] = _clean(value, defs, seen)
    if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def describe_type(schema: dict[str, Any]) -> str:
    """Describe the values a schema accepts in a few words, for error messages.

    Args:
        schema: A cleaned JSON schema (no ``$ref``).

    Returns:
        Text such as ``"integer"``, ``"array of string"`` or ``"one of 'a', 'b'"``.
    """
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(v) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(dict.fromkeys(describe_type(s) for s in schema[key]))
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(str(k) for k in kind)
    if kind == "array":
        items = schema.get("items")
        return f"array of {describe_type(items)}" if isinstance(items, dict) and items else "array"
    if kind == "object" and schema.get("properties"):
        return "object with keys " + ", ".join(schema["properties"])
    return str(kind) if kind else "any value"
