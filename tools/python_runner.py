"""A tool that runs Python code in a separate, limited process — sandboxed by default.

Two isolation modes:

``"sandbox"`` (the default) runs the interpreter under bubblewrap (``bwrap``):
new user, PID, network, IPC, UTS and cgroup namespaces, an empty environment,
no capabilities, and a file system that holds only what Python needs, mounted
read-only (``/usr``, ``/lib*``, ``/bin``, the interpreter's prefix), a fresh
``/proc`` that shows only the sandbox's own processes, a private ``/tmp``, and
the workspace, mounted read-write at ``/work`` (the only writable place that
outlives the run). So the code cannot read ``/etc/passwd``, the user's home or
the project, cannot open network connections (only a private loopback), cannot
see the parent's environment through ``/proc``, and every process it starts dies
with it (its own PID namespace; ``--die-with-parent``). Without ``bwrap`` on
``PATH``, :func:`python_tool` refuses to build the tool unless the weak mode is
asked for explicitly.

``"process"`` (explicit opt-in) is a plain subprocess: ``-I`` mode, a fresh
temporary directory, a scrubbed environment, a timeout that kills its process
group, and resource limits. It contains accidents and runaway loops, nothing
more: the code can read every file the user can, write wherever the user can,
use the network, read other processes' environments through ``/proc``, and a
process that leaves its group (``setsid``) survives the timeout.

Both modes apply the same resource limits: address space (memory), file size
(which also caps output), CPU time, no core dumps, and a cap on processes
(effective for non-root users; root ignores ``RLIMIT_NPROC``).
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from thinkdial.tools.base import Tool, tool

try:  # POSIX only; elsewhere the code runs without resource limits
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

__all__ = ["Isolation", "SandboxUnavailableError", "bwrap_path", "python_tool", "run_code"]

Isolation = Literal["sandbox", "process"]
MAX_PROCESSES = 64  # processes the code may add (RLIMIT_NPROC; root is exempt)
SANDBOX_WORKDIR = "/work"


class SandboxUnavailableError(RuntimeError):
    """``isolation="sandbox"`` was asked for but bubblewrap is not installed or cannot run here."""


def bwrap_path() -> str | None:
    """The ``bwrap`` executable on ``PATH``, or None."""
    return shutil.which("bwrap")

MAX_OUTPUT_CHARS = 8000  # per stream, after truncation
MAX_FILE_BYTES = 16 * 1024 * 1024  # RLIMIT_FSIZE: caps files written and captured output
_GRACE_SECONDS = 5.0  # the Tool's own timeout exceeds the process timeout by this much


def python_tool(
    timeout: float = 10.0,
    memory_mb: int = 256,
    *,
    isolation: Isolation = "sandbox",
    workspace: Path | str | None = None,
) -> Tool[..., str]:
    """Build the ``run_python`` tool.

    Args:
        timeout: Wall-clock seconds one run may take before every process of it is killed.
        memory_mb: Address-space limit of the process in MiB.
        isolation: ``"sandbox"`` (default): bubblewrap, see the module docstring. ``"process"``:
            an explicit opt-in to a plain limited subprocess, which does NOT protect files,
            the network, other processes' environments, nor kill processes that leave its group.
        workspace: A directory the code may read and write (at ``/work`` in the sandbox);
            by default each run gets a fresh empty one that is deleted afterwards.

    Returns:
        A :class:`~tools.base.Tool` named ``run_python`` taking ``code: str``.

    Raises:
        SandboxUnavailableError: ``isolation="sandbox"`` but ``bwrap`` is missing or does not work.
        ValueError: A bad timeout, memory limit, isolation mode or workspace.
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be positive, got {timeout!r}")
    if memory_mb < 32:
        raise ValueError(f"memory_mb must be at least 32 (the interpreter needs it), got {memory_mb!r}")
    if isolation not in ("sandbox", "process"):
        raise ValueError(f"isolation must be 'sandbox' or 'process', got {isolation!r}")
    space = Path(workspace).expanduser().resolve() if workspace is not None else None
    if space is not None and not space.is_dir():
        raise ValueError(f"workspace {str(workspace)!r} is not an existing directory")
    if isolation == "sandbox":
        check_sandbox()

    @tool(timeout=timeout + _GRACE_SECONDS)
    def run_python(code: str) -> str:
        """Run a Python 3 program and return what it printed (stdout, then stderr and the exit code if it failed).

        Each run starts fresh in its working directory; print the values you need.

        Args:
            code: A complete Python program, e.g. "print(sum(range(10)))".
        """
        return run_code(code, timeout=timeout, memory_mb=memory_mb, isolation=isolation, workspace=space)

    return run_python


_SANDBOX_OK: bool | None = None


