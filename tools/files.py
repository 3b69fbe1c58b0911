"""Read-only file tools confined to a workspace directory.

Every path is resolved (symlinks followed) before use, and anything that lands
outside the workspace root is refused, so neither ``../`` nor a symlink can
reach the rest of the file system.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from thinkdial.tools.base import Tool, tool

__all__ = ["resolve_inside", "workspace_tools"]

MAX_READ_BYTES = 1_000_000  # hard ceiling on read_file's max_bytes
MAX_LIST_ENTRIES = 500
_SNIFF_BYTES = 8192


def resolve_inside(root: Path, path: str) -> Path:
    """Resolve ``path`` relative to ``root`` and refuse it if it leaves ``root``.

    Args:
        root: The workspace root (already resolved).
        path: A relative (or absolute) path given by the model.

    Returns:
        The resolved absolute path, inside ``root``.

    Raises:
        PermissionError: The path, after following symlinks, is outside ``root``.
    """
    text = (path or ".").strip() or "."
    target = (root / text).resolve()
    if target != root and not target.is_relative_to(root):
        raise PermissionError(f"{text!r} is outside the workspace; only paths inside it are allowed")
    return target


def workspace_tools(root: Path | str) -> list[Tool[..., Any]]:
    """Build ``read_file`` and ``list_dir`` tools confined to ``root``.

    Args:
        root: The workspace directory; it must exist.

    Returns:
        ``[read_file, list_dir]`` as :class:`~tools.base.Tool` objects. Each offers the paths it can take
        (``Tool.offers``): ``read_file`` the workspace's files, ``list_dir`` ``"."`` and its folders, read
        afresh for every run, so a local model's tool grammar can only name real ones.

    Raises:
        NotADirectoryError: ``root`` is not an existing directory.
    """
    base = Path(root).expanduser().resolve()
    if not base.is_dir():
        raise NotADirectoryError(f"workspace root {str(root)!r} is not an existing directory")

    @tool
    def read_file(path: str, max_bytes: int = 20000) -> str:
        """Read a text file from the workspace.

        Args:
            path: File path relative to the workspace root.
            max_bytes: Read at most this many bytes; longer files are truncated.
        """
        target = resolve_inside(base, path)
        if not target.exists():
            raise FileNotFoundError(f"no such file in the workspace: {path!r}")
        if target.is_dir():
            raise IsADirectoryError(f"{path!r} is a directory; use list_dir to see its contents")
        return _read_text(target, path, max(1, min(int(max_bytes), MAX_READ_BYTES)))

    @tool
    def list_dir(path: str = ".") -> str:
        """List the files and subdirectories of a workspace directory.

        Args:
            path: Directory path relative to the workspace root ("." for the root).
        """
        target = resolve_inside(base, path)
        if not target.exists():
            raise FileNotFoundError(f"no such directory in the workspace: {path!r}")
        if not target.is_dir():
            raise NotADirectoryError(f"{path!r} is a file, not a directory; use read_file to read it")
        return _listing(target)

    read_file.offers = lambda: {"path": _walk(base, dirs=False)}
    list_dir.offers = lambda: {"path": [".", *_walk(base, dirs=True)]}
    return [read_file, list_dir]


def _walk(root: Path, *, dirs: bool, limit: int = 65) -> list[str]:
    """Relative POSIX paths of the files (or folders) under ``root``, hidden ones skipped, at most ``limit``
    (a caller offering at most 64 sees that there are more)."""
    out: list[str] = []
    for folder, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        here = Path(folder).relative_to(root)
        names = subdirs if dirs else sorted(f for f in files if not f.startswith("."))
        for name in names:
            out.append((here / name).as_posix())
            if len(out) >= limit:
                return out
    return out


def _read_text(target: Path, shown: str, max_bytes: int) -> str:
    """Read up to ``max_bytes`` of ``target`` as UTF-8 text, refusing binary and non-regular files.

    The file is opened non-blocking and checked with ``fstat`` on the open handle, so a FIFO,
    socket or device (even one swapped in after the path was checked) is refused at once
    instead of blocking until the tool's timeout.
    """
    if not stat.S_ISREG(target.stat().st_mode):
        raise ValueError(f"{shown!r} is not a regular file (a pipe, socket or device); read_file only reads files")
    fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise ValueError(f"{shown!r} is not a regular file (a pipe, socket or device); read_file only reads files")
    size = info.st_size
    os.set_blocking(fd, True)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(max_bytes + 1)
    truncated = len(data) > max_bytes
    data = data[:max_bytes]
    binary = ValueError(f"{shown!r} is a binary file ({size} bytes); read_file only returns text")
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise binary
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the truncation is fine; anything else is binary.
        if not (truncated and exc.start >= len(data) - 3):
            raise binary from None
        text = data[: exc.start].decode("utf-8", errors="strict")
    if truncated:
        text += f"\n[truncated: showed the first {max_bytes} of {size} bytes]"
    return text


def _listing(target: Path) -> str:
    """One line per entry: directories end with ``/``, files show their size."""
    entries = sorted(os.scandir(target), key=lambda e: (not _is_dir(e), e.name.lower()))
    if not entries:
        return "(empty directory)"
    lines = []
    for entry in entries[:MAX_LIST_ENTRIES]:
        if _is_dir(entry):
            lines.append(f"{entry.name}/")
        else:
            try:
                lines.append(f"{entry.name}  ({entry.stat().st_size} bytes)")
            except OSError:  # e.g. a dangling symlink
                lines.append(entry.name)
    if len(entries) > MAX_LIST_ENTRIES:
        lines.append(f"[... and {len(entries) - MAX_LIST_ENTRIES} more entries]")
    return "\n".join(lines)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """``entry.is_dir()`` that treats unreadable entries as files."""
    try:
        return entry.is_dir()
    except OSError:
        return False
