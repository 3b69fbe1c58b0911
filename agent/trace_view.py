"""``thinkdial trace FILE``: a readable view of a recorded run."""

from __future__ import annotations

import re
from pathlib import Path

from thinkdial.errors import ThinkdialError
from thinkdial.trace import SCHEMA_VERSION, load_trace


def print_trace(path: str | Path) -> None:
    """Print each step of a JSON Lines trace: draft, signals, route, tools, verification, final."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    file = Path(path)
    if not file.exists():
        raise ThinkdialError(f"Trace file not found: {file}.", "Record one with: thinkdial run TASK --trace FILE")
    try:
        loaded = load_trace(file)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ThinkdialError(f"{file} is not a thinkdial trace: {str(exc).splitlines()[0]}.", "") from exc
    events = loaded.events
    console = Console()
    notes = Console(stderr=True)
    if loaded.schema_version is not None and loaded.schema_version > SCHEMA_VERSION:
        notes.print(
            f"note: {file} was written by a newer thinkdial (trace schema {loaded.schema_version}, "
            f"this one reads {SCHEMA_VERSION}); showing what this version understands.",
            markup=False, highlight=False,
        )
    if loaded.skipped:
        kinds = ", ".join(f"{k} ({n})" for k, n in sorted(loaded.skipped.items()))
        notes.print(f"note: skipped events of types this thinkdial does not know: {kinds}", markup=False, highlight=False)
    table = Table(show_header=True, header_style="bold", expand=True)
    for col in ("step", "event", "details"):
        table.add_column(col, overflow="fold")
    for e in events:
        details = _describe(e)
        if details is not None:
            table.add_row(str(e.step), e.type, Text(sanitize(details)))
    console.print(table)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def sanitize(text: str) -> str:
    """``text`` safe for a terminal: control characters (escape sequences, OSC links, bells) shown escaped."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def _describe(e: object) -> str | None:
    t = getattr(e, "type", "")
    if t == "run_started":
        return f"task={e.task!r} policy={e.policy} fast={e.fast} thinker={e.thinker} budget={e.budget}"  # type: ignore[attr-defined]
    if t == "draft":
        return f"{e.text[:200]!r} ({e.finish_reason})"  # type: ignore[attr-defined]
    if t == "signals":
        sig = ", ".join(f"{k}={v:.3g}" for k, v in e.signals.items())  # type: ignore[attr-defined]
        return f"difficulty {e.difficulty:.2f} [{e.stage}] {sig}"  # type: ignore[attr-defined]
    if t == "route":
        lvl = f" {e.level} ({e.thinking_budget} tokens)" if e.level else ""  # type: ignore[attr-defined]
        return f"{e.action} → {e.route}{lvl}: {e.reason}"  # type: ignore[attr-defined]
    if t == "budget_check":
        verdict = "ok" if e.allowed else "REFUSED"  # type: ignore[attr-defined]
        return f"{e.purpose} on {e.model}: prompt {e.prompt_tokens}, max_tokens {e.requested_tokens}→{e.allowed_tokens} {verdict} {e.reason}"  # type: ignore[attr-defined]
    if t == "model_called":
        u = e.usage  # type: ignore[attr-defined]
        return f"{e.purpose} on {e.model}: {u.total_tokens} tokens, ${u.cost_usd:.6f}, {u.seconds:.2f}s"  # type: ignore[attr-defined]
    if t == "tool_call":
        return f"{e.name}({e.arguments})"  # type: ignore[attr-defined]
    if t == "tool_result":
        return f"{e.name} → {'ok' if e.ok else 'error'}: {e.content[:200]}"  # type: ignore[attr-defined]
    if t == "thinking":
        return e.text[:300]  # type: ignore[attr-defined]
    if t == "verification":
        return f"p(correct)={e.probability} passed={e.passed}"  # type: ignore[attr-defined]
    if t == "revision":
        return f"revision {e.revision}: {e.text[:200]!r}"  # type: ignore[attr-defined]
    if t == "final":
        u = e.usage  # type: ignore[attr-defined]
        return f"{e.stop_reason}: {e.output[:300]!r} — {u.total_tokens} tokens, ${u.cost_usd:.6f} {e.message}"  # type: ignore[attr-defined]
    return None
