"""`t`: shows the current rate limit, asks the new one, and shows the exact operation before it runs."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from agentops_tui.actions.layer import MAX_REQUESTS_PER_MINUTE
from agentops_tui.screens.dialog import Dialog
from probes.sanitize import clean


class ThrottleScreen(Dialog[int | None]):
    """Returns the new limit (requests per minute), or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="throttle.cancel")]

    def __init__(self, service: str, executor: str, current: str, describe: Callable[[int], str]) -> None:
        super().__init__()
        self.service = service
        self.executor = executor
        self.current = current
        self.describe = describe

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(f"Throttle {clean(self.service, 80)}", style="bold"), id="dialog-title")
            yield Static(Text.assemble(("current   ", "dim"), clean(self.current, 80)))
            yield Static(Text.assemble(("executor  ", "dim"), self.executor))
            yield Input(placeholder="new limit, requests per minute", id="limit", type="integer")
            yield Static("", id="operation")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Throttle", id="confirm", variant="error", disabled=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#limit", Input))

    def _value(self) -> int | None:
        raw = self.query_one("#limit", Input).value.strip()
        return int(raw) if raw.isdigit() and len(raw) <= 7 and 1 <= int(raw) <= MAX_REQUESTS_PER_MINUTE else None

    @on(Input.Changed, "#limit")
    def _changed(self) -> None:
        value = self._value()
        self.query_one("#confirm", Button).disabled = value is None
        op = self.query_one("#operation", Static)
        if value is None:
            op.update(
                Text(f"a whole number of requests per minute, from 1 to {MAX_REQUESTS_PER_MINUTE:,}", style="dim")
            )
        else:
            op.update(Text.assemble(("operation ", "dim"), clean(self.describe(value), 300)))

    @on(Input.Submitted, "#limit")
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        value = self._value()
        if value is not None:
            self.dismiss(value)

    @on(Button.Pressed, "#cancel")
    def _cancel_button(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
