"""The audit journal's text: one record per row, a whole record as a grid, and the title (every value cleaned,
none parsed as markup; odd values in a hand-edited or foreign line are shown as text, never an error)."""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table
from rich.text import Text

from probes.text.sanitize import clean

PHASE_STYLE = {
    "succeeded": "green", "failed": "bold red", "cancelled": "yellow", "started": "bold", "abandoned": "bold yellow",
}  # fmt: skip
PARAM_NAMES = {"max_requests_per_minute": "rpm", "memory_bytes": "memory"}
ACTION_WIDTH = 32  # a huge value (or a hand-edited line) must not push DETAIL off the screen


def _mapping(value: object) -> dict[str, Any]:
    """A field that should be an object; anything else in a hand-edited or foreign line reads as empty."""
    return value if isinstance(value, dict) else {}


def journal_row(rec: dict[str, Any]) -> tuple[Text, ...]:
    """One journal line as table cells (pure; every value cleaned, none parsed as markup; odd values shown as
    text, never an error)."""
    phase = str(rec.get("phase", ""))
    before = _mapping(rec.get("before"))
    after = _mapping(rec.get("after"))
    change = ""
    if before or after:
        change = f"{before.get('status', '–')} → {after.get('status', '…')}" if after else str(before.get("status", ""))
    params = _mapping(rec.get("params"))
    action = str(rec.get("action", ""))
    if isinstance(params, dict) and params:
        action += " " + " ".join(f"{PARAM_NAMES.get(k, k)}={clean(v, 12)}" for k, v in params.items())
    return (
        Text(clean(str(rec.get("time", ""))[:19].replace("T", " "), 20)),
        Text(clean(rec.get("user", ""), 20)),
        Text(clean(rec.get("service", ""), 40), style="bold"),
        Text(clean(action, ACTION_WIDTH)),
        Text(clean(phase, 12), style=PHASE_STYLE.get(phase, "")),
        Text(clean(change, 30), style="dim"),
        Text(
            clean(rec.get("error") or rec.get("seen") or rec.get("operation") or "", 200),
            style="red" if rec.get("error") else "dim",
        ),
    )


def entry_table(rec: dict[str, Any]) -> Table:
    """Every field of one journal record, values wrapped (nested ones as JSON), none parsed as markup."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rec.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        table.add_row(Text(clean(str(key), 40)), Text(clean(text, 4000)))
    return table


JOURNAL_COLUMNS = ("TIME (UTC)", "USER", "SERVICE", "ACTION", "PHASE", "STATUS", "DETAIL")


def journal_title(path: str, lines: int, skipped: int) -> Text:
    """The journal's file, its line count and the unreadable lines skipped."""
    return Text.assemble(
        (" Audit journal ", "bold reverse"),
        f"  {clean(path, 200)}  ",
        (f"{lines} lines", "dim"),
        (f", {skipped} unreadable line{'s' if skipped != 1 else ''} skipped" if skipped else "", "bold yellow"),
        ("; Enter shows the whole entry", "dim"),  # last: a long path may push it off a narrow screen
    )
