"""The Textual chat app, driven with Textual's pilot against ScriptedModel (one slow test uses the embedded model)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("textual")

from textual.widgets import Collapsible, Input, Markdown, OptionList, ProgressBar  # noqa: E402

from thinkdial import Agent  # noqa: E402
from thinkdial.errors import ModelFileError  # noqa: E402
from thinkdial.models import Pricing, ScriptedModel, ScriptedReply, tool_call  # noqa: E402
from thinkdial.policies.estimate.difficulty import DifficultyEstimator, hand_set_calibration
from thinkdial.tui.app import ChatApp  # noqa: E402
from thinkdial.tui.commands import CommandError, parse_command  # noqa: E402
from thinkdial.tui.screens import HelpScreen, HistoryScreen, TraceScreen  # noqa: E402
from thinkdial.tui.storage import ChatMessage, Conversation, ConversationStore, conversations_dir  # noqa: E402
from thinkdial.tui.widgets import AnswerView, Badge, Note, UserMessage  # noqa: E402

PRICING = Pricing(input_per_mtok=100.0, output_per_mtok=400.0)
SIZE = (110, 40)


@pytest.fixture(autouse=True)
def _data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test saves conversations under its own XDG data folder."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg"


def scripted_app(fast: list[Any], thinker: list[Any] | None = None, **kwargs: Any) -> ChatApp:
    """A ChatApp on scripted models (no extra estimate samples)."""
    fast_model = ScriptedModel(fast, name="fast-double", pricing=PRICING, repeat_last=True)
    thinker_model = ScriptedModel(thinker or ["(thinker unused)"], name="thinker-double", pricing=PRICING, repeat_last=True)
    tools = kwargs.pop("tools", [])
    return ChatApp(
        fast=fast_model,
        thinker=thinker_model,
        agent_factory=lambda f, t: Agent(
            fast=f, thinker=t, estimate="tokens", tools=tools,
            estimator=DifficultyEstimator(calibration=hand_set_calibration()),  # independent of the shipped fit
        ),
        **kwargs,
    )


async def until(pilot: Any, condition: Any, timeout: float = 5.0) -> None:
    """Pause the pilot until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the UI")
        await pilot.pause(0.02)


async def ask(pilot: Any, app: ChatApp, text: str, wait: bool = True) -> AnswerView:
    """Type ``text`` into the input, press Enter, and (by default) wait for the answer to finish."""
    prompt = app.query_one("#prompt", Input)
    prompt.focus()
    prompt.value = text
    await pilot.press("enter")
    await until(pilot, lambda: app.answering or bool(app.query(AnswerView)))
    answer = list(app.query(AnswerView))[-1]
    if wait:
        await until(pilot, lambda: not app.answering and answer.status != "streaming")
        await pilot.pause()
    return answer


async def command(pilot: Any, app: ChatApp, text: str) -> None:
    prompt = app.query_one("#prompt", Input)
    prompt.focus()
    prompt.value = text
    await pilot.press("enter")
    await pilot.pause()


def notes(app: ChatApp) -> list[str]:
    return [n.text for n in app.query(Note)]


def badge_text(answer: AnswerView) -> str:
    return " | ".join(str(b.render()) for b in answer.query(Badge))


def markdown_sources(answer: AnswerView) -> str:
    return "\n".join(m.source for m in answer.query(Markdown))


# -- chat -------------------------------------------------------------------------------


async def test_first_screen_and_typing_streams_answer_into_markdown() -> None:
    app = scripted_app([ScriptedReply(text="Paris is the capital of **France**.", confidence=0.99, delay=0.005)])
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.agent is not None)
        assert "fast-double" in str(app.query_one("#status-models").render())
        await pilot.press(*"capital of France?")
        await pilot.press("enter")
        await until(pilot, lambda: bool(app.query(AnswerView)))
        answer = app.query_one(AnswerView)
        await until(pilot, lambda: answer.status == "final")
        assert [m.text for m in app.query(UserMessage)] == ["capital of France?"]
        assert "Paris is the capital of **France**." in markdown_sources(answer)
        draft = answer.query_one(".phase-draft", Markdown)
        assert draft.source == "Paris is the capital of **France**."
        assert app.query_one("#prompt", Input).value == ""


