"""Every screen's keys, in one module that loads only `textual.binding`.

The screens and widgets take their BINDINGS from here, and so do the `?` help and `agentops-tui help keys`
(which must print them without loading the app): one list, so help cannot tell a key the screen does not have.
Each binding has an id, the name a `keymap:` entry in the config rebinds it by.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding, BindingType

from agentops_tui.keyhelp import keys_by_id

APP: list[BindingType] = [
    Binding("q", "quit", "Quit", id="app.quit"),
    Binding("question_mark", "help", "Help", id="app.help"),
]

OVERVIEW: list[BindingType] = [
    Binding("slash", "filter", "Filter", id="overview.filter"),
    Binding("s", "sort", "Sort", id="overview.sort"),
    Binding("escape", "clear_filter", "Clear filter", show=False, id="overview.clear_filter"),
    # An action key is shown only when it can run on the selection (check_action). Pressed anyway, its hidden
    # twin (same key and id, so a keymap moves both) says why, and in read-only mode journals the refusal.
    Binding("r", "act('restart')", "Restart", id="overview.restart"),
    Binding("r", "explain('restart')", "Restart", show=False, id="overview.restart"),
    Binding("t", "act('throttle')", "Throttle", id="overview.throttle"),
    Binding("t", "explain('throttle')", "Throttle", show=False, id="overview.throttle"),
    Binding("d", "act('drain')", "Drain", id="overview.drain"),
    Binding("d", "explain('drain')", "Drain", show=False, id="overview.drain"),
    Binding("R", "act('resume')", "Resume", show=False, id="overview.resume"),
    Binding("R", "explain('resume')", "Resume", show=False, id="overview.resume"),
    Binding("S", "act('start')", "Start", show=False, id="overview.start"),
    Binding("S", "explain('start')", "Start", show=False, id="overview.start"),
    Binding("l", "logs", "Logs", show=False, id="overview.logs"),  # in the help; the footer keeps "? Help"
    Binding("space", "mark", "Mark and move down", show=False, id="overview.mark"),
    Binding("a", "journal", "Journal", id="overview.journal"),
    Binding("dollar_sign", "spend", "Spend", show=False, id="overview.spend"),
    Binding("exclamation_mark", "alerts", "Alerts", show=False, id="overview.alerts"),
]

SERVICE_TABLE: list[BindingType] = [
    Binding("enter", "open_detail", "Details", id="table.detail"),
    Binding("up,k", "cursor_up", "Up", show=False, id="table.up"),
    Binding("down,j", "cursor_down", "Down", show=False, id="table.down"),
    Binding("pageup", "page_up", "Page up", show=False),
    Binding("pagedown", "page_down", "Page down", show=False),
    Binding("home,g", "first", "First", show=False, id="table.first"),
    Binding("end,G", "last", "Last", show=False, id="table.last"),
]

LIST_TABLE: list[BindingType] = [
    Binding("g", "scroll_top", "First", show=False, id="list.first"),
    Binding("G", "scroll_bottom", "Last", show=False, id="list.last"),
]

DETAIL: list[BindingType] = [
    Binding("escape,q", "app.pop_screen", "Back", id="detail.back"),
    Binding("l", "logs", "Logs", id="detail.logs"),
    Binding("r", "act('restart')", "Restart", id="detail.restart"),
    Binding("t", "act('throttle')", "Throttle", id="detail.throttle"),
    Binding("d", "act('drain')", "Drain", id="detail.drain"),
    Binding("R", "act('resume')", "Resume", show=False, id="detail.resume"),
    Binding("S", "act('start')", "Start", show=False, id="detail.start"),
]

LOGS: list[BindingType] = [
    Binding("escape", "back", "Back", id="logs.back"),
    Binding("q", "app.pop_screen", "Back", show=False, id="logs.quit"),
    Binding("slash", "query", "Query", id="logs.query"),
    Binding("f", "toggle_follow", "Follow", id="logs.follow"),
    Binding("c", "toggle_columns", "Columns/raw", id="logs.columns"),
    Binding("t", "jump", "Jump to time", id="logs.jump"),
    Binding("g", "first", "First line", show=False, id="logs.first"),
    Binding("G", "last", "Last line", show=False, id="logs.last"),
]

JOURNAL: list[BindingType] = [
    Binding("escape,q", "app.pop_screen", "Back", id="journal.back"),
    Binding("r", "reload", "Reload", id="journal.reload"),
]

ALERTS: list[BindingType] = [Binding("escape,q", "app.pop_screen", "Back", id="alerts.back")]

SPEND: list[BindingType] = [
    Binding("escape,q", "app.pop_screen", "Back", id="spend.back"),
    Binding("t", "throttle", "Throttle runaway's service", id="spend.throttle"),
]

ALL = (APP, OVERVIEW, SERVICE_TABLE, LIST_TABLE, DETAIL, LOGS, JOURNAL, ALERTS, SPEND)
"""What the help describes (the dialogs' y/Esc are on the dialogs themselves)."""


def bound_keys(keymap: Mapping[str, str]) -> dict[str, str]:
    """Each binding id's keys once `keymap` (the app's, or the config's `keymap:`) is applied."""
    pairs = ((b.id, b.key) for group in ALL for b in group if isinstance(b, Binding) and b.id)
    return keys_by_id(pairs, keymap)
