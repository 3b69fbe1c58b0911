"""A small MCP server for the tests, built with the ``mcp`` package's own server (``MCPServer``, formerly FastMCP).

``python tests/servers/mcp_server.py`` serves over stdio;
``python tests/servers/mcp_server.py http PORT`` serves streamable HTTP on 127.0.0.1:PORT/mcp.
"""

from __future__ import annotations

import sys
import time

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

server = MCPServer("thinkdial-test")


class Item(BaseModel):
    name: str
    qty: int = Field(ge=1, description="how many")


class Customer(BaseModel):
    name: str
    vip: bool = False


class Order(BaseModel):
    customer: Customer
    items: list[Item]


@server.tool()
def add(a: float, b: float) -> float:
    """Add two numbers."""
    return a + b


@server.tool()
def order_total(order: Order, unit_price: float = 2.5) -> str:
    """Total price of an order (nested objects); VIP customers get 10 % off."""
    count = sum(i.qty for i in order.items)
    total = count * unit_price * (0.9 if order.customer.vip else 1.0)
    return f"{order.customer.name}: {count} items, {total:.2f}"


@server.tool()
def fail(reason: str) -> str:
    """Always fails with the reason."""
    raise ToolError(f"refused: {reason}")


@server.tool(name="slow.sleep")
def slow_sleep(seconds: float) -> str:
    """Sleep, then say so (a dotted name, as some servers use)."""
    time.sleep(seconds)
    return f"slept {seconds}"


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
