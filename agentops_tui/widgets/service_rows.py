"""The overview's rows as data: which services are shown, in which order, with which cells and status.

No widget and no cursor here: the table (`service_table.py`) keeps the cursor and the rendered lines and asks this
model what to draw. A row's status is decided once, by `status_now` at the model's clock, and kept with the cells
it was drawn with (`shown`), so time alone (a stuck poller) can turn it STALE: see `restale`.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from agentops_tui.presentation.overview import COLUMN_KEYS, row_cells
from agentops_tui.presentation.palette import Palette
from agentops_tui.sorts import SORT_KEYS, SORTS
from probes.model import Status
from probes.view import FleetSnapshot, ServiceView, status_now

CellKey = tuple[str, str]
"""What a cell reads and how it looks: a row is drawn again only when one of these changes."""


def cell_key(t: Text) -> CellKey:
    return t.plain, str(t.style)


class RowModel:
    """Rows keyed by service name: the filter, the sort, the marks and each shown row's cells."""

    def __init__(self, palette: Palette, clock: Callable[[], float]) -> None:
        self.palette = palette
        self.clock = clock
        self.views: dict[str, ServiceView] = {}
        self.order: list[str] = []  # config order
        self.rows: list[str] = []  # what is shown, in display order
        self.row_of: dict[str, int] = {}  # name -> index in rows (rows change rarely; cells change every poll)
        self.shown: dict[str, tuple[Status, str]] = {}  # the status and reason each shown row was drawn with
        self.cells: dict[str, tuple[CellKey, ...]] = {}
        self.texts: dict[str, tuple[Text, ...]] = {}
        self.pending: set[str] = set()  # shown rows whose view changed while off screen: made when drawn
        self.columns: tuple[str, ...] = COLUMN_KEYS
        self.filter_text = ""
        self.marked: set[str] = set()
        self.sort_by = SORTS[0]

    def effective(self, v: ServiceView) -> tuple[Status, str]:
        """The status shown for a view now (STALE by the model's clock)."""
        return status_now(v, self.clock())

    def statuses(self) -> list[Status]:
        """Every service's status now, in config order (the header counts them, shown or filtered out)."""
        return [self.effective(self.views[n])[0] for n in self.order]

    def longest_name(self) -> int:
        return max(map(len, self.order), default=0)

    # data in
    def take(self, snap: FleetSnapshot) -> list[str] | None:
        """Take a snapshot: the shown rows whose view changed, or None when the rows are to be built again
        (other services, or a filter that now matches other ones)."""
        names = [v.name for v in snap.services]
        if names != self.order:
            self.order = names
            self.views = {v.name: v for v in snap.services}
            return None
        changed = [v for v in snap.services if self.views.get(v.name) is not v]
        for v in changed:
            self.views[v.name] = v
        # Only a filter can make a changed view enter or leave the table; without one, skip the sort and match.
        if self.filter_text and self._visible_names() != [n for n in self._ordered() if n in self.cells]:
            return None
        return [v.name for v in changed if v.name in self.cells]

    def restale(self) -> list[str]:
        """Shown rows whose status changed by time alone (STALE, or back): their cells are made again. Rows off
        screen with a newer view are left: their status is taken when they are drawn."""
        turned = [n for n in self.rows if n not in self.pending and self.effective(self.views[n]) != self.shown.get(n)]
        return [n for n in turned if self.update_cells(n)]

    # cells
    def update_cells(self, name: str) -> bool:
        """New cells for a shown row; False when they read and look the same as before (its line is kept)."""
        self.pending.discard(name)
        v = self.views[name]
        st, reason = self.shown[name] = self.effective(v)
        cells = row_cells(v, self.palette, st, reason, self.columns, marked=name in self.marked)
        keys = tuple(cell_key(c) for c in cells)
        if self.cells.get(name) == keys:
            return False
        self.cells[name] = keys
        self.texts[name] = cells
        return True

    def rebuild(self) -> None:
        """Every row again: which are shown, in which order, and their cells."""
        self.cells.clear()
        self.shown.clear()
        self.texts.clear()
        self.pending.clear()
        self._set_rows(self._visible_names())
        for name in self.rows:
            self.update_cells(name)

    def resort(self, force: bool = False) -> bool:
        """Put the shown rows in the sort's order again (statuses and numbers move them); True when they moved.
        Config order never changes by itself, so it is skipped unless `force`d."""
        if self.sort_by == "config" and not force:
            return False
        wanted = [n for n in self._ordered() if n in self.cells]
        if wanted == self.rows:
            return False
        self._set_rows(wanted)
        return True

    # the operator's choices
    def set_filter(self, text: str) -> None:
        """Rows match every word of `text` in their name, kind, status or reason (`rebuild` shows them)."""
        self.filter_text = text.strip().lower()

    def cycle_sort(self) -> str:
        self.sort_by = SORTS[(SORTS.index(self.sort_by) + 1) % len(SORTS)]
        return self.sort_by

    def toggle_mark(self, name: str) -> None:
        self.marked.symmetric_difference_update({name})

    def unmark(self, names: list[str]) -> list[str]:
        """Drop these marks; the names that were marked and are still rows (their cells change)."""
        dropped = sorted(self.marked.intersection(names))
        self.marked.difference_update(dropped)
        return [n for n in dropped if n in self.cells]

    def targets(self, selected: str | None) -> list[str]:
        """What an action key acts on: the marked services in config order, else the selected one."""
        if self.marked:
            return [n for n in self.order if n in self.marked]
        return [selected] if selected else []

    # internals
    def _matches(self, v: ServiceView) -> bool:
        f = self.filter_text
        if not f:
            return True
        st, reason = self.effective(v)
        hay = f"{v.name} {v.kind} {st.value} {reason}".lower()
        return all(word in hay for word in f.split())

    def _ordered(self) -> list[str]:
        index = {n: i for i, n in enumerate(self.order)}
        keyf = SORT_KEYS[self.sort_by]
        return sorted(self.order, key=lambda n: keyf(self.views[n], self.effective(self.views[n])[0], index[n]))  # type: ignore[arg-type,return-value]

    def _visible_names(self) -> list[str]:
        return [n for n in self._ordered() if self._matches(self.views[n])]

    def _set_rows(self, names: list[str]) -> None:
        self.rows = names
        self.row_of = {n: i for i, n in enumerate(names)}
