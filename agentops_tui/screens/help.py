"""`?`: the keys and what each status means."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = (
    ("↑ ↓ / j k", "move between services"),
    ("g G", "first / last row (also in alerts, journal and logs)"),
    ("Enter", "details of the selected service (alerts: its service; journal: the whole entry)"),
    ("/", "filter rows by name, kind, status or reason"),
    ("Esc", "clear the filter / go back"),
    ("s", "cycle sort: worst first (the default), config order, name, p95, errors, spend"),
    ("r", "restart the selected (or marked) service(s)"),
    ("t", "throttle: requests per minute, or a container's CPUs and memory"),
    ("d", "drain, then stay drained, resume, or restart and resume (Docker: then stop)"),
    ("R", "resume after a drain"),
    ("S", "start a stopped container"),
    (
        "l",
        "logs of the selected service (f: follow on/off; /: query, e.g. level=error since=1h timeout; c: columns or"
        " lines as written; t: jump to a time, 14:05, or at=14:05 in a query)",
    ),
    (
        "Space",
        "mark or unmark for a bulk action, and the cursor moves down; the header counts marks, an action uses them",
    ),
    ("r t d R S l", "also on a service's detail screen, for that service"),
    ("a", "audit journal of every action (r reloads it)"),
    ("$", "spend: runaway tasks, burn rate, projection, by service, model and task type"),
    ("!", "alerts: firing, then pending, with since when and the value"),
    ("Ctrl+P", "command palette: actions for the selected service; type a name to open a service"),
    ("?", "this help"),
    ("q", "quit"),
)

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

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        for k, what in KEYS:
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
