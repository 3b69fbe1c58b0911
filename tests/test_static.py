"""The linter and the type checker run with the suite (so CI runs them): ruff, and mypy over the installed layout."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            pytest.fail(f"{name} is not installed: install the dev extras (pip install -e '.[dev]')")
        return found
    return str(path)


def test_ruff_is_clean():
    out = subprocess.run([_tool("ruff"), "check", "agent", "tools", "policies", "tui", "tests", "bench"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-4000:]


@pytest.mark.slow
def test_mypy_is_clean():
    _tool("mypy")
    out = subprocess.run(["bash", str(ROOT / ".ci" / "typecheck")], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
