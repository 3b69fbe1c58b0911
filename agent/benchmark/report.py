"""Rendering ``results.json``: a rich table, a small terminal plot, and a PNG (matplotlib, imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["ascii_plot", "curve_points", "markdown_report", "print_report", "save_png"]


def headline_sentences(results: dict[str, Any]) -> list[str]:
    """The report's conclusions in words (adaptive against random and think, the simulation check), for both renderings."""
    out: list[str] = []
    h = results.get("headline") or {}
    if "adaptive_accuracy" in h:
        need = h.get("random_tokens_for_adaptive_accuracy")
        out.append(
            f"adaptive: accuracy {h['adaptive_accuracy']:.3f} at {h['adaptive_tokens']:.0f} tokens/task; random escalation at "
            f"that cost: {h['random_accuracy_at_adaptive_tokens']:.3f}; random needs "
            + (f"{need:.0f} tokens/task to reach adaptive's accuracy" if need is not None else "more than think's cost")
        )
    eq = h.get("equal_accuracy_vs_think")
    if eq:
        out.append(f"equal accuracy with think: {eq['reached_by']} at {eq['tokens']:.0f} vs {eq['think_tokens']:.0f} tokens/task "
                   f"({eq['saved_share']:.0%} fewer)")
    elif "equal_accuracy_vs_think" in h:
        out.append("adaptive reaches think's accuracy at no threshold on this suite")
    chk = results.get("simulation_check")
    if chk:
        out.append(f"simulation check at the default threshold {chk['threshold']:g}: the real adaptive run took the simulated route "
                   f"on {chk['same_route']}/{chk['tasks']} tasks; accuracy real {chk['real_accuracy']:.3f} vs simulated "
                   f"{chk['simulated_accuracy']:.3f}, tokens {chk['real_tokens']:.0f} vs {chk['simulated_tokens']:.0f}")
    return out


def _fmt(x: float | None, spec: str = ".3f") -> str:
    return "-" if x is None else format(x, spec)


def curve_points(results: dict[str, Any]) -> list[tuple[float, float, str, str]]:
    """(tokens per task, accuracy, marker, label) of everything the plot shows."""
    pts: list[tuple[float, float, str, str]] = []
    sw = results.get("sweep") or {}
    for row in sw.get("thresholds", []):
        pts.append((row["tokens"], row["accuracy"], "o", f"adaptive@{row['threshold']:g} (sim.)"))
    if sw.get("fast") and sw.get("think"):
        f, t = sw["fast"], sw["think"]
        for i in range(1, 10):
            r = i / 10
            pts.append((f["tokens"] + r * (t["tokens"] - f["tokens"]), f["accuracy"] + r * (t["accuracy"] - f["accuracy"]), ".", "random"))
    for c in results.get("ceilings", []):
        pts.append((c["tokens"], c["accuracy"], "c", f"ceiling {c['max_tokens']}"))
    if sw.get("oracle"):
        pts.append((sw["oracle"]["tokens"], sw["oracle"]["accuracy"], "*", "oracle"))
    marks = {"fast": "F", "think": "T", "adaptive": "A"}
    for name, p in (results.get("policies") or {}).items():
        pts.append((p["tokens"], p["accuracy"], marks.get(name, "?"), name))
    return pts


def ascii_plot(results: dict[str, Any], width: int = 56, height: int = 13) -> str:
    """Accuracy (rows) against tokens per task (columns) as text: F fast, T think, A adaptive,
    o simulated thresholds, . random escalation, * oracle, c token ceilings."""
    pts = curve_points(results)
    if not pts:
        return "(nothing to plot)"
    xs = [p[0] for p in pts]
    x0, x1 = 0.0, max(xs) * 1.05 or 1.0
    y0, y1 = 0.0, 1.0
    grid = [[" "] * width for _ in range(height)]
    priority = {".": 0, "o": 1, "c": 2, "*": 3, "F": 4, "T": 4, "A": 5}
    for x, y, m, _ in sorted(pts, key=lambda p: priority.get(p[2], 0)):
        col = min(width - 1, max(0, round((x - x0) / (x1 - x0) * (width - 1))))
        row = min(height - 1, max(0, round((y1 - y) / (y1 - y0) * (height - 1))))
        grid[row][col] = m
    lines = []
    for i, cells in enumerate(grid):
        label = f"{y1 - i * (y1 - y0) / (height - 1):4.2f}" if i % 3 == 0 else "    "
        lines.append(f"{label} |" + "".join(cells))
    lines.append("     +" + "-" * width)
    lines.append(f"      0{'tokens per task':^{width - 12}}{x1:>5.0f}")
    lines.append("      F fast  T think  A adaptive  o adaptive@threshold (sim.)  . random  * oracle  c ceilings")
    return "\n".join(lines)


