"""``thinkdial --help`` stays instant: building the parser imports argparse and thinkdial's argument modules only.

Wall-clock timings are measured by ``bench/cli_startup.py`` (recorded in bench/RESULTS.md); this test checks
what makes them: the modules the help imports, exactly, in a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

SLOW_TO_IMPORT = (
    "asyncio", "importlib.metadata", "json", "typing", "shutil", "pydantic", "litellm", "llama_cpp", "textual", "rich",
    "thinkdial.calibrate", "thinkdial.policies", "thinkdial.agent", "thinkdial.config", "thinkdial.models",
)
"""Modules ``thinkdial --help`` must not import (each costs milliseconds to hundreds of them)."""


def _imports(*argv: str) -> tuple[set[str], str]:
    code = (
        "import sys\n"
        f"sys.argv = ['thinkdial', *{list(argv)!r}]\n"
        "from thinkdial.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
    )
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, timeout=60)
    names = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:") and "|" in line}
    return names, proc.stdout


@pytest.mark.parametrize("argv", [("--help",), ("run", "--help"), ("calibrate", "--help"), ("bench", "--help")])
def test_help_imports_nothing_slow(argv: tuple[str, ...]) -> None:
    names, out = _imports(*argv)
    assert "usage: thinkdial" in out
    slow = sorted(n for n in names if any(n == s or n.startswith(s + ".") for s in SLOW_TO_IMPORT))
    assert not slow, (
        f"thinkdial {' '.join(argv)} imports {slow}: import them inside the function that needs them "
        "(type-only imports under `TYPE_CHECKING = False` / `if TYPE_CHECKING:`)"
    )


def test_policy_help_names_every_built_in_policy() -> None:
    from thinkdial.cli import POLICY_HELP
    from thinkdial.policies.routing import POLICY_NAMES

    assert all(name in POLICY_HELP for name in POLICY_NAMES)


def test_a_bad_policy_is_still_a_usage_error_naming_the_choices() -> None:
    proc = subprocess.run([sys.executable, "-m", "thinkdial.cli", "run", "hi", "--policy", "bogus"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert "--policy" in proc.stderr and "'adaptive'" in proc.stderr and "'think'" in proc.stderr


def test_version_still_prints_the_installed_version_on_stdout() -> None:
    from importlib.metadata import version

    proc = subprocess.run([sys.executable, "-m", "thinkdial.cli", "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == f"thinkdial {version('thinkdial')}\n"


def test_help_wraps_to_the_terminal_width() -> None:
    import os

    env = {**os.environ, "COLUMNS": "50"}
    out = subprocess.run([sys.executable, "-m", "thinkdial.cli", "run", "--help"], capture_output=True, text=True, env=env,
                         timeout=60).stdout
    assert max(len(line) for line in out.splitlines()) <= 50
