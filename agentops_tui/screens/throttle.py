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
from probes.text.sanitize import clean


def limit_problem(raw: str) -> str | None:
    """Why the typed limit is not usable, or None."""
    if not raw:
        return f"type the new limit: a whole number of requests per minute, from 1 to {MAX_REQUESTS_PER_MINUTE:,}"
    if not (raw.isascii() and raw.isdigit()):
        return f"{clean(raw, 20)} is not a whole number of requests per minute"
    if len(raw) > 7 or int(raw) > MAX_REQUESTS_PER_MINUTE:  # the length first: int() of 5,000 digits raises
        return f"the limit is at most {MAX_REQUESTS_PER_MINUTE:,} requests per minute"
    if int(raw) < 1:
        return "the limit is at least 1 request per minute"
    return None


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
            yield Input(placeholder="new limit, requests per minute", id="limit")  # any text: a wrong one is said
            yield Static("", id="operation")
            yield Static("", id="error")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Throttle", id="confirm", variant="error", disabled=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#limit", Input))

    def _raw(self) -> str:
        return self.query_one("#limit", Input).value.strip()

    def _value(self) -> int | None:
        raw = self._raw()
        return int(raw) if limit_problem(raw) is None else None

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
        raw = self._raw()
        self.query_one("#error", Static).update(Text(limit_problem(raw) or "") if raw else "")

    @on(Input.Submitted, "#limit")
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        value = self._value()
        if value is not None:
            self.dismiss(value)
        else:
            self.query_one("#error", Static).update(Text(limit_problem(self._raw()) or ""))

    @on(Button.Pressed, "#cancel")
    def _cancel_button(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
