"""``thinkdial trace FILE``: a readable view of a recorded run."""

from __future__ import annotations

from pathlib import Path

from thinkdial.errors import ThinkdialError
from thinkdial.trace import read_trace


def print_trace(path: str | Path) -> None:
    """Print each step of a JSON Lines trace: draft, signals, route, tools, verification, final."""
    from rich.console import Console
    from rich.table import Table

    file = Path(path)
    if not file.exists():
        raise ThinkdialError(f"Trace file not found: {file}.", "Record one with: thinkdial run TASK --trace FILE")
    try:
        events = read_trace(file)
    except ValueError as exc:
        raise ThinkdialError(f"{file} is not a thinkdial trace: {str(exc).splitlines()[0]}.", "") from exc
    console = Console()
    table = Table(show_header=True, header_style="bold", expand=True)
    for col in ("step", "event", "details"):
        table.add_column(col, overflow="fold")
    for e in events:
        details = _describe(e)
        if details is not None:
            table.add_row(str(e.step), e.type, details)
    console.print(table)


def _describe(e: object) -> str | None:
    t = getattr(e, "type")
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
