"""The thinkdial Textual chat app (``thinkdial chat``).

``import tui`` stays light: textual is imported only when ``tui.app`` (or
another widget module) is, for example through :func:`run_chat`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["run_chat"]


def run_chat(*args: Any, **kwargs: Any) -> int:
    """Open the chat UI; see :func:`tui.app.run_chat`."""
    from tui.app import run_chat as _run_chat

    return _run_chat(*args, **kwargs)
