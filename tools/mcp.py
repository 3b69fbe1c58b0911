"""Tools from an MCP server: ``MCPToolset("server.py")`` or ``MCPToolset("http://127.0.0.1:8000/mcp")``.

Each tool the server lists becomes a :class:`~thinkdial.tools.SchemaTool` with the
server's JSON schema (nested objects and ``$ref`` included), so its calls go
through the same argument validation, timeouts and error reporting as ``@tool``
functions, and the agent's budget checks around them. The ``mcp`` package is
imported on first connection only.

The connection lives on a small background thread with its own event loop, so
one toolset serves any number of runs (``run_sync`` starts a new loop for each)
and sync or async callers alike. Close it with :meth:`MCPToolset.close` (or use
it as a context manager); it is also closed at interpreter exit.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import re
import shlex
import sys
import threading
import weakref
from collections.abc import Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from thinkdial.tools.base import SchemaTool, Tool

__all__ = ["MCPConnectionError", "MCPToolError", "MCPToolset"]

_BAD_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")


class MCPConnectionError(RuntimeError):
    """The MCP server could not be started, reached or listed; the message names the server."""


class MCPToolError(RuntimeError):
    """The MCP server reported that a tool call failed (``isError``); the text is the server's."""


class MCPToolset:
    """The tools of one MCP server, usable wherever a list of tools is: ``Agent(tools=[calculator, MCPToolset(...)])``.

    Args:
        server: A streamable HTTP URL (``http://...`` or ``https://...``), a Python file
            (run with this interpreter), a command line (``"npx -y @some/server"``) or an
            argument list (``["uvx", "some-server", "--flag"]``) started as a stdio server.
        env: Environment for a stdio server (default: the MCP SDK's safe subset of yours).
        cwd: Working directory for a stdio server.
        prefix: Put before every tool name (e.g. ``"fs_"``) to keep names from clashing.
        include: Only these tools (server names), if given.
        exclude: Never these tools (server names).
        timeout: Seconds one tool call may take (``None``: the agent's ``tool_timeout``).
        connect_timeout: Seconds to start, connect and list the tools before failing.

    Raises:
        MCPConnectionError: (on first use) the server cannot be started, reached or listed.
    """

    def __init__(
        self,
        server: str | Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
        prefix: str = "",
        include: Collection[str] | None = None,
        exclude: Collection[str] = (),
        timeout: float | None = None,
        connect_timeout: float = 30.0,
    ) -> None:
        if isinstance(server, str):
            if not server.strip():
                raise ValueError("MCPToolset(server=...) is empty: give a URL, a server file or a command")
        elif not server or not all(isinstance(part, str) for part in server):
            raise TypeError(f"MCPToolset(server=...) takes a URL, a command string or a list of strings, not {server!r}")
        if timeout is not None and not timeout > 0:
            raise ValueError(f"MCPToolset(timeout=...) must be positive seconds or None, got {timeout!r}")
        if not connect_timeout > 0:
            raise ValueError(f"MCPToolset(connect_timeout=...) must be positive seconds, got {connect_timeout!r}")
        self.server = server
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.prefix = prefix
        self.include = set(include) if include is not None else None
        self.exclude = set(exclude)
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: Any = None
        self._closing: asyncio.Event | None = None
        self._main: Future[None] | None = None
        self._tools: list[Tool[..., Any]] | None = None

    # -- what the server is ---------------------------------------------------------------

    @property
    def is_http(self) -> bool:
        """Whether the server is reached over streamable HTTP (else it is a stdio subprocess)."""
        return isinstance(self.server, str) and self.server.startswith(("http://", "https://"))

    def describe(self) -> str:
        """The server in words, for messages."""
        return self.server if isinstance(self.server, str) else shlex.join(self.server)

    def _argv(self) -> list[str]:
        if isinstance(self.server, str):
            if self.server.endswith(".py") and " " not in self.server.strip():
                return [sys.executable, self.server]
            argv = shlex.split(self.server)
        else:
            argv = list(self.server)
        if argv and argv[0].endswith(".py"):
            argv = [sys.executable, *argv]
        return argv

    def _target(self) -> Any:
        if self.is_http:
            return self.server
        from mcp import StdioServerParameters

        argv = self._argv()
        return StdioServerParameters(
            command=argv[0], args=argv[1:], env=self.env, cwd=str(self.cwd) if self.cwd is not None else None
        )

    # -- connection -------------------------------------------------------------------------

    def connect(self) -> MCPToolset:
        """Start (or reach) the server and list its tools; idempotent. Returns ``self``."""
        with self._lock:
            if self._tools is not None:
                return self
            try:
                import mcp  # noqa: F401 - fail early, with a clear message
            except ImportError as exc:
                raise MCPConnectionError(f"MCPToolset needs the 'mcp' package ({exc}): pip install mcp") from None
            ready: Future[list[Any]] = Future()
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="thinkdial-mcp", daemon=True)
            thread.start()
            self._loop, self._thread = loop, thread
            self._main = asyncio.run_coroutine_threadsafe(self._serve(ready), loop)
            try:
                listed = ready.result(timeout=self.connect_timeout)
            except TimeoutError:
                self._shutdown()
                raise MCPConnectionError(
                    f"MCP server {self.describe()} did not answer within {self.connect_timeout:g} s "
                    "(connect_timeout=...)."
                ) from None
            except BaseException as exc:
                self._shutdown()
                raise MCPConnectionError(f"Cannot use MCP server {self.describe()}: {_describe(exc)}") from None
            try:
                self._tools = [self._wrap(t) for t in listed if self._wanted(t.name)]
            except (TypeError, ValueError) as exc:
                self._shutdown()
                raise MCPConnectionError(f"MCP server {self.describe()} lists a tool thinkdial cannot use: {exc}") from None
            _OPEN.add(self)
        return self

    async def _serve(self, ready: Future[list[Any]]) -> None:
        """Own the client for its whole life (anyio needs enter and exit in one task)."""
        from mcp import Client

        self._closing = asyncio.Event()
        try:
            async with Client(self._target(), read_timeout_seconds=self.timeout) as client:
                self._client = client
                tools: list[Any] = []
                cursor: str | None = None
                while True:
                    page = await client.list_tools(cursor=cursor)
                    tools.extend(page.tools)
                    cursor = getattr(page, "next_cursor", None)
                    if not cursor:
                        break
                ready.set_result(tools)
                await self._closing.wait()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            if not ready.done():
                ready.set_exception(exc)
            elif not isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            self._client = None

    def _wanted(self, name: str) -> bool:
        return (self.include is None or name in self.include) and name not in self.exclude

    def _wrap(self, spec: Any) -> Tool[..., Any]:
        remote = spec.name
        name = _BAD_NAME_CHARS.sub("_", f"{self.prefix}{remote}")[:64]
        schema = dict(spec.input_schema or {"type": "object", "properties": {}})

        async def call(**arguments: Any) -> str:
            return await self.call(remote, arguments)

        call.__name__ = name
        return SchemaTool(name, spec.description or "", schema, call, timeout=self.timeout)

    async def call(self, name: str, arguments: dict[str, Any] | None = None) -> str:
        """Call the server's tool ``name`` (its own name, without ``prefix``); returns its text.

        Raises:
            MCPToolError: the server reported the call as failed.
            MCPConnectionError: the toolset is closed or the server went away.
        """
        self.connect()
        loop, client = self._loop, self._client
        if loop is None or client is None or loop.is_closed():
            raise MCPConnectionError(f"MCP server {self.describe()} is not connected (closed or exited).")
        future = asyncio.run_coroutine_threadsafe(client.call_tool(name, arguments or {}), loop)
        result = await asyncio.wrap_future(future)  # cancelling this (a tool timeout) cancels the remote call
        text = _result_text(result)
        if getattr(result, "is_error", False):
            raise MCPToolError(text or f"tool {name!r} failed")
        return text

    @property
    def tools(self) -> list[Tool[..., Any]]:
        """The server's tools as thinkdial tools (connects on first use)."""
        self.connect()
        assert self._tools is not None
        return list(self._tools)

    def __iter__(self) -> Iterator[Tool[..., Any]]:
        return iter(self.tools)

    def __len__(self) -> int:
        return len(self.tools)

    # -- closing ------------------------------------------------------------------------------

    def close(self) -> None:
        """Disconnect (a stdio server process is stopped). The tools stop working; safe to call twice."""
        with self._lock:
            self._shutdown()
            _OPEN.discard(self)

    def _shutdown(self) -> None:
        loop, main = self._loop, self._main
        if loop is not None and not loop.is_closed():
            if self._closing is not None:
                loop.call_soon_threadsafe(self._closing.set)
            if main is not None:
                try:
                    main.result(timeout=10)
                except BaseException:  # noqa: BLE001 - closing: nothing left to report to
                    main.cancel()
            loop.call_soon_threadsafe(loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=5)
            if not loop.is_running():
                loop.close()
        self._loop = self._thread = self._main = None
        self._tools = None

    def __enter__(self) -> MCPToolset:
        return self.connect()

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> MCPToolset:
        await asyncio.to_thread(self.connect)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.close)

    def __repr__(self) -> str:
        state = "connected" if self._tools is not None else "not connected"
        return f"MCPToolset({self.describe()!r}, {state})"


def _result_text(result: Any) -> str:
    """A tool result as text: its text blocks, else its structured content as JSON, else a note per block."""
    parts: list[str] = []
    for block in getattr(result, "content", None) or []:
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(block.text)
        elif kind in ("image", "audio"):
            parts.append(f"[{kind}: {getattr(block, 'mime_type', '')}]")
        elif kind == "resource_link":
            parts.append(f"[resource: {getattr(block, 'uri', '')}]")
        elif kind == "resource":
            res = getattr(block, "resource", None)
            parts.append(getattr(res, "text", None) or f"[resource: {getattr(res, 'uri', '')}]")
    if not parts and getattr(result, "structured_content", None) is not None:
        return json.dumps(result.structured_content, ensure_ascii=False, default=str)
    return "\n".join(parts)


def _describe(exc: BaseException) -> str:
    """The innermost useful message of an exception (anyio wraps failures in exception groups)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


_OPEN: weakref.WeakSet[MCPToolset] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for toolset in list(_OPEN):
        try:
            toolset.close()
        except Exception:  # noqa: BLE001 - interpreter exit
            pass

