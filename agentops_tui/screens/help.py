"""`?`: the keys and what each status means."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from agentops_tui.keyhelp import key_table

STATUSES = (
    ("● OK", "every source answers and every number is inside its thresholds"),
    ("▲ WARN", "degraded, draining, an open breaker, or errors/latency above the warning line"),
    ("✖ CRIT", "unhealthy, refusing connections, HTTP errors, or above the critical line"),
    ("? UNKN", "our probe could not tell: timeout, garbage, DNS or TLS failure"),
    ("◌ STALE", "no new data for three poll intervals; the values shown are old"),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, keys: Mapping[str, str]) -> None:
        """`keys`: each binding id's keys as bound now (after the config's `keymap:`)."""
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(no_wrap=True)  # a rebound key is as wide as it is: the descriptions wrap instead
        keys.add_column(ratio=1)
        for k, what in key_table(self.keys):
            keys.add_row(Text(k, style="bold"), Text(what))
        statuses = Table.grid(padding=(0, 2))
        for k, what in STATUSES:
            statuses.add_row(Text(k, style="bold"), Text(what))
        with VerticalScroll(id="help-box"):
            yield Static(Text("Keys", style="bold underline"))
            yield Static(keys)
            yield Static(Text("\nStatuses", style="bold underline"))
            yield Static(statuses)
            yield Static(Text("\nEsc or ? closes this help.", style="dim"))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
