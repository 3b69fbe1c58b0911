"""The command line's manners, run as a subprocess against loopback servers (no model weights needed).

Streaming, a status line, stdin, --version, --quiet, --api-key, exit codes, zero
ceilings, invalid UTF-8, schema versions, and the side-by-side task ("What is 37 + 48?"
with the calculator) against a remote OpenAI-compatible server.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from faults.server import FaultServer
from servers.reasoning import ReasoningServer

THINKDIAL = [sys.executable, "-m", "thinkdial.cli"]
EXIT_FAILED, EXIT_USAGE, EXIT_BUDGET = 1, 2, 3


def run(*args: str, stdin: bytes | None = None, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*THINKDIAL, *args], input=stdin, capture_output=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def reasoning() -> Iterator[ReasoningServer]:
    with ReasoningServer() as srv:
        yield srv


# -- no run needed ---------------------------------------------------------------------------


def test_version_is_instant_and_names_the_package() -> None:
    started = time.perf_counter()
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout.decode().startswith("thinkdial ")
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("run", "hi", "--max-steps", "-1"), "--max-steps"),
        (("run", "hi", "--max-tokens", "lots"), "--max-tokens"),
        (("run", "hi", "--max-cost", "nan"), "--max-cost"),
        (("run", "hi", "--verify", "sometimes"), "--verify"),
        (("run", "hi", "--n-gpu-layers", "many"), "--n-gpu-layers"),
        (("run", "   "), "TASK"),
        (("run", "hi", "--max-steps", "0"), "--max-steps 0"),
        (("run", "hi", "--max-seconds", "0"), "--max-seconds 0"),
    ],
)
def test_usage_errors_name_the_argument_and_exit_2(args: tuple[str, ...], needle: str) -> None:
    proc = run(*args)
    err = proc.stderr.decode()
    assert proc.returncode == EXIT_USAGE, err
    assert needle in err and "Traceback" not in err


def test_zero_ceilings_are_never_no_limit(faults: FaultServer) -> None:
    """--max-steps 0 and --max-seconds 0 must not run a task with no ceiling (they used to mean "no limit")."""
    before = len(faults.requests)
    for flag in ("--max-steps", "--max-seconds"):
        proc = run("run", "What is 2 + 2?", flag, "0", "--fast", "openai/normal", "--api-base", faults.base)
        assert proc.returncode != 0, proc.stdout
    assert len(faults.requests) == before  # nothing was sent to the model


def test_invalid_utf8_task_is_a_clear_usage_error(faults: FaultServer, tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    bad = os.fsdecode(b"What is caf\xe9 + 1?")  # what Linux hands Python for a Latin-1 argument
    for args, stdin in ((("run", bad), None), (("run", "-"), b"caf\xe9 ?")):
        proc = run(*args, "--fast", "openai/normal", "--api-base", faults.base, "--trace", str(trace), stdin=stdin)
        err = proc.stderr.decode()
        assert proc.returncode == EXIT_USAGE, err
        assert "not valid UTF-8" in err and "0xe9" in err and "Traceback" not in err


# -- against loopback servers ------------------------------------------------------------------


@pytest.mark.slow
def test_dash_reads_the_task_from_stdin_and_json_has_a_schema_version(reasoning: ReasoningServer) -> None:
    proc = run("run", "-", "--json", "--fast", "openai/plain-model", "--api-base", reasoning.base, "--policy", "fast",
               stdin=b"What is 37 + 48?\n")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert data["schema_version"] == 1
    assert "85" in data["output"]  # the task came from stdin, not the literal "-"
    asked = [m["content"] for r in reasoning.requests for m in r.body["messages"] if m["role"] == "user"]
    assert any("37 + 48" in a for a in asked) and "-" not in asked


@pytest.mark.slow
def test_side_by_side_task_on_a_remote_server_with_the_calculator(reasoning: ReasoningServer) -> None:
    """The issue's side-by-side task from the shell: the calculator is called remotely and the answer is 85.

    Also --quiet (stdout is the answer, stderr is empty) and --api-key (sent as the bearer token).
    """
    proc = run("run", "What is 37 + 48?", "--fast", "openai/plain-model", "--api-base", reasoning.base,
               "--api-key", "sk-test-key", "--quiet")
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0, err
    assert out == "The answer is 85.\n" and err == ""
    mine = [r for r in reasoning.requests if r.headers.get("authorization") == "Bearer sk-test-key"]
    assert mine, "--api-key was not sent"
    assert any(r.body.get("tools") for r in mine)  # the calculator was offered ...
    assert any(m["role"] == "tool" and m["content"] == "85" for r in mine for m in r.body["messages"])  # ... and ran


@pytest.mark.slow
def test_exit_codes_failed_run_and_strict_budget(faults: FaultServer) -> None:
    common = ["--api-base", faults.base, "--no-tools"]
    procs = {  # run side by side: each start imports litellm
        "failed": subprocess.Popen([*THINKDIAL, "run", "hi", "--fast", "openai/error500", *common],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE),
        "strict": subprocess.Popen([*THINKDIAL, "run", "hi", "--fast", "openai/normal", "--max-tokens", "5", "--strict", *common],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE),
    }
    out = {name: p.communicate(timeout=120) for name, p in procs.items()}
    assert procs["failed"].returncode == EXIT_FAILED and out["failed"][0] == b""  # no answer, never reported as success
    assert "HTTP 500" in out["failed"][1].decode()
    assert procs["strict"].returncode == EXIT_BUDGET, out["strict"][1].decode()
    assert "budget" in out["strict"][1].decode()


def _read_pty(fd: int, proc: subprocess.Popen[bytes], timeout: float) -> list[tuple[float, bytes]]:
    chunks: list[tuple[float, bytes]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            chunks.append((time.monotonic(), data))
        elif proc.poll() is not None:
            break
    return chunks


@pytest.mark.slow
def test_answer_streams_to_a_terminal_as_it_is_written() -> None:
    """On a terminal (a real pty) the answer's words arrive while the server is still sending them."""
    with ReasoningServer(delay=0.4) as slow:
        leader, follower = pty.openpty()
        proc = subprocess.Popen(
            [*THINKDIAL, "run", "Who wrote Hamlet?", "--fast", "openai/plain-model", "--api-base", slow.base,
             "--policy", "fast", "--no-tools"],
            stdout=follower, stderr=subprocess.PIPE,
        )
        os.close(follower)
        try:
            chunks = _read_pty(leader, proc, timeout=90)
            proc.wait(timeout=30)
        finally:
            os.close(leader)
            if proc.poll() is None:
                proc.kill()
        finished = time.monotonic()
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.returncode == 0, err
    assert "route fast" in err and "tokens" in err and "cost" in err and err.strip().count("\n") == 0  # one status line
    text = b"".join(c for _, c in chunks).decode()
    assert "the capital of France." in text
    first_word = next(t for t, c in chunks if c.strip())
    # The first word reached the terminal while the other eight were still on their way (0.4 s apart).
    assert finished - first_word > 2.0, [(round(finished - t, 2), c) for t, c in chunks]


