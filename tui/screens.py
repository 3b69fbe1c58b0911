"""Modal screens: help, an answer's step trace, and the saved-conversation picker."""

from __future__ import annotations

from datetime import datetime

from rich.markdown import Markdown as RichMarkdown
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from thinkdial.tui.commands import help_markdown
from thinkdial.tui.storage import ConversationInfo


class _Dialog(ModalScreen[None]):
    """A modal with a title and scrollable Markdown; Escape or q closes it."""

    BINDINGS = [
        Binding("escape", "dismiss_screen", "Close"),
        Binding("q", "dismiss_screen", "Close", show=False),
    ]

    def __init__(self, title: str, markdown: str) -> None:
        super().__init__(classes="dialog-screen")
        self._title = title
        self.markdown = markdown
        """The Markdown source shown (rendered with Rich in one widget: much faster than one widget per block)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Content(self._title), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(RichMarkdown(self.markdown, hyperlinks=False), classes="dialog-text")
            yield Label("Escape to close", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(".dialog-body", VerticalScroll).focus()

    def action_dismiss_screen(self) -> None:
        self.dismiss(None)


class HelpScreen(_Dialog):
    """Every key and command."""

    BINDINGS = [*_Dialog.BINDINGS, Binding("f1", "dismiss_screen", "Close", show=False)]

    def __init__(self) -> None:
        super().__init__("Help — thinkdial chat", help_markdown())


class TraceScreen(_Dialog):
    """One answer's full step trace: signals, route decisions, budget checks, model calls, tools."""

    def __init__(self, markdown: str) -> None:
        super().__init__("Step trace", markdown)


class HistoryScreen(ModalScreen[str | None]):
    """Pick a saved conversation; dismisses with its id (or None)."""

    BINDINGS = [Binding("escape", "cancel", "Close")]

    def __init__(self, conversations: list[ConversationInfo], current: str | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.conversations = conversations
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Saved conversations", classes="dialog-title")
            if self.conversations:
                options = []
                for info in self.conversations:
                    when = datetime.fromtimestamp(info.updated).strftime("%Y-%m-%d %H:%M")
                    mark = " (open)" if info.id == self.current else ""
                    options.append(Option(Content(f"{when}  {info.title}  · {info.messages} msgs · {info.id}{mark}"), id=info.id))
                yield OptionList(*options, id="history-list")
            else:
                yield Label("No saved conversations yet.", classes="dialog-body")
            yield Label("Enter to open · Escape to close", classes="dialog-hint")

    def on_mount(self) -> None:
        if self.conversations:
            self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