async def test_badge_shows_fast_for_confident_draft() -> None:
    app = scripted_app([ScriptedReply(text="4", confidence=0.99)])
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask(pilot, app, "2+2?")
        text = badge_text(answer)
        assert "FAST" in text and "THINK" not in text
        assert "difficulty 0.0" in text
        assert not answer.query(".superseded")


async def test_badge_shows_think_for_uncertain_draft_and_draft_is_superseded() -> None:
    app = scripted_app(
        [ScriptedReply(text="maybe 84 or so", confidence=0.2)],
        [ScriptedReply(text="It is 85.", thinking="37 + 48: 30 + 40 = 70, 7 + 8 = 15, so 85.")],
    )
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask(pilot, app, "What is 37 + 48?")
        text = badge_text(answer)
        assert "THINK(" in text
        draft = answer.query_one(".phase-draft", Markdown)
        assert draft.has_class("superseded") and "maybe 84" in draft.source
        assert answer.query_one(".phase-think", Markdown).source == "It is 85."
        # The run's final answer is the thinker's whole answer, not a span read out of it.
        assert answer.record.content == "It is 85."
        assert not answer.query(".final-answer") or answer.query_one(".final-answer", Markdown).source == "It is 85."
        # Thinking streams into its own collapsed block; Ctrl+T toggles it.
        (thinking,) = answer.thinking_blocks()
        assert thinking.collapsed
        assert "30 + 40 = 70" in thinking.query_one(Markdown).source
        await pilot.press("ctrl+t")
        assert not thinking.collapsed
        await pilot.press("ctrl+t")
        assert thinking.collapsed


async def test_tool_calls_show_inline_and_collapsed() -> None:
    from thinkdial.tools import tool

    @tool
    def calculator(expression: str) -> str:
        """Evaluate an arithmetic expression."""
        return "85"

    app = scripted_app(
        [ScriptedReply(text="84?", confidence=0.2), ScriptedReply(text="37 + 48 = 85", confidence=0.99)],
        [ScriptedReply(text="", tool_calls=[tool_call("calculator", {"expression": "37 + 48"})])],
        tools=[calculator],
    )
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask(pilot, app, "37 + 48?")
        tools = [c for c in answer.query(Collapsible) if c.has_class("tool")]
        assert len(tools) == 1 and tools[0].collapsed
        assert "calculator" in str(tools[0].title) and "85" in str(tools[0].title)
        assert "tools: calculator" in badge_text(answer)
        assert answer.record.content == "37 + 48 = 85"


async def test_status_bar_tokens_and_cost_move_and_warn_near_ceiling() -> None:
    app = scripted_app([ScriptedReply(text="one two three four five six", confidence=0.99)], max_cost=0.02)
    async with app.run_test(size=SIZE) as pilot:
        usage = app.query_one("#status-usage")
        assert str(usage.render()).startswith("0 tok")
        answer = await ask(pilot, app, "count to six")
        text = str(usage.render())
        assert not text.startswith("0 tok") and "/$0.02" in text
        tokens = answer.tracker.usage.total_tokens
        assert tokens > 0 and f"{tokens:,} tok" in text
        bar = app.query_one("#status-ceiling", ProgressBar)
        assert 0 < bar.progress < 0.8 and not bar.has_class("-warning")
        assert "⏱" in str(app.query_one("#status-elapsed").render())
        # A ceiling just above what an answer costs turns the bar warning-coloured.
        await command(pilot, app, f"/budget {answer.tracker.usage.cost_usd * 1.1:.6f}")
        await ask(pilot, app, "again")
        assert bar.has_class("-warning")


async def test_escape_cancels_mid_stream_and_keeps_partial_text() -> None:
    words = " ".join(f"w{i}" for i in range(200))
    app = scripted_app([ScriptedReply(text=words, confidence=0.99, delay=0.05)])
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask(pilot, app, "talk a lot", wait=False)
        await until(pilot, lambda: "w3" in markdown_sources(answer))
        assert answer.status == "streaming"
        await pilot.press("escape")
        await until(pilot, lambda: not app.answering)
        assert answer.status == "cancelled"
        partial = answer.query_one(".phase-draft", Markdown).source
        assert partial.startswith("w0 w1 w2 w3") and "w199" not in partial
        assert answer.record.content == partial.strip()
        assert any("Cancelled" in n for n in notes(app))
        # The app is still usable afterwards.
        assert app.query_one("#prompt", Input).has_focus


