"""Split ``<think>…</think>`` thinking text out of a streamed answer."""

from __future__ import annotations

from typing import Literal

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"

Piece = tuple[Literal["answer", "thinking"], str]


class ThinkSplitter:
    """Feed streamed text; get (kind, text) pieces with the tags removed.

    A tag split across two pieces is held back until it is complete, so no
    fragment of ``<think>`` ever reaches the answer.
    """

    def __init__(self) -> None:
        self.in_thinking = False
        self.closed_thinking = False
        self._pending = ""
        self.answer = ""
        self.thinking = ""

    def feed(self, text: str) -> list[Piece]:
        """Consume ``text`` and return the pieces that are now certain."""
        self._pending += text
        out: list[Piece] = []
        while self._pending:
            if self.in_thinking:
                tag, idx = CLOSE_TAG, self._pending.find(CLOSE_TAG)
            else:
                # Outside thinking a stray closing tag (a model echoing one) is dropped.
                hits = [(i, t) for t in (OPEN_TAG, CLOSE_TAG) if (i := self._pending.find(t)) >= 0]
                idx, tag = min(hits) if hits else (-1, OPEN_TAG)
            if idx >= 0:
                self._emit(out, self._pending[:idx])
                self._pending = self._pending[idx + len(tag) :]
                if tag == OPEN_TAG or self.in_thinking:
                    self.in_thinking = not self.in_thinking
                if not self.in_thinking:
                    self.closed_thinking = self.closed_thinking or tag == CLOSE_TAG
                    self._pending = self._pending.lstrip("\n") if not self.answer else self._pending
                continue
            keep = max(_partial_suffix(self._pending, OPEN_TAG), _partial_suffix(self._pending, CLOSE_TAG))
            self._emit(out, self._pending[: len(self._pending) - keep])
            self._pending = self._pending[len(self._pending) - keep :]
            break
        return out

    def flush(self) -> list[Piece]:
        """Release any held-back text at the end of the stream."""
        out: list[Piece] = []
        self._emit(out, self._pending)
        self._pending = ""
        return out

    def _emit(self, out: list[Piece], text: str) -> None:
        if not text:
            return
        kind: Literal["answer", "thinking"] = "thinking" if self.in_thinking else "answer"
        if kind == "thinking":
            self.thinking += text
        else:
            self.answer += text
        out.append((kind, text))


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of ``tag``."""
    for n in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-n:]):
            return n
    return 0


def split_thinking(text: str) -> tuple[str, str]:
    """Split a complete reply into (answer, thinking)."""
    splitter = ThinkSplitter()
    splitter.feed(text)
    splitter.flush()
    return splitter.answer.strip(), splitter.thinking.strip()
