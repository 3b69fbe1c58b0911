"""Tools from anywhere: ``Tool.from_schema`` and ``MCPToolset`` against a real MCP server.

The server is the ``mcp`` package's own (``MCPServer``, formerly FastMCP) in
tests/servers/mcp_server.py, started by the tests over stdio and over streamable
HTTP on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from thinkdial.tools import Tool, ToolSet

SERVER = str(Path(__file__).parent / "servers" / "mcp_server.py")

ORDER_SCHEMA = {
    "type": "object",
    "$defs": {
        "Item": {"type": "object", "properties": {"name": {"type": "string"}, "qty": {"type": "integer", "minimum": 1}},
                 "required": ["name", "qty"]},
    },
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}, "minItems": 1},
        "express": {"type": "boolean", "default": False},
    },
    "required": ["items"],
}


# -- Tool.from_schema ----------------------------------------------------------------------------


def test_from_schema_inlines_refs_and_validates_nested_arguments() -> None:
    seen: list[dict] = []

    def ship(**arguments: object) -> str:
        seen.append(arguments)
        return "shipped"

    t = Tool.from_schema("ship", "Ship an order.", ORDER_SCHEMA, ship)
    assert "$ref" not in str(t.parameters) and "$defs" not in t.parameters
    assert t.parameters["properties"]["items"]["items"]["properties"]["qty"]["minimum"] == 1
    assert t.openai_schema()["function"]["description"] == "Ship an order."
    ok = asyncio.run(t.call('{"items": [{"name": "pen", "qty": 2}]}'))
    assert ok.ok and ok.content == "shipped" and seen == [{"items": [{"name": "pen", "qty": 2}]}]
    bad = asyncio.run(t.call({"items": [{"name": "pen", "qty": 0}], "colour": "red"}))
    assert not bad.ok
    assert "items.0.qty" in bad.content and "minimum" in bad.content  # the nested path is named
    assert "colour" in bad.content
    missing = asyncio.run(t.call({}))
    assert not missing.ok and "missing required argument 'items'" in missing.content
    assert len(seen) == 1  # invalid calls never reach the function


def test_from_schema_async_functions_and_timeouts() -> None:
    async def wait(seconds: float) -> str:
        await asyncio.sleep(seconds)
        return "done"

    schema = {"type": "object", "properties": {"seconds": {"type": "number"}}, "required": ["seconds"]}
    t = Tool.from_schema("wait", "Wait.", schema, wait, timeout=0.2)
    assert asyncio.run(t.call({"seconds": 0.01})).content == "done"
    late = asyncio.run(t.call({"seconds": 5}))
    assert not late.ok and "timed out" in late.content


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("bad name!", "d", {"type": "object"}), "name"),
        (("t", "d", {"type": "string"}), "object"),
        (("t", "d", {"type": "object", "properties": {"a": {"type": "nosuchtype"}}}), "not a valid JSON schema"),
        (("t", "d", {"type": "object", "properties": {"a": {"$ref": "#/$defs/Missing"}}}), "Missing"),
    ],
)
def test_from_schema_rejects_bad_definitions_by_name(args: tuple, needle: str) -> None:
    with pytest.raises((ValueError, TypeError), match=needle):
        Tool.from_schema(*args, lambda **kw: None)


def test_toolset_accepts_collections_of_tools() -> None:
    inner = ToolSet([Tool.from_schema("a", "", {"type": "object"}, lambda: 1)])
    both = ToolSet([inner, Tool.from_schema("b", "", {"type": "object"}, lambda: 2)])
    assert both.names == ["a", "b"]


# -- a real MCP server ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stdio_tools() -> Iterator[object]:
    from thinkdial.tools.mcp import MCPToolset

    with MCPToolset(SERVER, timeout=20) as toolset:
        yield toolset


@pytest.mark.slow
def test_stdio_server_tools_keep_their_schemas(stdio_tools: object) -> None:
    tools = {t.name: t for t in stdio_tools}  # type: ignore[attr-defined]
    assert set(tools) == {"add", "order_total", "fail", "slow_sleep"}  # "slow.sleep" made a valid tool name
    assert tools["add"].description == "Add two numbers."
    order = tools["order_total"].parameters["properties"]["order"]
    assert order["properties"]["items"]["items"]["properties"]["qty"]["minimum"] == 1  # nested models carried over
    assert order["properties"]["customer"]["required"] == ["name"]
    assert "$ref" not in str(tools["order_total"].parameters)


@pytest.mark.slow
def test_stdio_calls_are_validated_and_failures_reported(stdio_tools: object) -> None:
    tools = {t.name: t for t in stdio_tools}  # type: ignore[attr-defined]
    order = {"customer": {"name": "Ann", "vip": True}, "items": [{"name": "pen", "qty": 3}, {"name": "ink", "qty": 1}]}
    done = asyncio.run(tools["order_total"].call({"order": order}))
    assert done.ok and done.content == "Ann: 4 items, 9.00"
    bad = asyncio.run(tools["order_total"].call({"order": {**order, "items": [{"name": "pen", "qty": 0}]}}))
    assert not bad.ok and "order.items.0.qty" in bad.content
    failed = asyncio.run(tools["fail"].call({"reason": "no stock"}))
    assert not failed.ok and "refused: no stock" in failed.content
    assert asyncio.run(tools["slow_sleep"].call({"seconds": 0})).content == "slept 0.0"  # dotted name called as itself


@pytest.mark.slow
def test_an_agent_calls_mcp_tools_within_its_run(stdio_tools: object) -> None:
    """Two runs (two event loops) share one connection; the tool result reaches the answer."""
    from thinkdial import Agent, Budget
    from thinkdial.models import ScriptedModel, ScriptedReply, tool_call
    from thinkdial.tools import calculator

    for a, b in ((37, 48), (1.5, 2)):
        fast = ScriptedModel(
            [ScriptedReply(tool_calls=[tool_call("add", {"a": a, "b": b})]), ScriptedReply(f"The sum is {a + b}.")],
            name="fast", repeat_last=True,
        )
        agent = Agent(fast=fast, tools=[calculator, stdio_tools], policy="fast")  # type: ignore[list-item]
        assert [t.name for t in agent.tools] == ["calculator", "add", "order_total", "fail", "slow_sleep"]
        result = agent.run_sync(f"What is {a} + {b}?", budget=Budget(max_steps=4))
        assert result.stop_reason == "final", result.message
        calls = [c for s in result.steps for c in s.tool_calls]
        assert calls and calls[0]["name"] == "add" and calls[0]["ok"] and float(calls[0]["result"]) == a + b


@pytest.mark.slow
def test_a_slow_mcp_tool_times_out_and_the_connection_survives() -> None:
    from thinkdial.tools.mcp import MCPToolset

    with MCPToolset([sys.executable, SERVER], include={"slow.sleep", "add"}, prefix="srv_", timeout=0.5) as toolset:
        tools = {t.name: t for t in toolset}
        assert set(tools) == {"srv_add", "srv_slow_sleep"}
        started = time.perf_counter()
        late = asyncio.run(tools["srv_slow_sleep"].call({"seconds": 30}))
        assert not late.ok and "timed out" in late.content
        assert time.perf_counter() - started < 5
        assert asyncio.run(tools["srv_add"].call({"a": 1, "b": 2})).content == "3.0"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_streamable_http_server(tmp_path: Path) -> None:
    from thinkdial.tools.mcp import MCPToolset

    port = _free_port()
    log = (tmp_path / "mcp.log").open("wb")
    proc = subprocess.Popen([sys.executable, SERVER, "http", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "mcp.log").read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        with MCPToolset(f"http://127.0.0.1:{port}/mcp") as toolset:
            add = next(t for t in toolset if t.name == "add")
            assert asyncio.run(add.call({"a": 37, "b": 48})).content == "85.0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.mark.slow
def test_servers_that_cannot_be_used_are_named() -> None:
    from thinkdial.tools.mcp import MCPConnectionError, MCPToolset

    with pytest.raises(MCPConnectionError, match="sys.exit"):
        MCPToolset([sys.executable, "-c", "import sys; sys.exit(3)"], connect_timeout=20).connect()
    with pytest.raises(MCPConnectionError, match="127.0.0.1"):
        MCPToolset(f"http://127.0.0.1:{_free_port()}/mcp", connect_timeout=20).connect()
    with pytest.raises(ValueError, match="server"):
        MCPToolset("  ")