async def test_exhausted_budget_shows_its_message() -> None:
    app = scripted_app([ScriptedReply(text="never shown", confidence=0.99)])
    async with app.run_test(size=SIZE) as pilot:
        await command(pilot, app, "/budget tokens 5")
        assert any("tokens 5" in n for n in notes(app))
        answer = await ask(pilot, app, "hello there")
        assert answer.status == "budget"
        assert any("Budget reached" in n and "budget too small" in n for n in notes(app))
        assert app.query_one("#status-ceiling", ProgressBar).has_class("-warning") or answer.tracker.usage.total_tokens == 0


async def test_save_writes_markdown_transcript_and_jsonl_trace(_data_home: Path) -> None:
    app = scripted_app([ScriptedReply(text="Saved answer.", confidence=0.99)])
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, app, "save me")
        await command(pilot, app, "/save")
        folder = conversations_dir() / app.conversation.id
        assert folder.is_relative_to(_data_home)
        md, jsonl = folder / "transcript.md", folder / "trace.jsonl"
        assert md.is_file() and jsonl.is_file()
        assert "save me" in md.read_text() and "Saved answer." in md.read_text() and "FAST" in md.read_text()
        events = [json.loads(line) for line in jsonl.read_text().splitlines()]
        types = {e["type"] for e in events}
        assert {"run_started", "route", "signals", "budget_check", "final"} <= types
        assert any(str(md) in n and str(jsonl) in n for n in notes(app))
        # Conversations are also saved automatically as JSON.
        assert (folder / "conversation.json").is_file()


async def test_policy_command_switches_policy() -> None:
    app = scripted_app([ScriptedReply(text="unsure guess", confidence=0.2)], ["thought answer"])
    async with app.run_test(size=SIZE) as pilot:
        await command(pilot, app, "/policy fast")
        assert app.policy == "fast"
        assert "policy: fast" in str(app.query_one("#status-policy").render())
        answer = await ask(pilot, app, "hard question")
        assert "FAST" in badge_text(answer) and "THINK" not in badge_text(answer)
        assert answer.record.content == "unsure guess"
        await command(pilot, app, "/policy think")
        answer = await ask(pilot, app, "hard question")
        assert "THINK" in badge_text(answer)
        await command(pilot, app, "/policy sideways")
        assert app.policy == "think"
        assert any("Unknown policy" in n for n in notes(app))


async def test_history_is_passed_to_the_agent() -> None:
    app = scripted_app([ScriptedReply(text="first answer", confidence=0.99)])
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, app, "first question")
        await ask(pilot, app, "second question")
        request = app.agent.fast.requests[-1]
        contents = [(m.role, m.content) for m in request.messages]
        assert ("user", "first question") in contents and ("assistant", "first answer") in contents
        assert contents[-1] == ("user", "second question")


async def test_resume_reloads_a_saved_conversation() -> None:
    first = scripted_app([ScriptedReply(text="Remembered answer.", confidence=0.99)])
    async with first.run_test(size=SIZE) as pilot:
        await ask(pilot, first, "remember this")
        saved_id = first.conversation.id

    again = scripted_app([ScriptedReply(text="Follow-up answer.", confidence=0.99)], resume=True)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.conversation.id == saved_id
        assert [m.text for m in again.query(UserMessage)] == ["remember this"]
        (answer,) = again.query(AnswerView)
        assert "Remembered answer." in markdown_sources(answer)
        assert "FAST" in badge_text(answer)
        # The step trace of a reloaded answer still opens.
        answer.focus()
        await pilot.press("enter")
        assert isinstance(again.screen, TraceScreen)
        await pilot.press("escape")
        # New messages continue the conversation, with the old turns as history.
        await ask(pilot, again, "and now?")
        contents = [m.content for m in again.agent.fast.requests[-1].messages]
        assert "remember this" in contents and "Remembered answer." in contents

    by_id = scripted_app(["x"], resume=saved_id)
    async with by_id.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert by_id.conversation.id == saved_id and len(by_id.query(AnswerView)) == 2

    missing = scripted_app(["x"], resume="no-such-id")
    async with missing.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("No saved conversation" in n for n in notes(missing))


