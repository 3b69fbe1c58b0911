"""How long ``thinkdial --help`` takes, against the bare interpreter, and what it imports.

    .venv/bin/python bench/cli_startup.py [--runs 20]

Compiles the sources first (an installed package has its ``.pyc`` files; ``PYTHONDONTWRITEBYTECODE``
would otherwise make every run recompile what changed), then times each command ``--runs`` times as a
subprocess (wall clock: interpreter start, imports, parser, help text, exit) and prints a Markdown table
of the median and the fastest run, and the modules ``thinkdial --help`` imports beyond what the bare
interpreter and argparse import (paste both into bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], runs: int) -> tuple[float, float]:
    """(median, fastest) wall milliseconds of ``cmd`` over ``runs`` runs."""
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)  # warm the file cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, check=True)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times)


def imported(code: str) -> set[str]:
    """Top-level names of the modules ``python -X importtime -c code`` imports."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, env=ENV).stderr
    names = set()
    for line in out.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    for folder in ("agent", "policies", "tools", "tui"):
        compileall.compile_dir(str(ROOT / folder), quiet=1)
    thinkdial = str(BIN / "thinkdial")
    rows = [
        ("python -c pass (interpreter + site)", [sys.executable, "-c", "pass"]),
        ("python -c 'import argparse, re'", [sys.executable, "-c", "import argparse, re"]),
        ("thinkdial --help", [thinkdial, "--help"]),
        ("thinkdial run --help", [thinkdial, "run", "--help"]),
        ("thinkdial --version", [thinkdial, "--version"]),
    ]
    print(f"| command ({args.runs} runs, {os.cpu_count()} CPUs) | median ms | fastest ms |")
    print("|---|---|---|")
    for label, cmd in rows:
        median, fastest = timed(cmd, args.runs)
        print(f"| `{label}` | {median:.1f} | {fastest:.1f} |")
    base = imported("import argparse, re, sys")
    help_mods = imported("import re, sys; sys.argv = ['thinkdial', '--help']\nfrom thinkdial.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass")
    extra = sorted(help_mods - base)
    print(f"\n`thinkdial --help` imports, beyond `import argparse, re`: {', '.join(extra)}")


if __name__ == "__main__":
    main()
