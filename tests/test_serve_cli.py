"""``thinkdial serve`` on the command line: its flags, the config's ``[serve]`` and ``[profiles]``, and an instant ``--help``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from thinkdial.cli import build_parser


def test_help_lists_serve_and_imports_no_web_stack() -> None:
    code = (
        "import sys; from thinkdial.cli import build_parser; build_parser(); "
        "heavy = [m for m in ('starlette', 'uvicorn', 'litellm', 'llama_cpp', 'openai', 'thinkdial.serve.app') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    help_text = subprocess.run([sys.executable, "-m", "thinkdial.cli", "--help"], capture_output=True, text=True).stdout
    assert "serve" in help_text
    serve_help = subprocess.run([sys.executable, "-m", "thinkdial.cli", "serve", "--help"], capture_output=True, text=True).stdout
    for flag in ("--host", "--port", "--fast", "--thinker", "--config", "--api-key", "--store", "--daily-max-cost"):
        assert flag in serve_help


def test_config_profiles_keys_and_limits_reach_the_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from thinkdial.serve.cli import build
    from thinkdial.serve.spend import SQLiteSpendStore

    config = tmp_path / "config.toml"
    config.write_text(
        '[models]\nfast = "openai/gpt-4o-mini"\n\n[profiles.cheap]\npolicy = "fast"\n\n'
        '[serve]\napi_keys = ["sk-config"]\nmax_concurrency = 3\nkey_daily_max_cost_usd = 1.5\n'
    )
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used")
    monkeypatch.setenv("THINKDIAL_SERVE_API_KEYS", "sk-env-1, sk-env-2")
    args = build_parser().parse_args(
        ["serve", "--config", str(config), "--store", str(tmp_path / "spend.db"), "--daily-max-tokens", "5000", "--port", "0"]
    )
    app, options, host, port = build(args)
    server = app.state.server
    assert list(server.engine.agents) == ["thinkdial/adaptive", "thinkdial/fast", "thinkdial/think", "thinkdial/cheap"]
    assert server.engine.agents["thinkdial/cheap"].policy.name == "fast"
    assert list(options.api_keys) == ["sk-env-1", "sk-env-2"]  # keys given at start-up win over the config's
    assert options.max_concurrency == 3 and options.daily.tokens == 5000 and options.key_daily.cost_usd == 1.5
    assert isinstance(options.store, SQLiteSpendStore) and (host, port) == ("127.0.0.1", 0)
    options.store.close()


def test_a_profile_named_like_a_builtin_is_a_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[models]\nfast = "openai/gpt-4o-mini"\n\n[profiles.fast]\npolicy = "think"\n')
    proc = subprocess.run([sys.executable, "-m", "thinkdial.cli", "serve", "--config", str(config), "--store", str(tmp_path / "s.db")],
                          capture_output=True, text=True, timeout=120, env={"OPENAI_API_KEY": "x", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2 and "thinkdial/fast" in proc.stderr and "Traceback" not in proc.stderr
