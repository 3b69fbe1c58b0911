"""Slash commands typed into the chat input: parsing and the help text.

``parse_command("/budget tokens 4000")`` returns a :class:`Command` (or raises
:class:`CommandError` with a message for the user). The app decides what each
command does; this module only understands the syntax. No textual import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from thinkdial.policies.routing import POLICY_NAMES

POLICIES = POLICY_NAMES

#: (usage, description) for every command, in help order.
COMMANDS: list[tuple[str, str]] = [
    ("/budget", "show the per-answer ceilings"),
    ("/budget 0.05", "set the cost ceiling per answer (USD)"),
    ("/budget tokens 4000", "set the token ceiling per answer (input + output + thinking)"),
    ("/budget off", "remove both ceilings (also: /budget cost off, /budget tokens off)"),
    ("/policy adaptive|fast|think", "choose the routing policy"),
    ("/model fast NAME", "switch the fast model ('embedded', a .gguf path or a litellm name)"),
    ("/model thinker NAME", "switch the thinking model"),
    ("/clear", "start a new conversation (the current one stays saved; also /new)"),
    ("/save", "write the transcript (Markdown) and the trace (JSON Lines) to the conversation folder"),
    ("/history", "list saved conversations and open one (also /resume)"),
    ("/resume ID", "open a saved conversation by id"),
    ("/trace", "show the step trace of the latest answer"),
    ("/help", "this help (also F1 or ?)"),
    ("/quit", "leave (also Ctrl+Q or Ctrl+C)"),
]

#: (keys, description) for the key bindings, in help order.
KEYS: list[tuple[str, str]] = [
    ("Enter", "send the message or command"),
    ("Escape", "cancel the answer being streamed (what was streamed stays, marked cancelled)"),
    ("Ctrl+T  (t on a selected answer)", "show / hide the thinking blocks"),
    ("F2  (Enter or click on an answer)", "open the step trace of the selected or latest answer"),
    ("Tab / Shift+Tab, ↑ / ↓ on answers", "move between the input and the answers"),
    ("F1  or  ?", "help"),
    ("Ctrl+Q  or  Ctrl+C", "quit"),
]


class CommandError(ValueError):
    """A command the user typed could not be understood; ``str(err)`` says why and how to fix it."""


@dataclass
class Command:
    """A parsed slash command: its ``name`` and keyword ``args``."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)


_ALIASES = {"new": "clear", "resume": "history", "exit": "quit", "q": "quit", "h": "help", "?": "help"}


def _float(text: str) -> float:
    try:
        value = float(text.lstrip("$"))
    except ValueError:
        raise CommandError(f"'{text}' is not a number. Example: /budget 0.05") from None
    if value < 0:
        raise CommandError("A ceiling cannot be negative.")
    return value


def _int(text: str) -> int:
    try:
        value = int(float(text.replace(",", "").replace("_", "")))
    except ValueError:
        raise CommandError(f"'{text}' is not a whole number. Example: /budget tokens 4000") from None
    if value < 0:
        raise CommandError("A ceiling cannot be negative.")
    return value


_OFF = ("off", "none", "no", "unlimited", "inf")


def parse_budget(parts: list[str]) -> Command:
    """``/budget [cost|tokens] VALUE|off``."""
    if not parts:
        return Command("budget", {"show": True})
    head = parts[0].lower()
    if head in _OFF and len(parts) == 1:
        return Command("budget", {"cost": None, "tokens": None})
    if head in ("tokens", "token", "tok"):
        if len(parts) != 2:
            raise CommandError("Usage: /budget tokens 4000  (or /budget tokens off)")
        value = None if parts[1].lower() in _OFF else _int(parts[1])
        return Command("budget", {"tokens": value})
    if head in ("cost", "usd", "$"):
        if len(parts) != 2:
            raise CommandError("Usage: /budget cost 0.05  (or /budget cost off)")
        return Command("budget", {"cost": None if parts[1].lower() in _OFF else _float(parts[1])})
    if len(parts) == 1:
        return Command("budget", {"cost": _float(head)})
    raise CommandError("Usage: /budget 0.05 | /budget tokens 4000 | /budget off")


def parse_command(text: str) -> Command:
    """Parse one line starting with ``/``. Raises :class:`CommandError` for unknown or malformed commands."""
    parts = text.strip().lstrip("/").split()
    if not parts:
        raise CommandError("Empty command. Type /help for the list.")
    name = parts[0].lower()
    name = _ALIASES.get(name, name)
    rest = parts[1:]
    if name == "budget":
        return parse_budget(rest)
    if name == "policy":
        if not rest:
            return Command("policy", {"show": True})
        policy = rest[0].lower()
        if policy not in POLICIES or len(rest) > 1:
            raise CommandError(f"Unknown policy '{' '.join(rest)}'. Use one of: {', '.join(POLICIES)}.")
        return Command("policy", {"policy": policy})
    if name == "model":
        if not rest:
            return Command("model", {"show": True})
        role = rest[0].lower()
        if role not in ("fast", "thinker") or len(rest) < 2:
            raise CommandError("Usage: /model fast NAME  or  /model thinker NAME  (NAME: embedded, a .gguf path, a litellm name)")
        return Command("model", {"role": role, "name": " ".join(rest[1:])})
    if name == "history":
        return Command("history", {"id": rest[0] if rest else None})
    if name in ("clear", "save", "help", "quit", "trace"):
        if rest:
            raise CommandError(f"/{name} takes no arguments.")
        return Command(name)
    raise CommandError(f"Unknown command '/{parts[0]}'. Type /help for the list.")


def help_markdown() -> str:
    """The help screen's content."""
    lines = [
        "Each answer is drafted by the **fast** model. When the draft looks uncertain, the step is handed to the "
        "**thinker** with a thinking budget that fits its difficulty. The badge on each step shows the route "
        "(FAST or THINK(level)), the difficulty, tokens, cost and verification.",
        "",
        "## Keys",
        "",
    ]
    lines += [f"- **{k}** — {d}" for k, d in KEYS]
    lines += ["", "## Commands", ""]
    lines += [f"- `{c}` — {d}" for c, d in COMMANDS]
    lines += [
        "",
        "Conversations are saved automatically under `$XDG_DATA_HOME/thinkdial/conversations/` "
        "(default `~/.local/share/thinkdial/conversations/`).",
    ]
    return "\n".join(lines)