async def test_history_command_lists_conversations_and_opens_one() -> None:
    store = ConversationStore()
    old = Conversation(fast="fast-double", thinker="thinker-double")
    old.add(ChatMessage(role="user", content="an older question"))
    old.add(ChatMessage(role="assistant", content="an older answer"))
    store.save(old)
    app = scripted_app(["fresh"])
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, app, "new chat")
        await command(pilot, app, "/history")
        assert isinstance(app.screen, HistoryScreen)
        options = app.screen.query_one(OptionList)
        assert options.option_count == 2
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        options.highlighted = ids.index(old.id)
        await pilot.press("enter")
        await pilot.pause()
        assert app.conversation.id == old.id
        assert [m.text for m in app.query(UserMessage)] == ["an older question"]


async def test_clear_starts_a_new_conversation() -> None:
    app = scripted_app(["answer"])
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, app, "one")
        first_id = app.conversation.id
        await command(pilot, app, "/clear")
        assert not app.query(AnswerView) and app.conversation.id != first_id
        assert ConversationStore().load(first_id).messages


async def test_help_screen_keys_and_question_mark_in_input() -> None:
    app = scripted_app(["answer"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.markdown
        for needle in ("/budget tokens 4000", "/policy", "/model fast NAME", "/save", "/history", "Escape", "Ctrl+T"):
            assert needle in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        # '?' typed into the input is text, not the help key.
        await pilot.press(*"why?")
        assert app.query_one("#prompt", Input).value == "why?"
        assert not isinstance(app.screen, HelpScreen)
        await command(pilot, app, "/help")
        assert isinstance(app.screen, HelpScreen)


async def test_trace_screen_shows_signals_route_and_budget_checks() -> None:
    app = scripted_app([ScriptedReply(text="guess", confidence=0.2)], ["better"], max_tokens=4000)
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask(pilot, app, "q")
        await pilot.press("f2")
        assert isinstance(app.screen, TraceScreen)
        text = app.screen.markdown
        assert "signals" in text and "route" in text and "budget check" in text and "THINK" in text
        await pilot.press("escape")
        await pilot.click(Badge)
        assert isinstance(app.screen, TraceScreen)
        assert answer is not None


async def test_model_errors_are_shown_not_raised() -> None:
    def broken(fast: Any, thinker: Any) -> Agent:
        raise ModelFileError("Model file not found: /nope.gguf.", "Pass an existing .gguf path.")

    app = ChatApp(fast="/nope.gguf", agent_factory=broken)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: any("Could not load" in n for n in notes(app)))
        answer = await ask(pilot, app, "hello")
        assert answer.status == "error"
        assert any("Model file not found" in n for n in notes(app))
        await command(pilot, app, "/frobnicate")
        assert any("Unknown command" in n for n in notes(app))


async def test_run_errors_are_shown_in_the_chat() -> None:
    app = scripted_app([RuntimeError("the API is unreachable")])
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask(pilot, app, "hello")
        assert answer.status == "error"
        assert any("the API is unreachable" in n for n in notes(app))
        assert app.is_running


async def test_model_command_switches_models() -> None:
    app = scripted_app(["from the first model"])
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.agent is not None)
        replacement = ScriptedModel(["from the new model"], name="new-fast", repeat_last=True)
        app.fast_spec = None
        app.agent_factory = lambda f, t: Agent(
            fast=replacement if f == "new-fast" else f, thinker=t, estimate="tokens",
            estimator=DifficultyEstimator(calibration=hand_set_calibration()),
        )
        await command(pilot, app, "/model fast new-fast")
        await until(pilot, lambda: app.agent is not None and app.agent.fast.name == "new-fast")
        assert "fast: new-fast" in str(app.query_one("#status-models").render())
        assert app.agent.thinker.name == "thinker-double"
        answer = await ask(pilot, app, "hi")
        assert answer.record.content == "from the new model"


async def test_ctrl_q_and_ctrl_c_quit_cleanly() -> None:
    for key in ("ctrl+q", "ctrl+c"):
        app = scripted_app(["x"])
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(key)
            await pilot.pause()
        assert app.return_code == 0 and app._exception is None


