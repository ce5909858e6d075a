"""The key table of the `?` help and of `agentops-tui help keys`: what each binding does, its key looked up live.

Pure (no Textual): the rows name binding ids, and the keys come from a map of id -> key that the app builds from
its bindings after the `keymap:` rebinds, or `help keys` builds from the same binding lists and the config.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

Row = tuple[tuple[str, ...], str]
"""(binding ids, or a literal key written as `=Key`; what they do)"""

ROWS: tuple[Row, ...] = (
    (("table.up", "table.down"), "move between services"),
    (("table.first", "table.last"), "first / last row (also in alerts, journal and logs)"),
    (("table.detail",), "details of the selected service (alerts: its service; journal: the whole entry)"),
    (("overview.filter",), "filter rows by name, kind, status or reason"),
    (("overview.clear_filter",), "clear the filter / go back"),
    (("overview.sort",), "cycle sort: worst first (the default), config order, name, p95, errors, spend"),
    (("overview.restart",), "restart the selected (or marked) service(s)"),
    (("overview.throttle",), "throttle: requests per minute, or a container's CPUs and memory"),
    (("overview.drain",), "drain, then stay drained, resume, or restart and resume (Docker: then stop)"),
    (("overview.resume",), "resume after a drain"),
    (("overview.start",), "start a stopped container"),
    (
        ("overview.logs",),
        "logs of the selected service (f: follow on/off; /: query, e.g. level=error since=1h timeout; c: columns or"
        " lines as written; t: jump to a time, 14:05, or at=14:05 in a query)",
    ),
    (
        ("overview.mark",),
        "mark or unmark for a bulk action, and the cursor moves down; the header counts marks, an action uses them",
    ),
    (
        ("detail.restart", "detail.throttle", "detail.drain", "detail.resume", "detail.start", "detail.logs"),
        "also on a service's detail screen, for that service",
    ),
    (("overview.journal",), "audit journal of every action (r reloads it)"),
    (("overview.spend",), "spend: runaway tasks, burn rate, projection, by service, model and task type"),
    (("overview.alerts",), "alerts: firing, then pending, with since when and the value"),
    (("=Ctrl+P",), "command palette: actions for the selected service, themes; type a name to open a service"),
    (("app.help",), "this help"),
    (("app.quit",), "quit"),
)

NAMES = {
    "up": "↑", "down": "↓", "left": "←", "right": "→", "question_mark": "?", "slash": "/", "dollar_sign": "$",
    "exclamation_mark": "!", "space": "Space", "enter": "Enter", "escape": "Esc", "home": "Home", "end": "End",
    "pageup": "PgUp", "pagedown": "PgDn", "tab": "Tab", "backspace": "Backspace", "delete": "Del",
}  # fmt: skip


def key_name(key: str) -> str:
    """`ctrl+question_mark` -> `Ctrl+?`: the way the terminal's user would write it."""
    *mods, last = key.strip().split("+")
    shown = NAMES.get(last, last.upper() if mods and len(last) == 1 else last)
    return "+".join([*(m.capitalize() for m in mods), shown])


def keys_by_id(bindings: Iterable[tuple[str, str]], keymap: Mapping[str, str]) -> dict[str, str]:
    """Each binding id's keys (`up,k`), the keymap's where it rebinds the id; `bindings` are (id, key) pairs."""
    found: dict[str, str] = {}
    for binding_id, key in bindings:
        found.setdefault(binding_id, keymap.get(binding_id) or key)
    return found


def key_table(keys: Mapping[str, str]) -> list[tuple[str, str]]:
    """(keys as shown, what they do), in the help's order; a row whose ids are all unbound is left out."""
    table = []
    for ids, what in ROWS:
        shown = []
        for binding_id in ids:
            if binding_id.startswith("="):
                shown.append(binding_id[1:])
            elif binding_id in keys:
                shown.append("/".join(dict.fromkeys(key_name(k) for k in keys[binding_id].split(",") if k.strip())))
        if shown:
            table.append((" ".join(shown), what))
    return table


def plain_table(keys: Mapping[str, str]) -> str:
    """The key table as text, for `help keys`."""
    rows = key_table(keys)
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {what}" for k, what in rows)
