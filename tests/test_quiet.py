"""Quiet by default: several tasks in one process print nothing from litellm on stderr unless debug is asked."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers.reasoning import ReasoningServer

pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parent

# The first loop reproduces litellm's LoggingWorker warning: each run_sync ends right after a non-streamed
# call, so litellm's success-logging task is still queued when asyncio.run closes the loop, and the next
# run's loop "carries" it (litellm logs a WARNING). The second loop is the agent as users run it.
SCRIPT = """
import asyncio, sys
from thinkdial import Agent, Budget
from thinkdial.models import LiteLLMModel, Message, ModelRequest
base = sys.argv[1]
model = LiteLLMModel("openai/my-selfhosted", api_base=base, api_key="sk-local")
for _ in range(3):
    reply = asyncio.run(model.complete(ModelRequest(messages=[Message(role="user", content="What is 2 + 3?")], max_tokens=20)))
    print(reply.text)
agent = Agent(fast="openai/o3-mini", api_base=base, api_key="sk-local", verify="always")
for policy in ("think", "fast", "adaptive", "think"):
    print(agent.run_sync("What is 37 + 48?", policy=policy, budget=Budget(max_tokens=4000)).stop_reason)
"""


@pytest.fixture(scope="module")
def server() -> Iterator[ReasoningServer]:
    with ReasoningServer() as srv:
        yield srv


def _run(server: ReasoningServer, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("THINKDIAL_DEBUG", "LITELLM_LOG")}
    return subprocess.run([sys.executable, "-c", SCRIPT, server.base], capture_output=True, text=True, timeout=240,
                          env={**clean, **env}, cwd=TESTS)


def test_several_tasks_in_one_process_print_nothing_on_stderr(server: ReasoningServer) -> None:
    proc = _run(server)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["The answer is 5."] * 3 + ["final"] * 4
    assert proc.stderr == ""


def test_debug_lets_litellm_speak(server: ReasoningServer) -> None:
    """The same process with THINKDIAL_DEBUG=1 (what --debug sets) shows litellm's warning: the test above can fail."""
    proc = _run(server, THINKDIAL_DEBUG="1")
    assert proc.returncode == 0, proc.stderr
    assert "LoggingWorker: event loop changed" in proc.stderr
