"""Saved conversations: where they live, their JSON shape, and their exports.

Each conversation is a folder under the XDG data directory::

    $XDG_DATA_HOME/thinkdial/conversations/<id>/conversation.json
                                               /transcript.md   (written by /save)
                                               /trace.jsonl     (written by /save)

``conversation.json`` holds the messages and, for every answer, a summary of
its steps plus its trace events (without the streamed text deltas), so a
reopened conversation can show its badges and step traces again.

This module does not import textual: it is plain data and file handling.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from thinkdial.models.base import Message, Usage
from thinkdial.result import Step, StopReason

AnswerStatus = StopReason | Literal["streaming"]
"""How an answer ended: a run's stop reason, or still streaming."""

#: How many earlier messages are sent to the agent as history (keeps small local contexts from overflowing).
HISTORY_MESSAGES = 12


def data_dir() -> Path:
    """``$XDG_DATA_HOME/thinkdial`` (default ``~/.local/share/thinkdial``)."""
    base = os.environ.get("XDG_DATA_HOME") or ""
    root = Path(base).expanduser() if base.strip() else Path.home() / ".local" / "share"
    return root / "thinkdial"


def conversations_dir() -> Path:
    """The folder that holds one sub-folder per saved conversation."""
    return data_dir() / "conversations"


class ChatMessage(BaseModel):
    """One message of a conversation. Assistant messages carry their answer's details."""

    role: Literal["user", "assistant"]
    content: str = ""
    at: float = Field(default_factory=time.time)
    status: AnswerStatus = "final"
    message: str = ""
    """Why the answer stopped early, in words."""
    thinking: str = ""
    superseded_draft: str = ""
    policy: str = ""
    usage: Usage = Field(default_factory=Usage)
    steps: list[Step] = Field(default_factory=list)
    trace: list[dict[str, Any]] = Field(default_factory=list)
    """The answer's trace events (JSON form, text deltas left out)."""


def new_conversation_id() -> str:
    """A sortable, unique id: ``YYYYmmdd-HHMMSS-xxxx``."""
    return datetime.now().strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


class Conversation(BaseModel):
    """A chat: its messages and the settings it ran with."""

    id: str = Field(default_factory=new_conversation_id)
    title: str = ""
    created: float = Field(default_factory=time.time)
    updated: float = Field(default_factory=time.time)
    fast: str = ""
    thinker: str = ""
    policy: str = "adaptive"
    messages: list[ChatMessage] = Field(default_factory=list)

    def add(self, message: ChatMessage) -> ChatMessage:
        """Append a message (the first user message becomes the title)."""
        self.messages.append(message)
        if not self.title and message.role == "user":
            self.title = _title(message.content)
        self.updated = time.time()
        return message

    def history(self, limit: int = HISTORY_MESSAGES) -> list[Message]:
        """The conversation as agent history: user/assistant pairs whose answer has text."""
        out: list[Message] = []
        pending: ChatMessage | None = None
        for m in self.messages:
            if m.role == "user":
                pending = m
            elif pending is not None and m.content.strip() and m.status != "streaming":
                out.append(Message(role="user", content=pending.content))
                out.append(Message(role="assistant", content=m.content))
                pending = None
        return out[-limit:] if limit else out