# -- plain logic -------------------------------------------------------------------------


def test_parse_commands() -> None:
    assert parse_command("/budget 0.05").args == {"cost": 0.05}
    assert parse_command("/budget $0.10").args == {"cost": 0.10}
    assert parse_command("/budget tokens 4000").args == {"tokens": 4000}
    assert parse_command("/budget off").args == {"cost": None, "tokens": None}
    assert parse_command("/policy think").args == {"policy": "think"}
    assert parse_command("/model thinker openai/gpt-4o-mini").args == {"role": "thinker", "name": "openai/gpt-4o-mini"}
    assert parse_command("/resume abc").name == "history"
    for bad in ("/budget lots", "/budget tokens", "/policy nope", "/model", "/model slow x", "/wat"):
        if bad == "/model":
            assert parse_command(bad).args == {"show": True}
            continue
        with pytest.raises(CommandError):
            parse_command(bad)


def test_store_honours_xdg_and_round_trips(_data_home: Path) -> None:
    store = ConversationStore()
    assert store.root == _data_home / "thinkdial" / "conversations"
    assert store.latest() is None
    c = Conversation()
    c.add(ChatMessage(role="user", content="q"))
    c.add(ChatMessage(role="assistant", content="a", status="cancelled"))
    store.save(c)
    loaded = store.latest()
    assert loaded is not None and loaded.id == c.id and loaded.title == "q"
    assert [(m.role, m.content) for m in loaded.history()] == [("user", "q"), ("assistant", "a")]


def test_import_tui_is_light() -> None:
    import subprocess
    import sys

    code = "import sys, thinkdial.tui; assert 'textual' not in sys.modules, 'textual imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- the real embedded model ---------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(120)
async def test_chat_answers_on_the_embedded_model() -> None:
    app = ChatApp(policy="fast")
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask(pilot, app, "What is the capital of France? Answer in one line.", wait=False)
        await until(pilot, lambda: answer.status != "streaming", timeout=90)
        assert answer.status == "final", notes(app)
        assert answer.record.content.strip()
        assert markdown_sources(answer).strip()
        assert "FAST" in badge_text(answer)


async def test_resume_says_so_when_the_newest_conversation_is_corrupt() -> None:
    older = scripted_app([ScriptedReply(text="Older answer.", confidence=0.99)])
    async with older.run_test(size=SIZE) as pilot:
        await ask(pilot, older, "an older question")
        older_id = older.conversation.id
    time.sleep(0.05)
    newer = scripted_app([ScriptedReply(text="Newer answer.", confidence=0.99)])
    async with newer.run_test(size=SIZE) as pilot:
        await ask(pilot, newer, "a newer question")
        newer_id = newer.conversation.id
    store = ConversationStore()
    (store.folder(newer_id) / ConversationStore.FILE).write_text("{ not json")

    again = scripted_app(["x"], resume=True)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.conversation.id == older_id
        assert any(newer_id in n and "instead" in n for n in notes(again)), notes(again)


async def test_an_answer_is_saved_while_it_streams() -> None:
    long_answer = " ".join(f"word{i}" for i in range(60))
    app = scripted_app([ScriptedReply(text=long_answer, confidence=0.99, delay=0.05)])
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, app, "tell me something long", wait=False)
        path = ConversationStore().folder(app.conversation.id) / ConversationStore.FILE
        # Mid-stream, the file on disk already holds part of the answer (a crash now would keep it).
        await until(pilot, lambda: path.exists() and "word2" in path.read_text(), timeout=10)
        saved = json.loads(path.read_text())["messages"][-1]
        assert saved["status"] == "streaming" and 0 < len(saved["content"]) < len(long_answer)
        await until(pilot, lambda: not app.answering, timeout=20)


async def test_no_ceiling_set_means_the_default_ceiling_and_budget_off_lifts_it() -> None:
    from thinkdial.settings import DEFAULT_BUDGET

    app = scripted_app(["Paris."])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.budget() == DEFAULT_BUDGET
        await command(pilot, app, "/budget off")
        assert app.budget().max_tokens is None and app.budget().max_cost_usd is None
        await command(pilot, app, "/budget tokens 500")
        assert app.budget().max_tokens == 500
