"""The command line: instant help, JSON output, clear one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

THINKDIAL = [sys.executable, "-m", "thinkdial.cli"]


def run(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*THINKDIAL, *args], capture_output=True, text=True, timeout=timeout)


def test_help_imports_no_heavy_library():
    code = (
        "import sys, thinkdial, thinkdial.cli; from thinkdial import Agent, Budget; "
        "print(sorted(m for m in ('litellm', 'llama_cpp', 'textual') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    help_text = run("--help").stdout
    assert "run" in help_text and "chat" in help_text and "trace" in help_text


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("run", "hi", "--fast", "/no/such/model.gguf"), "Model file not found"),
        (("run", "hi", "--fast", "pyproject.toml"), "not a GGUF"),
        (("run", "hi", "--fast", "nosuchprovider/model-x"), "does not know the model"),
        (("run", "hi", "--fast", "openai/gpt-4o-mini"), "OPENAI_API_KEY"),
        (("run", "hi", "--fast", "openai/smol", "--api-base", "http://127.0.0.1:9/v1"), "Cannot reach"),
        (("trace", "/no/such/trace.jsonl"), "Trace file not found"),
    ],
)
def test_bad_input_is_one_clear_line_and_a_nonzero_exit(args, needle, monkeypatch):
    env_free = {k: v for k, v in __import__("os").environ.items() if k != "OPENAI_API_KEY"}
    proc = subprocess.run([*THINKDIAL, *args], capture_output=True, text=True, timeout=120, env=env_free)
    assert proc.returncode != 0
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0, proc.stderr


@pytest.mark.slow
def test_run_json_on_the_embedded_model(tmp_path):
    trace = tmp_path / "t.jsonl"
    proc = run("run", "What is the capital of France?", "--json", "--max-tokens", "2000", "--trace", str(trace))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["output"] and data["stop_reason"] in {"final", "budget"}
    assert data["usage"]["total_tokens"] <= 2000
    step = data["steps"][0]
    assert step["route"] in {"fast", "think"} and 0.0 <= step["difficulty"] <= 1.0 and step["signals"]
    shown = run("trace", str(trace))
    assert shown.returncode == 0 and "route" in shown.stdout


@pytest.mark.slow
def test_run_prints_answer_and_summary():
    proc = run("run", "What is 2 + 2?", "--policy", "fast", "--max-tokens", "1000")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()
    assert "route" in proc.stderr and "tokens" in proc.stderr and "cost" in proc.stderr
