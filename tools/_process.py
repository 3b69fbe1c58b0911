"""Worker processes for synchronous tools declared ``process=True``: a timeout that can really stop them.

A thread cannot be stopped. A sync tool that holds the GIL in one long C call
(big-integer arithmetic, a pathological regular expression, a C extension)
freezes the event loop, so no timeout fires; one that merely loops keeps
running after its timeout, for ever. A process can be killed.

Each call is sent to an idle worker (started with the ``forkserver`` method,
safe in a process that runs threads, or ``spawn`` where that is missing); the
worker imports the tool's function by module and qualified name, runs it and
sends the value back. A call that is cancelled (timeout, time ceiling, Ctrl+C)
kills its worker's whole process group, so whatever the tool started dies too;
the next call starts a fresh worker. Finished workers are kept (up to
:data:`IDLE_WORKERS`) so that later calls skip the start-up.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["IDLE_WORKERS", "ToolProcessError", "call_in_process", "function_reference"]

IDLE_WORKERS = 2
"""Finished workers kept for later calls (per process, across every ``process=True`` tool)."""


class ToolProcessError(RuntimeError):
    """The worker could not run the call: it died, or the function or its value cannot cross processes."""


def function_reference(func: Callable[..., Any], argument: str) -> tuple[str, str]:
    """``(module, qualified name)`` by which a worker process imports ``func``.

    Raises ``ValueError`` naming ``argument`` when ``func`` cannot be imported
    by name: a lambda, a function defined inside another function, a callable
    object without ``__qualname__``.
    """
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
        raise ValueError(
            f"{argument}: a tool run in a worker process must be a function defined at the top level of a module "
            f"(the worker imports it by name); {func!r} is not. Define it at module level, or drop process=True."
        )
    return module, qualname


def _resolve(module: str, qualname: str) -> Callable[..., Any]:
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    from thinkdial.tools.base import Tool

    return obj.func if isinstance(obj, Tool) else obj  # the name is usually bound to the Tool that wraps it


def _worker_main(conn: Connection) -> None:
    """Body of a worker process: run calls until the parent hangs up."""
    os.setsid()  # its own process group, so a kill reaches what the tool started
    cache: dict[tuple[str, str], Callable[..., Any]] = {}
    while True:
        try:
            module, qualname, args, kwargs = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            key = (module, qualname)
            if key not in cache:
                cache[key] = _resolve(module, qualname)
            reply: tuple[str, Any] = ("ok", cache[key](*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the caller
            reply = ("error", exc)
        try:
            conn.send(reply)
        except Exception as exc:  # noqa: BLE001 - the value or the exception does not pickle
            what = "value" if reply[0] == "ok" else "exception"
            conn.send(("error", ToolProcessError(
                f"the tool's {what} ({type(reply[1]).__name__}) cannot be sent back from its worker process: {exc}"
            )))


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class _Worker:
    def __init__(self) -> None:
        ctx = _context()
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child,), name="thinkdial-tool-worker", daemon=True)
        self.process.start()
        child.close()

    def call(self, module: str, qualname: str, args: list[Any], kwargs: dict[str, Any]) -> tuple[str, Any]:
        """Send one call and wait for ``("ok", value)`` or ``("error", exception)``."""
        try:
            self.conn.send((module, qualname, args, kwargs))
        except (TypeError, AttributeError, ValueError, pickle.PicklingError) as exc:  # pickling the arguments failed
            raise ToolProcessError(f"the tool's arguments cannot be sent to its worker process: {exc}") from None
        try:
            reply: tuple[str, Any] = self.conn.recv()
        except (EOFError, OSError):
            self.process.join(timeout=1)
            code = self.process.exitcode
            raise ToolProcessError(
                "the tool's worker process died" + (f" (exit code {code})" if code is not None else "")
            ) from None
        return reply

    def kill(self) -> None:
        pid = self.process.pid
        if pid is not None:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, OSError):
                try:
                    self.process.kill()
                except (OSError, ValueError):
                    pass
        self.conn.close()
        self.process.join(timeout=1)


_idle: list[_Worker] = []
_idle_lock = threading.Lock()


def _take() -> _Worker:
    with _idle_lock:
        while _idle:
            worker = _idle.pop()
            if worker.process.is_alive():
                return worker
    return _Worker()


def _give_back(worker: _Worker) -> None:
    with _idle_lock:
        if len(_idle) < IDLE_WORKERS and worker.process.is_alive():
            _idle.append(worker)
            return
    worker.kill()


class _Call:
    """One call's worker, killable from the event loop while the call waits in a thread."""

    def __init__(self) -> None:
        self.worker: _Worker | None = None
        self.abandoned = False
        self._lock = threading.Lock()

    def run(self, module: str, qualname: str, args: list[Any], kwargs: dict[str, Any]) -> tuple[str, Any]:
        worker = _take()  # in the thread: starting a worker takes a while
        with self._lock:
            if self.abandoned:
                _give_back(worker)
                raise ToolProcessError("the call was abandoned before it started")
            self.worker = worker
        return worker.call(module, qualname, args, kwargs)

    def abandon(self) -> None:
        with self._lock:
            self.abandoned = True
            worker = self.worker
        if worker is not None:
            worker.kill()


async def call_in_process(reference: tuple[str, str], args: list[Any], kwargs: dict[str, Any], name: str) -> Any:
    """Run the function at ``reference`` in a worker process; cancelling the await kills the worker.

    Raises what the function raised, or :class:`ToolProcessError` when the call
    could not cross the process boundary or the worker died.
    """
    from thinkdial.tools.base import _run_in_daemon_thread

    call = _Call()
    try:
        status, payload = await _run_in_daemon_thread(call.run, [*reference, args, kwargs], {}, name)
    except BaseException:  # abandoned (timeout, time ceiling, Ctrl+C) or the worker failed: kill it
        call.abandon()
        raise
    if call.worker is not None:
        _give_back(call.worker)
    if status == "error":
        raise payload
    return payload
