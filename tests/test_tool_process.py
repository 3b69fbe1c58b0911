"""Synchronous tools in worker processes (``process=True``): a timeout that really stops them.

The tool functions are defined at module level because a worker imports them by name.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from thinkdial import Agent, Budget
from thinkdial.models import ModelCapabilities, ScriptedModel, ScriptedReply, tool_call
from thinkdial.tools import Tool, tool

SURE = 0.99


@tool(process=True)
def huge_round() -> int:
    """Big-integer work in one C call that holds the GIL for minutes (issue 11's calculator hang)."""
    return round(1, -10**9)


@tool(process=True)
def whoami(tag: str) -> dict[str, object]:
    """The worker's pid and the tag it was given."""
    return {"pid": os.getpid(), "tag": tag}


@tool(process=True)
def fails(message: str) -> str:
    """Raise ValueError(message)."""
    raise ValueError(message)


@tool(process=True)
def unpicklable() -> object:
    """Return a value that cannot cross processes."""
    return lambda: None


@tool(process=True)
def spawn_and_sleep(pid_file: str) -> str:
    """Start a child process, record its pid, then outlive any timeout."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    Path(pid_file).write_text(str(child.pid))
    time.sleep(120)
    return "late"


def plain_function(x: int) -> int:
    """Double x."""
    return 2 * x


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return True
    return state != "Z"


def _wait_dead(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_a_gil_holding_tool_is_stopped_inside_an_agent_run() -> None:
    fast = ScriptedModel(
        [ScriptedReply("", tool_calls=[tool_call("huge_round", {})], confidence=SURE), ScriptedReply("Answer: gave up", confidence=SURE)],
        name="fast",
        capabilities=ModelCapabilities(tools=True, logprobs=True, prefill=True, probes=True),
    )
    agent = Agent(fast=fast, thinker=ScriptedModel(["x"], repeat_last=True), tools=[huge_round], estimate="tokens", tool_timeout=1.5)
    started = time.perf_counter()
    result = agent.run_sync("round it", budget=Budget(max_seconds=30))
    elapsed = time.perf_counter() - started
    assert elapsed < 10, elapsed  # in a thread this call holds the GIL for minutes and no timeout fires
    assert "timed out after 1.5 s" in result.steps[0].tool_calls[0]["result"]
    assert result.stop_reason == "final"


def test_values_and_exceptions_cross_and_a_warm_worker_is_reused() -> None:
    one = asyncio.run(whoami.call({"tag": "a"}))
    two = asyncio.run(whoami.call({"tag": "b"}))
    assert one.ok and two.ok
    assert one.value["tag"] == "a" and two.value["tag"] == "b"
    assert one.value["pid"] != os.getpid()
    assert one.value["pid"] == two.value["pid"]  # the finished worker was kept

    failed = asyncio.run(fails.call({"message": "bad input 42"}))
    assert not failed.ok and failed.content == "ValueError: bad input 42"
    after = asyncio.run(whoami.call({"tag": "c"}))
    assert after.value["pid"] == one.value["pid"]  # an exception does not cost the worker

    odd = asyncio.run(unpicklable.call({}))
    assert not odd.ok and "cannot be sent back from its worker process" in odd.content


def test_a_timeout_kills_the_worker_and_everything_it_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    slow = Tool(spawn_and_sleep.func, name="spawn_and_sleep", timeout=3.0, process=True)
    started = time.perf_counter()
    result = asyncio.run(slow.call({"pid_file": str(pid_file)}))
    assert time.perf_counter() - started < 6
    assert not result.ok and result.content == "Tool 'spawn_and_sleep' timed out after 3 s."
    child = int(pid_file.read_text())
    assert _wait_dead(child), "the tool's own child outlived the timeout"
    fresh = asyncio.run(whoami.call({"tag": "next"}))
    assert fresh.ok  # the next call gets a working worker


def test_process_true_is_checked_at_construction() -> None:
    with pytest.raises(ValueError, match=r"process=True.*top level of a module"):
        Tool(lambda x: x, name="lam", process=True)

    def local(x: int) -> int:
        return x

    with pytest.raises(ValueError, match=r"tool 'local': process=True"):
        tool(process=True)(local)

    async def coro() -> str:
        return "x"

    with pytest.raises(ValueError, match="process=True is for synchronous functions"):
        Tool(coro, process=True)
    with pytest.raises(TypeError, match="process must be True or False"):
        Tool(plain_function, process="yes")  # type: ignore[arg-type]


def test_schema_tools_and_plain_functions_run_in_workers_too() -> None:
    t = Tool.from_schema(
        "double", "Double x.", {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]},
        plain_function, process=True,
    )
    assert asyncio.run(t.call({"x": 21})).value == 42
    assert asyncio.run(Tool(plain_function, process=True).call({"x": 4})).value == 8
    assert "process=True" in repr(t) and "process=True" not in repr(Tool(plain_function))