def _title(text: str, width: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


class ConversationInfo(BaseModel):
    """One line of the saved-conversations list."""

    id: str
    title: str
    updated: float
    messages: int
    path: Path


class CorruptConversationError(ValueError):
    """A saved conversation file exists but cannot be read (truncated, edited, not JSON)."""

    def __init__(self, conversation_id: str, path: Path, cause: BaseException) -> None:
        self.conversation_id = conversation_id
        self.path = path
        try:
            self.mtime = path.stat().st_mtime
        except OSError:
            self.mtime = 0.0
        first = str(cause).strip().splitlines()[0][:160] if str(cause).strip() else type(cause).__name__
        super().__init__(f"The saved conversation {conversation_id!r} ({path}) is unreadable: {first}")


@dataclass
class ResumeChoice:
    """The result of :meth:`ConversationStore.resume_latest`."""

    conversation: Conversation | None
    skipped: list[CorruptConversationError] = field(default_factory=list)

    @property
    def warning(self) -> str:
        """One sentence about skipped newer conversations ("" when none were skipped)."""
        if not self.skipped:
            return ""
        newest = self.skipped[0]
        more = f" (and {len(self.skipped) - 1} more)" if len(self.skipped) > 1 else ""
        then = (
            f"; opening the newest readable one, {self.conversation.id!r}, instead"
            if self.conversation is not None
            else "; starting a new conversation"
        )
        return f"{newest}{more}{then}. The file is left untouched."


class PartialSaver:
    """Saves an answer while it streams, at most once per ``min_interval`` seconds.

    Call :meth:`update` with the text so far on every delta (cheap: it only
    writes when the interval has passed), and :meth:`finish` when the answer
    ends. After a crash the saved answer holds what had streamed up to the last
    save, with status ``streaming`` (reported as interrupted when reloaded).

    Example (in the app)::

        saver = PartialSaver(store, conversation, answer_message, min_interval=1.0)
        ...on each text delta:   saver.update(answer_text_so_far, thinking_so_far)
        ...when the run ends:    saver.finish(status=result.stop_reason, message=result.message)
    """

    def __init__(
        self,
        store: ConversationStore,
        conversation: Conversation,
        message: ChatMessage,
        *,
        min_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.conversation = conversation
        self.message = message
        self.min_interval = min_interval
        self.clock = clock
        self.saves = 0
        self._last = float("-inf")
        self._dirty = False
        self._lock = threading.Lock()
        message.status = "streaming"

    def update(self, content: str, thinking: str | None = None) -> bool:
        """Record the answer so far; writes it when ``min_interval`` has passed. Returns True if it wrote."""
        with self._lock:
            self.message.content = content
            if thinking is not None:
                self.message.thinking = thinking
            self._dirty = True
            if self.clock() - self._last < self.min_interval:
                return False
            return self._save()

    def flush(self) -> bool:
        """Write now if anything changed since the last save."""
        with self._lock:
            return self._save() if self._dirty else False

    def finish(self, status: AnswerStatus = "final", message: str = "", content: str | None = None) -> None:
        """Mark the answer finished (its final status) and write it."""
        with self._lock:
            if content is not None:
                self.message.content = content
            self.message.status = status
            self.message.message = message or self.message.message
            self._save()

    def _save(self) -> bool:
        self.conversation.updated = time.time()
        self.store.save(self.conversation)
        self._last = self.clock()
        self._dirty = False
        self.saves += 1
        return True


class ConversationStore:
    """Reads and writes conversations under ``root`` (default: :func:`conversations_dir`)."""

    FILE = "conversation.json"

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else conversations_dir()

    def folder(self, conversation_id: str) -> Path:
        """The folder of one conversation."""
        return self.root / conversation_id

    def save(self, conversation: Conversation) -> Path:
        """Write ``conversation.json`` atomically; returns its path.

        The JSON goes to a uniquely named temporary file in the same folder, is
        flushed to disk, then replaces the old file in one ``os.replace``: two
        writers (two windows on one conversation) never share a temporary file,
        and a reader sees either the old or the new file, never a partial one.
        """
        folder = self.folder(conversation.id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / self.FILE
        data = conversation.model_dump_json(indent=1).encode("utf-8")
        fd, tmp_name = tempfile.mkstemp(prefix=f".{self.FILE}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
        return path

    def load(self, conversation_id: str) -> Conversation:
        """Load one conversation. Raises ``FileNotFoundError`` with a readable message when it is missing,
        :class:`CorruptConversationError` when the file cannot be read as a conversation.

        An answer still marked ``streaming`` was cut by a crash: it comes back as ``cancelled``
        with what had streamed, and a note saying so.
        """
        path = self.folder(conversation_id) / self.FILE
        if not path.is_file():
            raise FileNotFoundError(f"No saved conversation {conversation_id!r} in {self.root}.")
        try:
            conversation = Conversation.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CorruptConversationError(conversation_id, path, exc) from exc
        for m in conversation.messages:
            if m.status == "streaming":
                m.status = "cancelled"
                m.message = m.message or "interrupted: the app stopped while this answer was streaming"
        return conversation

    def list(self) -> list[ConversationInfo]:
        """Saved conversations, most recently updated first (unreadable files are skipped)."""
        infos: list[ConversationInfo] = []
        if not self.root.is_dir():
            return infos
        for path in self.root.glob(f"*/{self.FILE}"):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                infos.append(
                    ConversationInfo(
                        id=str(data.get("id") or path.parent.name),
                        title=str(data.get("title") or "(untitled)"),
                        updated=float(data.get("updated") or path.stat().st_mtime),
                        messages=len(data.get("messages") or []),
                        path=path,
                    )
                )
            except (OSError, ValueError, TypeError):
                continue
        infos.sort(key=lambda i: (i.updated, i.id), reverse=True)
        return infos

    def latest(self) -> Conversation | None:
        """The most recently updated readable conversation, or None. Prefer :meth:`resume_latest`,
        which also says when newer conversations could not be read."""
        return self.resume_latest().conversation

    def corrupt(self) -> builtins.list[CorruptConversationError]:
        """Conversation folders whose ``conversation.json`` cannot be read, newest first."""
        bad: builtins.list[CorruptConversationError] = []
        if not self.root.is_dir():
            return bad
        for path in self.root.glob(f"*/{self.FILE}"):
            try:
                Conversation.model_validate_json(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                bad.append(CorruptConversationError(path.parent.name, path, exc))
        bad.sort(key=lambda e: e.mtime, reverse=True)
        return bad

    def resume_latest(self) -> ResumeChoice:
        """What ``--resume`` should open: the newest readable conversation, and the newer ones it skipped.

        When the newest conversation on disk is corrupt, ``skipped`` names it and
        ``warning`` is the sentence to show (the app must show it rather than
        silently opening an older conversation).
        """
        good: Conversation | None = None
        for info in self.list():
            try:
                good = self.load(info.id)
                break
            except (OSError, ValueError):
                continue
        newest_good = good.updated if good is not None else float("-inf")
        skipped = [e for e in self.corrupt() if e.mtime >= newest_good]
        return ResumeChoice(conversation=good, skipped=skipped)

    def export(self, conversation: Conversation) -> tuple[Path, Path]:
        """Write ``transcript.md`` and ``trace.jsonl`` next to the conversation; returns both paths."""
        self.save(conversation)
        folder = self.folder(conversation.id)
        md = folder / "transcript.md"
        md.write_text(transcript_markdown(conversation), encoding="utf-8")
        jsonl = folder / "trace.jsonl"
        with jsonl.open("w", encoding="utf-8") as fh:
            answer_no = 0
            for m in conversation.messages:
                if m.role != "assistant":
                    continue
                answer_no += 1
                for event in m.trace:
                    fh.write(json.dumps({**event, "answer": answer_no}) + "\n")
        return md, jsonl


def badge_plain(step: Step) -> str:
    """A one-line, plain-text description of a step (used in the Markdown transcript)."""
    parts = [step.label]
    if step.estimated:
        parts.append(f"difficulty {step.difficulty:.2f}")
    parts.append(f"{step.usage.total_tokens:,} tok")
    parts.append(f"${step.usage.cost_usd:.4f}")
    if step.verify_passed is not None:
        parts.append("verified" if step.verify_passed else "verification failed")
    if step.revisions:
        parts.append(f"revised x{step.revisions}")
    if step.tool_calls:
        parts.append(", ".join(f"{t.get('name')}()" for t in step.tool_calls))
    return " · ".join(parts)


def transcript_markdown(conversation: Conversation) -> str:
    """The conversation as a readable Markdown document."""
    when = datetime.fromtimestamp(conversation.created).strftime("%Y-%m-%d %H:%M")
    lines = [
        f"# {conversation.title or 'thinkdial conversation'}",
        "",
        f"*thinkdial conversation `{conversation.id}` — started {when} — fast: {conversation.fast or '?'}, "
        f"thinker: {conversation.thinker or '?'}*",
        "",
    ]
    for m in conversation.messages:
        if m.role == "user":
            lines += ["## You", "", m.content, ""]
            continue
        lines += ["## thinkdial", ""]
        for step in m.steps:
            lines.append(f"*step {step.index}: {badge_plain(step)}*  ")
        if m.steps:
            lines.append("")
        if m.thinking:
            lines += ["<details><summary>thinking</summary>", "", m.thinking, "", "</details>", ""]
        lines += [m.content or "*(no answer)*", ""]
        if m.status not in ("final", "streaming"):
            lines += [f"> **{m.status}**" + (f": {m.message}" if m.message else ""), ""]
        lines += [f"*{m.usage.total_tokens:,} tokens, ${m.usage.cost_usd:.4f}*", ""]
    return "\n".join(lines).rstrip() + "\n"