def print_report(results: dict[str, Any], out_dir: Path | None = None) -> None:
    """Print the accuracy / cost tables, AUROC, the ceiling sweep, the headline and the terminal plot."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    models = results.get("models", {})
    suite = results.get("suite", {})
    console.print(f"[bold]thinkdial bench[/] suite [cyan]{suite.get('name')}[/] ({suite.get('tasks')} tasks)  "
                  f"fast [cyan]{models.get('fast')}[/]  thinker [cyan]{models.get('thinker')}[/]")

    table = Table(title="policies (real runs)")
    for col in ("policy", "accuracy", "tokens/task", "cost/task $", "seconds/task", "escalated", "stops"):
        table.add_column(col, justify="right" if col != "policy" else "left")
    for name, p in results.get("policies", {}).items():
        stops = ", ".join(f"{k} {v}" for k, v in sorted(p["stop_reasons"].items()))
        table.add_row(name, f"{p['accuracy']:.3f} ({p['correct']}/{p['n']})", f"{p['tokens']:.0f}", f"{p['cost_usd']:.5f}",
                      f"{p['seconds']:.1f}", f"{p['escalated']:.0%}", stops)
    sw = results.get("sweep") or {}
    if sw.get("oracle"):
        o = sw["oracle"]
        table.add_row("oracle (sim.)", f"{o['accuracy']:.3f}", f"{o['tokens']:.0f}", f"{o['cost_usd']:.5f}", f"{o['seconds']:.1f}",
                      f"{o['escalated']:.0%}", "")
    console.print(table)

    if sw.get("thresholds"):
        t = Table(title="adaptive threshold sweep — simulated from the paired fast and think runs")
        for col in ("threshold", "escalated", "accuracy", "tokens/task", "cost/task $", "random acc.", "random tokens"):
            t.add_column(col, justify="right")
        for row in sw["thresholds"]:
            t.add_row(f"{row['threshold']:g}", f"{row['escalated']:.0%}", f"{row['accuracy']:.3f}", f"{row['tokens']:.0f}",
                      f"{row['cost_usd']:.5f}", f"{row['random']['accuracy']:.3f}", f"{row['random']['tokens']:.0f}")
        for row in sw.get("shares", []):
            t.add_row(f"s={row['share']:.0%}", f"{row['escalated']:.0%}", f"{row['accuracy']:.3f}", f"{row['tokens']:.0f}",
                      f"{row['cost_usd']:.5f}", f"{row['random']['accuracy']:.3f}", f"{row['random']['tokens']:.0f}")
        console.print(t)

    for split, rows in (results.get("agent") or {}).items():
        g = Table(title=f"agent tasks, split {split} — per task")
        for col in ("policy", "passed", "tokens", "tool calls", "failed calls", "steps", "escalated"):
            g.add_column(col, justify="right")
        for name, s in rows.items():
            g.add_row(name, f"{s['passed']}/{s['n']}", f"{s['tokens']:.0f}", f"{s['tool_calls']:.2f}", f"{s['failed_calls']:.2f}",
                      f"{s['steps']:.2f}", f"{s['escalated']:.0%}")
        console.print(g)

    if results.get("ceilings"):
        c = Table(title="ceiling sweep — real adaptive runs under Budget(max_tokens=N)")
        for col in ("max_tokens", "tasks", "accuracy", "tokens/task", "budget stops", "uncapped adaptive acc."):
            c.add_column(col, justify="right")
        for row in results["ceilings"]:
            c.add_row(str(row["max_tokens"]), str(row["n"]), f"{row['accuracy']:.3f}", f"{row['tokens']:.0f}",
                      str(row["budget_stops"]), _fmt(row.get("uncapped_adaptive_accuracy")))
        console.print(c)

    au = results.get("auroc") or {}
    if au.get("scores"):
        kinds = sorted({k for s in au["scores"].values() for k in s["per_kind"]})
        a = Table(title=f"AUROC for 'fast answer wrong' ({au['wrong']} wrong of {au['n']}; per kind '-' = one class only)")
        a.add_column("score")
        a.add_column("all", justify="right")
        for k in kinds:
            a.add_column(k[:10], justify="right")
        for name, s in au["scores"].items():
            label = name + (" (neg.)" if s.get("negated") else "")
            a.add_row(label, _fmt(s["all"], ".2f"), *[_fmt(s["per_kind"].get(k), ".2f") for k in kinds])
        console.print(a)

    for sentence in headline_sentences(results):
        console.print(sentence, markup=False, highlight=False)
    console.print(ascii_plot(results), markup=False, highlight=False)
    runs = results.get("runs", {})
    console.print(f"[dim]{runs.get('total')} runs ({runs.get('resumed')} resumed, {runs.get('errors')} errors) in "
                  f"{runs.get('wall_seconds', 0):.0f}s wall; {sw.get('note', '')}[/]")
    if out_dir is not None:
        console.print(f"results: {out_dir / 'results.json'}" + (f"  plot: {results['plot']}" if results.get("plot") else ""))


def save_png(results: dict[str, Any], path: Path) -> Path | None:
    """Accuracy against tokens per task: policies, the simulated threshold curve, random line, oracle, ceilings.

    Returns None (and writes nothing) when matplotlib is not installed (``pip install 'thinkdial[bench]'``).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    sw = results.get("sweep") or {}
    fig, ax = plt.subplots(figsize=(7.5, 5), dpi=120)
    if sw.get("fast") and sw.get("think"):
        f, t = sw["fast"], sw["think"]
        ax.plot([f["tokens"], t["tokens"]], [f["accuracy"], t["accuracy"]], "--", color="grey", label="random escalation")
    rows = sorted(sw.get("thresholds", []), key=lambda r: -r["threshold"])
    if rows:
        ends = [sw["fast"]] + rows + [sw["think"]] if sw.get("fast") and sw.get("think") else rows
        ax.plot([r["tokens"] for r in ends], [r["accuracy"] for r in ends], "o-", color="tab:blue", alpha=0.6, ms=4,
                label="adaptive, threshold sweep (simulated)")
        for r in rows:
            ax.annotate(f"{r['threshold']:g}", (r["tokens"], r["accuracy"]), textcoords="offset points", xytext=(3, -9),
                        fontsize=7, color="tab:blue")
    ceilings = results.get("ceilings", [])
    if ceilings:
        ax.plot([c["tokens"] for c in ceilings], [c["accuracy"] for c in ceilings], "s:", color="tab:purple", ms=5,
                label=f"adaptive under max_tokens ceilings ({ceilings[0]['n']} tasks)")
        for c in ceilings:
            ax.annotate(str(c["max_tokens"]), (c["tokens"], c["accuracy"]), textcoords="offset points", xytext=(3, 3),
                        fontsize=7, color="tab:purple")
    if sw.get("oracle"):
        ax.plot(sw["oracle"]["tokens"], sw["oracle"]["accuracy"], "*", ms=14, color="gold", mec="black", label="oracle router")
    colours = {"fast": "tab:green", "think": "tab:red", "adaptive": "tab:blue"}
    for name, p in results.get("policies", {}).items():
        ax.plot(p["tokens"], p["accuracy"], "D", ms=9, color=colours.get(name, "black"), mec="black", label=f"{name} (real run)")
    models = results.get("models", {})
    suite = results.get("suite", {})
    ax.set_title(f"{suite.get('name')} ({suite.get('tasks')} tasks): fast={models.get('fast')}, thinker={models.get('thinker')}",
                 fontsize=9)
    ax.set_xlabel("tokens per task (input + output + thinking, all calls)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def markdown_report(results: dict[str, Any]) -> str:
    """The same tables as :func:`print_report`, as Markdown (written to ``OUT/report.md``)."""
    lines: list[str] = []
    suite, models = results.get("suite", {}), results.get("models", {})
    lines.append(f"Suite `{suite.get('name')}` ({suite.get('tasks')} tasks), fast `{models.get('fast')}`, thinker "
                 f"`{models.get('thinker')}`, budget {results.get('budget')}.")
    lines += ["", "| policy | accuracy | tokens/task | cost/task $ | seconds/task | escalated |", "|---|---|---|---|---|---|"]
    for name, p in results.get("policies", {}).items():
        lines.append(f"| {name} (real) | {p['accuracy']:.3f} ({p['correct']}/{p['n']}) | {p['tokens']:.0f} | {p['cost_usd']:.5f} | "
                     f"{p['seconds']:.1f} | {p['escalated']:.0%} |")
    sw = results.get("sweep") or {}
    if sw.get("oracle"):
        o = sw["oracle"]
        lines.append(f"| oracle router (sim.) | {o['accuracy']:.3f} | {o['tokens']:.0f} | {o['cost_usd']:.5f} | {o['seconds']:.1f} | "
                     f"{o['escalated']:.0%} |")
    if sw.get("thresholds"):
        lines += ["", "Adaptive threshold sweep, simulated from the paired fast and think runs; random escalation at the same rate:", "",
                  "| threshold | escalated | accuracy | tokens/task | random: accuracy | random: tokens/task |", "|---|---|---|---|---|---|"]
        for row in sw["thresholds"]:
            lines.append(f"| {row['threshold']:g} | {row['escalated']:.0%} | {row['accuracy']:.3f} | {row['tokens']:.0f} | "
                         f"{row['random']['accuracy']:.3f} | {row['random']['tokens']:.0f} |")
        for row in sw.get("shares", []):
            lines.append(f"| share {row['share']:.0%} | {row['escalated']:.0%} | {row['accuracy']:.3f} | {row['tokens']:.0f} | "
                         f"{row['random']['accuracy']:.3f} | {row['random']['tokens']:.0f} |")
    if results.get("agent"):
        from thinkdial.benchmark.agent_tasks import agent_markdown

        lines += agent_markdown(results["agent"])
    if results.get("ceilings"):
        lines += ["", "Ceiling sweep, real `adaptive` runs under `Budget(max_tokens=N)`:", "",
                  "| max_tokens | tasks | accuracy | tokens/task | stopped by the budget | same tasks, uncapped adaptive |",
                  "|---|---|---|---|---|---|"]
        for row in results["ceilings"]:
            lines.append(f"| {row['max_tokens']} | {row['n']} | {row['accuracy']:.3f} | {row['tokens']:.0f} | {row['budget_stops']} | "
                         f"{_fmt(row.get('uncapped_adaptive_accuracy'))} |")
    au = results.get("auroc") or {}
    if au.get("scores"):
        kinds = sorted({k for s in au["scores"].values() for k in s["per_kind"]})
        lines += ["", f"AUROC for 'fast answer wrong' ({au['wrong']} wrong of {au['n']}; '-' where a kind has one class only):", "",
                  "| score | all | " + " | ".join(kinds) + " |", "|---|---|" + "---|" * len(kinds)]
        for name, s in au["scores"].items():
            label = name + (" (neg.)" if s.get("negated") else "")
            lines.append(f"| {label} | {_fmt(s['all'], '.2f')} | " + " | ".join(_fmt(s["per_kind"].get(k), ".2f") for k in kinds) + " |")
    sentences = headline_sentences(results)
    if sentences:
        lines += ["", *(f"- {sentence}" for sentence in sentences)]
    runs = results.get("runs", {})
    lines.append(f"- {runs.get('total')} runs taking {runs.get('run_seconds_total', 0):.0f} s in all; this session "
                 f"{runs.get('wall_seconds', 0):.0f} s wall ({runs.get('resumed')} resumed), "
                 f"concurrency {runs.get('concurrency')}")
    return "\n".join(lines) + "\n"
