"""Remote models given tools (issue 7, part 2): through litellm to real HTTP servers on 127.0.0.1.

The installed litellm imports ``mcp`` whenever tools are passed; a missing
package must be named as what failed, never reported as a network error, and
never retried.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from faults.server import FaultServer

from thinkdial.models import LiteLLMModel, Message, ModelRequest, ToolSpec

ROOT = Path(__file__).resolve().parent.parent
CALC = ToolSpec(
    name="calculator",
    description="Evaluate an arithmetic expression.",
    parameters={"type": "object", "properties": {"expression": {"type": "string"}}, "required": ["expression"]},
)


@pytest.fixture(scope="module")
def fault_server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


def ask(text: str, **kw) -> ModelRequest:
    return ModelRequest(messages=[Message(role="user", content=text)], **kw)


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_tool_call_comes_back_through_litellm(fault_server: FaultServer, streamed: bool) -> None:
    model = LiteLLMModel("openai/tools", api_base=fault_server.base, api_key="sk-local")
    pieces: list[str] = []
    on_delta = (lambda kind, text: pieces.append(text)) if streamed else None
    c = asyncio.run(model.complete(ask("What is 2+2?", max_tokens=64, tools=[CALC]), on_delta))
    assert c.finish_reason == "tool_calls"
    assert [(t.name, json.loads(t.arguments)) for t in c.tool_calls] == [("calculator", {"expression": "2+2"})]
    sent = fault_server.requests[-1].body
    assert sent["tools"][0]["function"]["name"] == "calculator"
    assert bool(sent.get("stream")) is streamed


def test_tool_result_goes_back_and_the_answer_uses_it(fault_server: FaultServer) -> None:
    model = LiteLLMModel("openai/tools", api_base=fault_server.base, api_key="sk-local")
    first = asyncio.run(model.complete(ask("What is 2+2?", max_tokens=64, tools=[CALC])))
    call = first.tool_calls[0]
    history = [
        Message(role="user", content="What is 2+2?"),
        Message(role="assistant", content="", tool_calls=[call]),
        Message(role="tool", content="4", tool_call_id=call.id, name=call.name),
    ]
    second = asyncio.run(model.complete(ModelRequest(messages=history, max_tokens=64, tools=[CALC]), lambda k, t: None))
    assert second.text == "The answer is 4."
    assert fault_server.requests[-1].body["messages"][-1] == {
        "role": "tool", "content": "4", "tool_call_id": call.id, "name": "calculator"
    }


_BLOCKED_IMPORT = """
import asyncio, sys


class Missing:  # the package is not installed: every "import mcp..." fails as it would on a fresh machine
    def find_spec(self, name, path=None, target=None):
        if name == "mcp" or name.startswith("mcp."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, Missing())
from thinkdial.errors import APIUnreachableError, LocalCallError
from thinkdial.models import LiteLLMModel, Message, ModelRequest, ToolSpec
model = LiteLLMModel("openai/tools", api_base=sys.argv[1], api_key="sk-local", max_retries=3)
tool = ToolSpec(name="calculator", parameters={"type": "object", "properties": {"expression": {"type": "string"}}})
req = ModelRequest(messages=[Message(role="user", content="2+2?")], max_tokens=16, tools=[tool])
try:
    asyncio.run(model.complete(req))
except LocalCallError as err:
    assert not isinstance(err, APIUnreachableError)
    print("LOCAL", err)
except Exception as err:
    print("OTHER", type(err).__name__, err)
"""


def test_a_missing_package_is_named_not_reported_as_a_network_error(fault_server: FaultServer) -> None:
    before = fault_server.count("tools")
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", _BLOCKED_IMPORT, fault_server.base], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    out = proc.stdout.strip()
    assert out.startswith("LOCAL"), proc.stdout + proc.stderr
    assert "mcp" in out and "network" in out and "Cannot reach" not in out
    assert "pip install mcp" in out
    # Not retried: a local failure never reaches the server, and no backoff was waited.
    assert fault_server.count("tools") == before
    assert time.monotonic() - started < 60


def test_agent_with_a_tool_runs_on_a_remote_model(fault_server: FaultServer) -> None:
    from thinkdial import Agent, Budget
    from thinkdial.tools import calculator

    model = LiteLLMModel("openai/tools", api_base=fault_server.base, api_key="sk-local")
    agent = Agent(fast=model, thinker=model, tools=[calculator], policy="think", estimate="tokens")
    result = agent.run_sync("What is 2+2?", budget=Budget(max_tokens=4000))
    assert result.stop_reason == "final", result.message
    assert "4" in str(result.output)
    assert any(r.body.get("tools") for r in fault_server.requests)


def _cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["XDG_CONFIG_HOME"] = "/nonexistent-thinkdial-config"
    return subprocess.run(
        [sys.executable, "-m", "thinkdial.cli", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env
    )


@pytest.mark.slow
def test_cli_run_with_the_default_calculator_answers_from_a_local_server(fault_server: FaultServer) -> None:
    before = len(fault_server.requests)
    proc = _cli("run", "--fast", "openai/tools", "--api-base", fault_server.base, "What is 2+2?", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["stop_reason"] == "final"
    assert "4" in result["output"]
    sent = fault_server.requests[before:]
    assert sent and any(r.body.get("tools") for r in sent), "the CLI gives the model its default calculator"


@pytest.mark.slow
@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_llama_cpp_server_with_tools_through_litellm(loopback_server: str, streamed: bool) -> None:
    model = LiteLLMModel("openai/smol", api_base=loopback_server, api_key="sk-local")
    on_delta = (lambda kind, text: None) if streamed else None
    c = asyncio.run(model.complete(ask("What is 2+2? Use the calculator.", max_tokens=48, tools=[CALC]), on_delta))
    assert c.text or c.tool_calls
    assert c.usage.input_tokens > 0


def test_python_m_cli_is_the_console_script() -> None:
    # _cli runs "python -m thinkdial.cli"; make sure that is the same entry point as the "thinkdial" script.
    code = textwrap.dedent(
        """
        import importlib.metadata as md
        eps = [e for e in md.entry_points(group="console_scripts") if e.name == "thinkdial"]
        print(eps[0].value)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout.strip()
    assert out.startswith("thinkdial.cli")
