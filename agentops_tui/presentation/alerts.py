"""The alerts screen's cells: one alert per row, and the title that counts them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from agentops_tui.presentation.formats import fmt_clock, fmt_duration
from agentops_tui.presentation.palette import Palette
from probes.text.sanitize import clean
from probes.view import alert_value

if TYPE_CHECKING:
    from probes.model import Alert

ALERT_COLUMNS = ("STATE", "SERVICE", "ALERT", "VALUE", "SINCE", "FOR", "SOURCE", "SUMMARY")


def alert_row(a: Alert, now: float, p: Palette) -> tuple[Text, ...]:
    """One alert as table cells (names and summaries from Prometheus are data, never markup)."""
    colour = p.crit if a.severity == "critical" else p.warn
    state = Text(a.state.upper(), style=f"bold {colour}" if a.state == "firing" else colour)
    return (
        state,
        Text(clean(a.service, 40) or "(fleet)", style="bold"),
        Text(clean(a.name, 40)),
        Text(alert_value(a)),
        Text(fmt_clock(a.since)),
        Text(fmt_duration(max(0.0, now - a.since))),
        Text(a.source, style=p.dim),
        Text(clean(a.summary, 200)),
    )


def alerts_title(alerts: tuple[Alert, ...]) -> Text:
    firing = sum(1 for a in alerts if a.state == "firing")
    return Text.assemble(
        (" Alerts ", "bold reverse"),
        f"  {firing} firing, {len(alerts) - firing} pending  ",
        ("built-in rules and Prometheus; Enter opens the service, Esc goes back", "dim"),
    )
