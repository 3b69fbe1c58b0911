"""The thinkdial Textual chat app (``thinkdial chat``).

``import thinkdial.tui`` stays light: textual is imported only when ``thinkdial.tui.app`` (or
another widget module) is, for example through :func:`run_chat`.
"""

from __future__ import annotations

if __name__ != "thinkdial.tui":
    raise ImportError(
        f"{__name__!r} is thinkdial's source folder; import it as 'thinkdial.tui' "
        "(install the project with `pip install -e .`)."
    )

from typing import Any

__all__ = ["run_chat"]


def run_chat(*args: Any, **kwargs: Any) -> int:
    """Open the chat UI; see :func:`thinkdial.tui.app.run_chat`."""
    from thinkdial.tui.app import run_chat as _run_chat

    return _run_chat(*args, **kwargs)
