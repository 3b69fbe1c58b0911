"""The README's examples run: every Python block is executed (or, when it says it needs a file you
downloaded, compiled), and the TOML block loads with thinkdial's own config loader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
NOT_RUN = "# not run in the tests:"


def _blocks(language: str) -> list[tuple[int, str]]:
    text = README.read_text()
    out = []
    for match in re.finditer(rf"^```{language}\n(.*?)^```", text, re.S | re.M):
        out.append((text[: match.start()].count("\n") + 1, match.group(1)))
    return out


PYTHON = _blocks("python")


def test_the_readme_has_python_examples():
    assert len(PYTHON) >= 4


@pytest.mark.slow
@pytest.mark.parametrize("line, code", PYTHON, ids=[f"line{line}" for line, _ in PYTHON])
def test_python_block_runs(line, code, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    # Remote examples build their models (no call is made): keys only need to be present.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-readme-example")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-readme-example")
    compiled = compile(code, f"README.md:{line}", "exec")
    if code.startswith(NOT_RUN):
        return
    exec(compiled, {"__name__": "__readme__"})


def test_toml_block_is_a_valid_config(tmp_path):
    from thinkdial.config import load_config

    (toml,) = [code for _, code in _blocks("toml")]
    path = tmp_path / "config.toml"
    path.write_text(toml)
    config = load_config(path)
    assert config.budget.max_cost_usd == 0.05
