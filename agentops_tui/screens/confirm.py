"""The confirmation every action passes through: it names the service(s), the executor and the exact operation.

Actions on more than one service also require typing the word shown, so a stray Enter cannot restart a fleet.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from agentops_tui.presentation.workflow import confirm_body
from agentops_tui.screens.dialog import Dialog
from probes.text.sanitize import clean


class ConfirmScreen(Dialog[bool]):
    """Returns True only on an explicit confirm (and the typed word, when one is asked for)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="confirm.cancel"),
        Binding("y", "confirm", "Confirm", id="confirm.yes"),
    ]

    def __init__(self, title: str, lines: list[tuple[str, str]], verb: str, typed_word: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.verb = verb
        self.typed_word = typed_word

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(clean(self.title_text, 200), style="bold"), id="dialog-title")
            yield Static(confirm_body(self.lines), id="dialog-body")
            if self.typed_word:
                yield Static(Text.assemble("Type ", (self.typed_word, "bold reverse"), " to confirm:"))
                yield Input(placeholder=f"type {self.typed_word} to confirm", id="typed")
                yield Static("", id="error")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.verb, id="confirm", variant="error", disabled=bool(self.typed_word))

    def on_mount(self) -> None:
        if self.typed_word:
            self.set_focus(self.query_one("#typed", Input))
        else:
            self.set_focus(self.query_one("#cancel", Button))  # Enter alone cancels; `y` or the button confirms

    def word_problem(self, typed: str) -> str | None:
        """Why what was typed does not confirm, in the operator's words (None when it does)."""
        word = self.typed_word or ""
        typed = typed.strip()
        if typed == word:
            return None
        if not typed:
            return f"type {word} first (Esc cancels)"
        if typed.upper() == word:
            return f"type {word} in capital letters (Esc cancels)"
        return f"{clean(typed, 40)} is not {word}: type {word} (Esc cancels)"

    @on(Input.Changed, "#typed")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = event.value.strip() != self.typed_word
        self.query_one("#error", Static).update("")  # said on Enter; typing on takes it back

    @on(Input.Submitted, "#typed")
    def _submitted(self, event: Input.Submitted) -> None:
        problem = self.word_problem(event.value)
        if problem is None:
            self.dismiss(True)
        else:
            self.query_one("#error", Static).update(Text(problem))

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(True)

    def action_confirm(self) -> None:
        """`y` confirms a single-service action; a typed word cannot be skipped this way."""
        if not self.typed_word:
            self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancel_button(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)
