"""Conversation storage under real concurrency and crashes (issue 11, persistence)."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
from pathlib import Path

from thinkdial.tui.storage import (
    ChatMessage,
    Conversation,
    ConversationStore,
    CorruptConversationError,
    PartialSaver,
)


def _writer(root: str, conversation_id: str, who: int, n: int, errors: mp.Queue) -> None:  # type: ignore[type-arg]
    store = ConversationStore(Path(root))
    conv = Conversation(id=conversation_id, title=f"writer {who}")
    failures = 0
    for i in range(n):
        conv.messages = [ChatMessage(role="user", content=f"{who}-{i} " + "x" * 2000)]
        try:
            store.save(conv)
        except OSError:
            failures += 1
    errors.put(failures)


def _reader(root: str, conversation_id: str, seconds: float, out: mp.Queue) -> None:  # type: ignore[type-arg]
    path = Path(root) / conversation_id / ConversationStore.FILE
    bad = reads = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except ValueError:
            bad += 1
        reads += 1
    out.put((reads, bad))


def test_two_writers_and_a_reader_never_collide(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    q: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    cid = "20260101-000000-abcd"
    ConversationStore(tmp_path).save(Conversation(id=cid))
    reader = ctx.Process(target=_reader, args=(str(tmp_path), cid, 3.0, q))
    writers = [ctx.Process(target=_writer, args=(str(tmp_path), cid, w, 150, q)) for w in (1, 2)]
    reader.start()
    for w in writers:
        w.start()
    for w in writers:
        w.join(60)
    reader.join(60)
    results = [q.get(timeout=10) for _ in range(3)]
    failures = [r for r in results if isinstance(r, int)]
    (reads, bad), = [r for r in results if isinstance(r, tuple)]
    assert failures == [0, 0], "a save failed"
    assert bad == 0 and reads > 0, f"a reader saw a partial file {bad} times in {reads} reads"
    assert not list((tmp_path / cid).glob("*.tmp")), "no temporary files are left behind"
    ConversationStore(tmp_path).load(cid)


def test_a_partial_answer_survives_a_crash(tmp_path: Path) -> None:
    code = f"""
import os, sys, time
from pathlib import Path
from thinkdial.tui.storage import ChatMessage, Conversation, ConversationStore, PartialSaver
store = ConversationStore(Path({str(tmp_path)!r}))
conv = Conversation(id="crash")
conv.add(ChatMessage(role="user", content="Tell me a story."))
answer = conv.add(ChatMessage(role="assistant"))
saver = PartialSaver(store, conv, answer, min_interval=0.05)
text = ""
for i in range(400):
    text += f"word{{i}} "
    saver.update(text)
    time.sleep(0.001)
print(saver.saves, flush=True)
os._exit(1)  # a crash: no finish(), no flush()
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    saves = int(proc.stdout.strip())
    assert 2 <= saves < 100, "saved as it streamed, at a bounded rate (not on every delta)"
    conv = ConversationStore(tmp_path).load("crash")
    answer = conv.messages[-1]
    assert answer.content.startswith("word0 word1") and len(answer.content) > 100
    assert answer.status == "cancelled" and "interrupted" in answer.message


def test_partial_saver_rate_and_finish(tmp_path: Path) -> None:
    now = [0.0]
    store = ConversationStore(tmp_path)
    conv = Conversation(id="c")
    msg = conv.add(ChatMessage(role="assistant"))
    saver = PartialSaver(store, conv, msg, min_interval=1.0, clock=lambda: now[0])
    assert saver.update("a") is True
    assert saver.update("ab") is False  # within the interval
    now[0] = 1.5
    assert saver.update("abc") is True
    saver.update("abcd")
    assert store.load("c").messages[0].content == "abc"
    saver.finish("final")
    saved = store.load("c").messages[0]
    assert saved.content == "abcd" and saved.status == "final"


def test_resume_says_when_the_newest_conversation_is_corrupt(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    old = Conversation(id="20250101-000000-aaaa", title="old", updated=time.time() - 3600)
    store.save(old)
    newest = tmp_path / "20260101-000000-bbbb"
    newest.mkdir()
    (newest / ConversationStore.FILE).write_text('{"id": "20260101-000000-bbbb", "messages": [', encoding="utf-8")
    choice = store.resume_latest()
    assert choice.conversation is not None and choice.conversation.id == old.id
    assert [e.conversation_id for e in choice.skipped] == ["20260101-000000-bbbb"]
    assert "20260101-000000-bbbb" in choice.warning and "unreadable" in choice.warning
    assert old.id in choice.warning
    try:
        store.load("20260101-000000-bbbb")
    except CorruptConversationError as err:
        assert err.conversation_id == "20260101-000000-bbbb"
    else:  # pragma: no cover
        raise AssertionError("a corrupt file must not load")


def test_resume_without_problems_has_no_warning(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    store.save(Conversation(id="a"))
    choice = store.resume_latest()
    assert choice.conversation is not None and choice.warning == "" and store.latest() is not None
    assert os.listdir(tmp_path / "a") == [ConversationStore.FILE]