def check_sandbox() -> None:
    """Raise :class:`SandboxUnavailableError` unless bubblewrap can start a sandbox here (checked once)."""
    global _SANDBOX_OK
    exe = bwrap_path()
    if exe is None:
        raise SandboxUnavailableError(
            "python_tool() runs code in a bubblewrap sandbox, but 'bwrap' is not installed. "
            "Install it (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap), "
            "or pass isolation='process' to accept a plain subprocess that can read your files and use the network."
        )
    if _SANDBOX_OK is None:
        try:
            probe = subprocess.run(
                _bwrap_command(exe, Path(tempfile.gettempdir()), ["-c", "pass"]),
                capture_output=True, timeout=30, stdin=subprocess.DEVNULL,
            )
            _SANDBOX_OK = probe.returncode == 0
            detail = probe.stderr.decode(errors="replace").strip()
        except (OSError, subprocess.TimeoutExpired) as exc:
            _SANDBOX_OK, detail = False, str(exc)
        if not _SANDBOX_OK:
            _SANDBOX_OK = None
            raise SandboxUnavailableError(
                f"bubblewrap is installed but cannot create a sandbox here ({detail[:200]}); "
                "user namespaces may be disabled. Pass isolation='process' to run without it."
            )


def _interpreter() -> tuple[str, list[str]]:
    """The real interpreter (not a venv symlink) and the directories it needs, read-only."""
    exe = os.path.realpath(sys.executable)
    roots = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.base_exec_prefix), os.path.dirname(exe)}
    system = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin")
    needed = sorted(r for r in roots if not any(r == d or r.startswith(d + "/") for d in system))
    return exe, needed


def _bwrap_command(exe_bwrap: str, workdir: Path, python_args: list[str]) -> list[str]:
    """The bubblewrap command line running the interpreter with ``python_args`` in a sandbox."""
    exe, prefixes = _interpreter()
    cmd = [
        exe_bwrap,
        "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
        "--die-with-parent", "--new-session", "--clearenv", "--cap-drop", "ALL",
    ]
    for path in ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/ld.so.cache", "/etc/alternatives",
                 "/etc/localtime"):
        cmd += ["--ro-bind-try", path, path]
    for path in prefixes:
        cmd += ["--ro-bind", path, path]
    cmd += [
        "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
        "--bind", str(workdir), SANDBOX_WORKDIR, "--chdir", SANDBOX_WORKDIR,
        "--setenv", "HOME", SANDBOX_WORKDIR, "--setenv", "TMPDIR", "/tmp", "--setenv", "PATH", "/usr/bin:/bin",
        "--setenv", "LANG", "C.UTF-8", "--setenv", "LC_ALL", "C.UTF-8",
        "--", exe, "-I", *python_args,
    ]
    return cmd


def run_code(
    code: str,
    *,
    timeout: float = 10.0,
    memory_mb: int = 256,
    isolation: Isolation = "sandbox",
    workspace: Path | None = None,
) -> str:
    """Run ``code`` in a limited subprocess (sandboxed by default) and describe the outcome as text.

    Args:
        code: The Python program.
        timeout: Wall-clock seconds before every process of the run is killed.
        memory_mb: Address-space limit in MiB.
        isolation: ``"sandbox"`` (bubblewrap) or ``"process"`` (plain subprocess, weak).
        workspace: Read-write working directory; a fresh temporary one when None.

    Returns:
        Stdout; then ``[stderr]`` and its text if any; then ``[exit code N]``
        (with a hint for memory, size or signal limits) if the exit code is not 0.
        ``(no output)`` if there is nothing to show.

    Raises:
        TimeoutError: The program ran longer than ``timeout`` (its partial output is quoted).
        SandboxUnavailableError: ``isolation="sandbox"`` without a working bubblewrap.
    """
    if isolation == "sandbox":
        check_sandbox()
    with tempfile.TemporaryDirectory(prefix="thinkdial-py-") as tmp:
        workdir = workspace if workspace is not None else Path(tmp) / "work"
        workdir.mkdir(exist_ok=True)
        out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
        if isolation == "sandbox":
            argv = _bwrap_command(bwrap_path() or "bwrap", workdir, ["-c", code])
            env: dict[str, str] = {"PATH": os.defpath}
        else:
            argv = [sys.executable, "-I", "-c", code]
            env = {"PATH": os.defpath, "HOME": str(workdir), "TMPDIR": str(workdir), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        with out_path.open("wb") as out, err_path.open("wb") as err:
            proc = subprocess.Popen(
                argv,
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
        # NPROC counts every process of the real user, so allow what already runs plus MAX_PROCESSES.
        (resource.RLIMIT_NPROC, _user_processes() + MAX_PROCESSES),
    ]
    limits: list[tuple[int, int]] = []
    for which, value in wanted:  # never ask for more than the current hard limit
        _, hard = resource.getrlimit(which)
        limits.append((which, value if hard == resource.RLIM_INFINITY else min(value, hard)))

    def apply() -> None:  # runs in the child between fork and exec: keep it minimal
        for which, value in limits:
            resource.setrlimit(which, (value, value))

    return apply


def _user_processes() -> int:
    """How many processes the current user runs now (0 where ``/proc`` is unavailable)."""
    uid, count = os.getuid(), 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for name in entries:
        if name.isdigit():
            try:
                count += os.stat(f"/proc/{name}").st_uid == uid
            except OSError:
                continue
    return count


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
