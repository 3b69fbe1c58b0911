"""A tool that runs Python code in a separate, limited process.

The code runs as ``sys.executable -I -c <code>`` in a fresh temporary
directory with an almost empty environment, under a wall-clock timeout (the
whole process group is killed) and resource limits set in the child before it
starts: address space (memory), file size (which also caps output) and core
dumps. This contains accidents and runaway loops; it is not a security sandbox
against hostile code (the process can still read files and use the network).
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from thinkdial.tools.base import Tool, tool

try:  # POSIX only; elsewhere the code runs without resource limits
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

__all__ = ["python_tool", "run_code"]

MAX_OUTPUT_CHARS = 8000  # per stream, after truncation
MAX_FILE_BYTES = 16 * 1024 * 1024  # RLIMIT_FSIZE: caps files written and captured output
_GRACE_SECONDS = 5.0  # the Tool's own timeout exceeds the process timeout by this much


def python_tool(timeout: float = 10.0, memory_mb: int = 256) -> Tool[..., str]:
    """Build the ``run_python`` tool.

    Args:
        timeout: Wall-clock seconds one run may take before the process is killed.
        memory_mb: Address-space limit of the process in MiB.

    Returns:
        A :class:`~tools.base.Tool` named ``run_python`` taking ``code: str``.
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be positive, got {timeout!r}")
    if memory_mb < 32:
        raise ValueError(f"memory_mb must be at least 32 (the interpreter needs it), got {memory_mb!r}")

    @tool(timeout=timeout + _GRACE_SECONDS)
    def run_python(code: str) -> str:
        """Run a Python 3 program and return what it printed (stdout, then stderr and the exit code if it failed).

        Each run starts fresh in an empty directory; print the values you need.

        Args:
            code: A complete Python program, e.g. "print(sum(range(10)))".
        """
        return run_code(code, timeout=timeout, memory_mb=memory_mb)

    return run_python


def run_code(code: str, *, timeout: float = 10.0, memory_mb: int = 256) -> str:
    """Run ``code`` in a limited subprocess and describe the outcome as text.

    Args:
        code: The Python program.
        timeout: Wall-clock seconds before the process group is killed.
        memory_mb: Address-space limit in MiB.

    Returns:
        Stdout; then ``[stderr]`` and its text if any; then ``[exit code N]``
        (with a hint for memory, size or signal limits) if the exit code is not 0.
        ``(no output)`` if there is nothing to show.

    Raises:
        TimeoutError: The program ran longer than ``timeout`` (its partial output is quoted).
    """
    with tempfile.TemporaryDirectory(prefix="thinkdial-py-") as tmp:
        workdir = Path(tmp) / "work"
        workdir.mkdir()
        out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
        env = {"PATH": os.defpath, "HOME": str(workdir), "TMPDIR": str(workdir), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        with out_path.open("wb") as out, err_path.open("wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-c", code],
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                preexec_fn=_limits(memory_mb, timeout),
                start_new_session=True,
            )
            try:
                returncode: int | None = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                returncode = None
        stdout, stderr = _read(out_path), _read(err_path)
    if returncode is None:
        partial = _compose(stdout, stderr, 0, memory_mb)
        shown = "" if partial == "(no output)" else f" Output before it was stopped:\n{partial}"
        raise TimeoutError(f"the program ran longer than {timeout:g} s and was killed.{shown}")
    return _compose(stdout, stderr, returncode, memory_mb)


def _limits(memory_mb: int, timeout: float) -> Callable[[], None] | None:
    """The ``preexec_fn`` that applies resource limits in the child, or None without ``resource``."""
    if resource is None:
        return None
    wanted = [
        (resource.RLIMIT_AS, memory_mb * 1024 * 1024),
        (resource.RLIMIT_FSIZE, MAX_FILE_BYTES),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_CPU, math.ceil(timeout) + 1),
    ]
    limits: list[tuple[int, int]] = []
    for which, value in wanted:  # never ask for more than the current hard limit
        _, hard = resource.getrlimit(which)
        limits.append((which, value if hard == resource.RLIM_INFINITY else min(value, hard)))

    def apply() -> None:  # runs in the child between fork and exec: keep it minimal
        for which, value in limits:
            resource.setrlimit(which, (value, value))

    return apply


def _kill_group(proc: subprocess.Popen[Any]) -> None:
    """Kill the child's whole process group and reap the child."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        proc.kill()
    proc.wait()


def _read(path: Path) -> str:
    """Decode a captured stream as UTF-8, replacing undecodable bytes."""
    return path.read_bytes().decode("utf-8", errors="replace")


def _compose(stdout: str, stderr: str, returncode: int, memory_mb: int) -> str:
    """Assemble the text the model sees from the streams and the exit status."""
    parts: list[str] = []
    if stdout:
        parts.append(_truncate(stdout).rstrip("\n"))
    if stderr:
        parts.append("[stderr]\n" + _truncate(stderr).rstrip("\n"))
    if returncode != 0:
        parts.append(f"[exit code {returncode}{_exit_hint(returncode, stderr, memory_mb)}]")
    return "\n".join(parts) if parts else "(no output)"


def _exit_hint(returncode: int, stderr: str, memory_mb: int) -> str:
    """Explain exit statuses caused by the limits."""
    if "MemoryError" in stderr:
        return f": memory limit of {memory_mb} MB exceeded"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        if name == "SIGXFSZ":
            return f": killed by {name}, output or file size limit of {MAX_FILE_BYTES // (1024 * 1024)} MB exceeded"
        if name == "SIGXCPU":
            return f": killed by {name}, CPU time limit exceeded"
        return f": killed by {name}"
    return ""


def _truncate(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    """Keep the head and the tail of long text, noting how much was cut."""
    if len(text) <= limit:
        return text
    head, tail = text[: limit * 3 // 4], text[-(limit // 4) :]
    return f"{head}\n[... {len(text) - len(head) - len(tail)} characters omitted ...]\n{tail}"
