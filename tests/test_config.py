"""The TOML config: typos and wrong types are errors that name the key and its line (issue 11)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from thinkdial.config import find_line, load_config
from thinkdial.errors import ConfigError, ThinkdialError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_loads(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '[models]\nfast = "embedded"\n\n[budget]\nmax_cost_usd = 0.05\nmax_tokens = 8000\n'))
    assert cfg.budget.max_cost_usd == 0.05 and cfg.budget.max_tokens == 8000


def test_a_typo_in_a_ceiling_names_the_key_its_line_and_the_right_name(tmp_path: Path) -> None:
    path = write(tmp_path, "[models]\nfast = \"embedded\"\n\n[budget]\nmax_tokens = 4000\nmax_cost = 0.001\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert "line 6" in text and "'max_cost'" in text and "[budget]" in text and "max_cost_usd" in text


def test_an_unknown_section_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"line 2: unknown section or key 'budgets' \(did you mean 'budget'\?\)"):
        load_config(write(tmp_path, "# ceilings\n[budgets]\nmax_cost_usd = 1\n"))


def test_a_wrong_type_names_the_field_and_its_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"line 3: budget\.max_tokens .*integer.*'lots'"):
        load_config(write(tmp_path, '[budget]\n\nmax_tokens = "lots"\n'))


@pytest.mark.parametrize("value", ["inf", "nan", "-1.0"])
def test_non_finite_or_negative_ceilings_are_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match=r"line 2: budget\.max_cost_usd"):
        load_config(write(tmp_path, f"[budget]\nmax_cost_usd = {value}\n"))


def test_a_dotted_key_is_found_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"line 2: unknown key 'max_cost' in \[budget\]"):
        load_config(write(tmp_path, "# x\nbudget.max_cost = 1\n"))


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[budget\n"))


def test_a_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ThinkdialError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_find_line() -> None:
    text = '[models]\nfast = "x"\n[budget]\n  "max_tokens" = 3\n'
    assert find_line(text, "budget", "max_tokens") == 4
    assert find_line(text, "models", "max_tokens") is None
    assert find_line(text, None, "budget") == 3


def test_the_cli_refuses_a_typo_before_spending_anything(tmp_path: Path) -> None:
    path = write(tmp_path, "[budget]\nmax_cost = 0.001\n")
    proc = subprocess.run(
        [sys.executable, "-m", "thinkdial.cli", "run", "--config", str(path), "What is 2+2?"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode != 0
    assert "line 2" in proc.stderr and "max_cost" in proc.stderr
