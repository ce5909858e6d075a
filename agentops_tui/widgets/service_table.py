"""The overview table: one row per service, updated cell by cell, filtered and sorted without re-creating rows."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from agentops_tui.presentation import COLUMNS, NARROW_BELOW, NARROW_DROP, Palette, row_cells
from probes.fleet import FleetSnapshot, ServiceView, status_now
from probes.model import Status

SORTS: tuple[str, ...] = ("config", "status", "name", "p95", "errors", "spend")

_SORT_KEYS: dict[str, Callable[[ServiceView, Status, int], object]] = {
    "config": lambda v, st, i: i,
    "status": lambda v, st, i: (-st.rank, i),
    "name": lambda v, st, i: v.name.lower(),
    "p95": lambda v, st, i: (-(v.latency_p95_s or -1.0), i),
    "errors": lambda v, st, i: (-(v.error_rate or -1.0), i),
    "spend": lambda v, st, i: (-(v.spend_today_usd or -1.0), i),
}


def _cell_key(t: Text) -> tuple[str, str]:
    return t.plain, str(t.style)


class ServiceTable(DataTable[Text]):
    """Rows keyed by service name. Only views that changed (a new object from the poller) are re-rendered, and
    only cells whose text or style changed are written."""

    BINDINGS = [
        Binding("enter", "open_detail", "Details", id="table.detail"),
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
    ]

    class OpenDetail(Message):
        """Enter on a row: show that service's detail screen."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, palette: Palette, clock: Callable[[], float], **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]
        self.palette = palette
        self.clock = clock
        self.views: dict[str, ServiceView] = {}
        self.order: list[str] = []  # config order
        self.shown: dict[str, tuple[Status, str]] = {}  # effective status per visible row
        self.cells: dict[str, tuple[tuple[str, str], ...]] = {}
        self.filter_text = ""
        self.marked: set[str] = set()
        self.sort_by = "config"
        self.layout_width = 0
        self.column_keys: tuple[str, ...] = ()
        self._add_columns(120)

    def _add_columns(self, width: int) -> None:
        """Fit the columns to the width: REASON takes the rest, CPU and MEM go on narrow terminals."""
        narrow = width < NARROW_BELOW
        cols = [c for c in COLUMNS if not (narrow and c[0] in NARROW_DROP)]
        fixed = sum(w + 2 * self.cell_padding for key, _, w in cols if key != "reason")
        self.layout_width = width
        self.column_keys = tuple(c[0] for c in cols)
        for key, label, w in cols:
            if key == "reason":
                w = max(w, width - fixed - 2 * self.cell_padding - 1)
            self.add_column(label, width=w, key=key)

    def on_resize(self) -> None:
        width = self.size.width
        if width and width != self.layout_width:
            self.clear(columns=True)
            self._add_columns(width)
            self._rebuild()

    # data in
    def show_fleet(self, snap: FleetSnapshot) -> None:
        if [v.name for v in snap.services] != self.order:
            self.order = [v.name for v in snap.services]
            self.views = {v.name: v for v in snap.services}
            self._rebuild()
            return
        changed = [v for v in snap.services if self.views.get(v.name) is not v]
        for v in changed:
            self.views[v.name] = v
        # Only a filter can make a changed view enter or leave the table; without one, skip the sort and match.
        if self.filter_text and self._visible_names() != [n for n in self._ordered() if n in self.cells]:
            self._rebuild()
            return
        for v in changed:
            if v.name in self.cells:
                self._write_row(v)
        self._resort()

    def refresh_staleness(self) -> None:
        """Re-evaluate STALE for every row (the poller may be stuck; then no new views would ever arrive)."""
        for name in list(self.cells):
            v = self.views[name]
            if self.effective(v) != self.shown.get(name):
                self._write_row(v)

    # filtering and sorting
    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip().lower()
        self._rebuild()

    def cycle_sort(self) -> str:
        self.sort_by = SORTS[(SORTS.index(self.sort_by) + 1) % len(SORTS)]
        self._resort(force=True)
        return self.sort_by

    def toggle_mark(self) -> None:
        """Space: mark or unmark the selected service for a bulk action, then move down."""
        name = self.selected_name()
        if name is None:
            return
        self.marked.symmetric_difference_update({name})
        self._write_row(self.views[name])
        self.action_cursor_down()

    def selected_name(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return str(key.value) if key.value is not None else None

    def action_open_detail(self) -> None:
        name = self.selected_name()
        if name is not None:
            self.post_message(self.OpenDetail(name))

    # internals
    def effective(self, v: ServiceView) -> tuple[Status, str]:
        """The status shown for a view now (STALE by the table's clock)."""
        return status_now(v, self.clock())

    def _matches(self, v: ServiceView) -> bool:
        f = self.filter_text
        if not f:
            return True
        st, reason = self.effective(v)
        hay = f"{v.name} {v.kind} {st.value} {reason}".lower()
        return all(word in hay for word in f.split())

    def _ordered(self) -> list[str]:
        index = {n: i for i, n in enumerate(self.order)}
        keyf = _SORT_KEYS[self.sort_by]
        return sorted(self.order, key=lambda n: keyf(self.views[n], self.effective(self.views[n])[0], index[n]))  # type: ignore[arg-type,return-value]

    def _visible_names(self) -> list[str]:
        return [n for n in self._ordered() if self._matches(self.views[n])]

    def _row_cells(self, v: ServiceView) -> tuple[Text, ...]:
        st, reason = self.effective(v)
        self.shown[v.name] = (st, reason)
        return row_cells(v, self.palette, st, reason, self.column_keys, marked=v.name in self.marked)

    def _write_row(self, v: ServiceView) -> None:
        cells = self._row_cells(v)
        keys = tuple(_cell_key(c) for c in cells)
        old = self.cells.get(v.name)
        if old == keys:
            return
        for i, col in enumerate(self.column_keys):
            if old is None or old[i] != keys[i]:
                self.update_cell(v.name, col, cells[i], update_width=False)
        self.cells[v.name] = keys

    def _rebuild(self) -> None:
        selected = self.selected_name()
        self.clear()
        self.cells.clear()
        self.shown.clear()
        for name in self._visible_names():
            cells = self._row_cells(self.views[name])
            self.add_row(*cells, key=name)
            self.cells[name] = tuple(_cell_key(c) for c in cells)
        self._restore_cursor(selected)

    def _resort(self, force: bool = False) -> None:
        if self.sort_by == "config" and not force:
            return
        wanted = [n for n in self._ordered() if n in self.cells]
        current = [str(r.key.value) for r in self.ordered_rows]
        if wanted == current:
            return
        selected = self.selected_name()
        rank = {n: i for i, n in enumerate(wanted)}
        self.sort("name", key=lambda cell: rank.get(cell.plain, len(rank)))
        self._restore_cursor(selected)

    def _restore_cursor(self, name: str | None) -> None:
        if name is not None and name in self.cells:
            self.move_cursor(row=self.get_row_index(name), animate=False)