# -- trace files ---------------------------------------------------------------------------------


def test_trace_files_carry_a_schema_version(tmp_path: Path) -> None:
    from thinkdial import Agent
    from thinkdial.models import ScriptedModel
    from thinkdial.trace import SCHEMA_VERSION, load_trace

    path = tmp_path / "run.jsonl"
    Agent(fast=ScriptedModel(["Paris."], repeat_last=True), policy="fast").run_sync("Capital of France?", trace=path)
    header = json.loads(path.read_text().splitlines()[0])
    assert header["type"] == "trace_header" and header["schema_version"] == SCHEMA_VERSION == 1
    loaded = load_trace(path)
    assert loaded.schema_version == 1 and loaded.events[0].type == "run_started" and not loaded.skipped


def test_thinkdial_trace_skips_unknown_events_and_sanitizes(tmp_path: Path) -> None:
    lines = [
        {"type": "trace_header", "schema_version": 2, "thinkdial": "9.0"},
        {"type": "run_started", "task": "t", "policy": "fast", "fast": "f", "thinker": "f"},
        {"type": "hologram", "step": 1, "colour": "blue"},
        {"type": "tool_result", "step": 1, "call_id": "c", "name": "calc", "ok": True,
         "content": "\x1b[2J\x1b]8;;http://evil\x07click\x1b]8;;\x07 [bold]85[/bold]"},
        {"type": "hologram", "step": 1},
        {"type": "final", "output": "85", "stop_reason": "final", "usage": {}},
    ]
    path = tmp_path / "future.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    proc = subprocess.run([*THINKDIAL, "trace", str(path)], capture_output=True, timeout=60)
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "hologram (2)" in err and "schema 2" in err
    assert "run_started" in out and "final" in out and "tool_result" in out
    assert "\x1b[2J" not in out and "\x1b]8" not in out and "\x07" not in out
    assert "[bold]85[/bold]" in out  # markup in a tool result is shown, not interpreted
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"type": "final", "output": 1, "stop_reason": "nope"}\n')
    bad = subprocess.run([*THINKDIAL, "trace", str(broken)], capture_output=True, timeout=60)
    assert bad.returncode == EXIT_USAGE and "not a thinkdial trace" in bad.stderr.decode()


def test_chat_gets_the_same_endpoint_gpu_and_tools_as_run(reasoning: ReasoningServer) -> None:
    """`chat` used to drop --api-base/--n-gpu-layers and give no tools (its think route multiplied by hand)."""
    from thinkdial import Agent
    from thinkdial.cli import build_parser, chat_arguments
    from thinkdial.config import Config
    from thinkdial.tools import calculator

    args = build_parser().parse_args(
        ["chat", "--fast", "openai/plain-model", "--api-base", reasoning.base, "--api-key", "sk-chat", "--n-gpu-layers", "0"]
    )
    kwargs = chat_arguments(args, Config())
    options = kwargs["agent_options"]
    assert options["api_base"] == reasoning.base and options["api_key"] == "sk-chat" and options["n_gpu_layers"] == 0
    assert options["tools"] == [calculator]
    # what ChatApp builds from them: the remote model at that endpoint, with the calculator
    agent = Agent(fast=kwargs["fast"], thinker=kwargs["thinker"], **options)
    assert agent.fast.api_base == reasoning.base and [t.name for t in agent.tools] == ["calculator"]  # type: ignore[attr-defined]
    no_tools = chat_arguments(build_parser().parse_args(["chat", "--no-tools"]), Config())
    assert no_tools["agent_options"]["tools"] == []
