"""The overview table: one row per service, drawn line by line from a cache of rendered rows.

Textual's DataTable re-renders every visible row whenever any cell changes; on a dashboard where some value
changes every poll, that was most of the app's CPU. Here each row is rendered once into a `Strip` when one of its
cells changes, and only that row's line is repainted; sorting and filtering reorder names, never re-create rows.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from agentops_tui.presentation import Palette, fit_columns, row_cells
from agentops_tui.sorts import SORT_KEYS, SORT_MARK, SORTS
from probes.model import Status
from probes.view import FleetSnapshot, ServiceView, status_now

PAD = 1  # blank cells each side of a column


def _cell_key(t: Text) -> tuple[str, str]:
    return t.plain, str(t.style)


class ServiceTable(ScrollView, can_focus=True):
    """Rows keyed by service name; a sticky header line; a row cursor; marks for bulk actions."""

    COMPONENT_CLASSES = {"service-table--header", "service-table--cursor"}
    BINDINGS = [
        Binding("enter", "open_detail", "Details", id="table.detail"),
        Binding("up,k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,g", "first", "First", show=False, id="table.first"),
        Binding("end,G", "last", "Last", show=False, id="table.last"),
    ]

    class OpenDetail(Message):
        """Enter (or a double click) on a row: show that service's detail screen."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, palette: Palette, clock: Callable[[], float], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.palette = palette
        self.clock = clock
        self.views: dict[str, ServiceView] = {}
        self.order: list[str] = []  # config order
        self.rows: list[str] = []  # what is shown, in display order
        self._row_of: dict[str, int] = {}  # name -> index in rows (rows change rarely; cells change every poll)
        self.shown: dict[str, tuple[Status, str]] = {}  # effective status per visible row
        self.cells: dict[str, tuple[tuple[str, str], ...]] = {}
        self._texts: dict[str, tuple[Text, ...]] = {}
        self._pending: set[str] = set()  # rows whose view changed while off screen
        self._cell_segments: dict[tuple[str, str, tuple[str, ...], int], list[Segment]] = {}
        self.on_highlight: Callable[[], None] | None = None  # called when the cursor moves to another row
        self._strips: dict[str, Strip] = {}
        self.filter_text = ""
        self.marked: set[str] = set()
        self.sort_by = SORTS[0]
        self.cursor_row = 0
        self.layout_width = 0
        self.column_keys: tuple[str, ...] = ()
        self._widths: tuple[int, ...] = ()
        self._header: Strip | None = None
        self._styles: tuple[Style, Style] | None = None
        self._layout(120)

    # layout
    def _layout(self, width: int) -> None:
        """Fit the columns to the width and the names: REASON takes the rest (see `fit_columns`)."""
        cols = fit_columns(width, max(map(len, self.order), default=0), PAD)
        self.layout_width = width
        self.column_keys = tuple(c[0] for c in cols)
        self._widths = tuple(w for _, _, w in cols)
        self._labels = tuple(label for _, label, _ in cols)
        self._header = None
        self._strips.clear()

    def on_resize(self) -> None:
        width = self.size.width
        if width and width != self.layout_width:
            self._layout(width)
            self._rebuild()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._header = None
        self._styles = None
        self._strips.clear()
        self._cell_segments.clear()

    def _row_styles(self) -> tuple[Style, Style]:
        """(base, cursor overlay): looking a style up walks the DOM, so it is done once per theme or focus change."""
        if self._styles is None:
            cursor = self.get_component_rich_style("service-table--cursor")
            self._styles = (self.rich_style, Style(bgcolor=cursor.bgcolor, bold=cursor.bold, reverse=cursor.reverse))
        return self._styles

    # data in
    def show_fleet(self, snap: FleetSnapshot) -> None:
        if [v.name for v in snap.services] != self.order:
            self.order = [v.name for v in snap.services]
            self.views = {v.name: v for v in snap.services}
            self._layout(self.layout_width)  # SERVICE is as wide as the longest name
            self._rebuild()
            return
        changed = [v for v in snap.services if self.views.get(v.name) is not v]
        for v in changed:
            self.views[v.name] = v
        # Only a filter can make a changed view enter or leave the table; without one, skip the sort and match.
        if self.filter_text and self._visible_names() != [n for n in self._ordered() if n in self.cells]:
            self._rebuild()
            return
        top, height = round(self.scroll_y), self.size.height - 1
        for v in changed:
            if v.name not in self.cells:
                continue
            if top <= self._row_of.get(v.name, -1) < top + height:
                self._write_row(v)
            else:  # off screen: its cells are made when it is drawn (200 rows change a second, 35 show)
                self._pending.add(v.name)
        self._resort()

    def refresh_staleness(self) -> None:
        """Re-evaluate STALE for every row (the poller may be stuck; then no new views would ever arrive)."""
        changed = False
        for name in self.rows:
            if name in self._pending:  # off screen: its status is taken when it is drawn
                continue
            v = self.views[name]
            if self.effective(v) != self.shown.get(name):
                self._write_row(v)
                changed = True
        if changed:  # a row that turned STALE (or back) changes place in the worst-first order
            self._resort()

    # filtering, sorting, marks, cursor
    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip().lower()
        self._rebuild()

    def cycle_sort(self) -> str:
        self.sort_by = SORTS[(SORTS.index(self.sort_by) + 1) % len(SORTS)]
        self._header = None
        self.refresh(Region(0, 0, self.size.width, 1))
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

    def unmark(self, names: list[str]) -> None:
        for name in self.marked.intersection(names):
            self.marked.discard(name)
            if name in self.views:
                self._write_row(self.views[name])

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def selected_name(self) -> str | None:
        return self.rows[self.cursor_row] if 0 <= self.cursor_row < len(self.rows) else None

    def get_row(self, name: str) -> tuple[Text, ...]:
        """The cells of a shown row, in `column_keys` order."""
        self._catch_up(name)
        return self._texts[name]

    def _catch_up(self, name: str) -> None:
        """Make the cells of a row whose view changed while it was off screen."""
        if name in self._pending:
            self._pending.discard(name)
            self._update_cells(self.views[name])

    def get_row_index(self, name: str) -> int:
        return self._row_of[name]

    def _highlighted(self) -> None:
        """Tell the owner at once: its panels then change in the same frame as the cursor (a message would
        arrive after this frame and repaint a frame later, 25-60 ms after the key)."""
        if self.on_highlight is not None:
            self.on_highlight()

    def move_cursor(self, row: int, animate: bool = False, scroll: bool = True) -> None:
        """Put the cursor on `row` (clamped), repaint the two lines involved and keep it in view."""
        row = max(0, min(row, len(self.rows) - 1)) if self.rows else 0
        old, self.cursor_row = self.cursor_row, row
        if old != row:
            self._refresh_row(old)
            self._refresh_row(row)
            self._highlighted()
        if scroll:
            top = round(self.scroll_y)
            visible = max(1, self.size.height - 1)
            if row < top:
                self.scroll_to(y=row, animate=animate)
            elif row >= top + visible:
                self.scroll_to(y=row - visible + 1, animate=animate)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - max(1, self.size.height - 2))

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + max(1, self.size.height - 2))

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self.rows) - 1)

    def action_open_detail(self) -> None:
        name = self.selected_name()
        if name is not None:
            self.post_message(self.OpenDetail(name))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        row = round(self.scroll_y) + offset.y - 1
        if 0 <= row < len(self.rows):
            self.move_cursor(row)
            if event.chain >= 2:
                self.action_open_detail()

    # drawing
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            if self._header is None:
                style = self.get_component_rich_style("service-table--header")
                header = self._strip(self._header_cells())
                self._header = header.apply_style(self.rich_style + style)
            return self._header
        base, over = self._row_styles()
        row = round(self.scroll_y) + y - 1
        if not 0 <= row < len(self.rows):
            return Strip.blank(width, base)
        name = self.rows[row]
        self._catch_up(name)
        strip = self._strips.get(name)
        if strip is None:
            strip = self._strips[name] = self._strip(self._texts[name]).apply_style(base)
        if row == self.cursor_row:  # the cursor's background over the cells' own colours
            return Strip(Segment.apply_style(iter(strip), post_style=over), strip.cell_length)
        return strip

    def _strip(self, cells: tuple[Text, ...]) -> Strip:
        """One line of cells, each cut or padded to its column's width (segments per cell, as a terminal lays them
        out cell by cell)."""
        console = self.app.console
        pad = Segment(" " * PAD)
        segments: list[Segment] = []
        cache = self._cell_segments
        for cell, w in zip(cells, self._widths, strict=True):
            key = (cell.plain, str(cell.style), tuple(map(str, cell.spans)), w)
            rendered = cache.get(key)
            if rendered is None:  # names, kinds, statuses and most numbers look the same from frame to frame
                cell = cell.copy()
                cell.truncate(w, overflow="ellipsis", pad=True)
                if cell.style:  # Text.render leaves a cell's base style to its caller
                    rendered = list(Segment.apply_style(cell.render(console), console.get_style(cell.style)))
                else:
                    rendered = list(cell.render(console))
                if len(cache) >= 4096:
                    cache.clear()
                cache[key] = rendered
            segments.append(pad)
            segments.extend(rendered)
            segments.append(pad)
        return Strip(segments).adjust_cell_length(self.size.width or self.layout_width, Style())

    def _header_cells(self) -> tuple[Text, ...]:
        """The column labels, the sorted one with its arrow."""
        column, arrow = SORT_MARK.get(self.sort_by, ("", ""))
        return tuple(
            Text(label + arrow if key == column else label)
            for key, label in zip(self.column_keys, self._labels, strict=True)
        )

    def _refresh_row(self, row: int) -> None:
        y = row - round(self.scroll_y) + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

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
        keyf = SORT_KEYS[self.sort_by]
        return sorted(self.order, key=lambda n: keyf(self.views[n], self.effective(self.views[n])[0], index[n]))  # type: ignore[arg-type,return-value]

    def _visible_names(self) -> list[str]:
        return [n for n in self._ordered() if self._matches(self.views[n])]

    def _row_cells(self, v: ServiceView) -> tuple[Text, ...]:
        st, reason = self.effective(v)
        self.shown[v.name] = (st, reason)
        return row_cells(v, self.palette, st, reason, self.column_keys, marked=v.name in self.marked)

    def _write_row(self, v: ServiceView) -> None:
        """Re-render a row only when the text or style of one of its cells changed."""
        self._pending.discard(v.name)
        if not self._update_cells(v):
            return
        row = self._row_of.get(v.name)
        if row is not None:
            self._refresh_row(row)

    def _update_cells(self, v: ServiceView) -> bool:
        """New cells for a row; False when they read and look the same as before (its line is kept)."""
        cells = self._row_cells(v)
        keys = tuple(_cell_key(c) for c in cells)
        if self.cells.get(v.name) == keys:
            return False
        self.cells[v.name] = keys
        self._texts[v.name] = cells
        self._strips.pop(v.name, None)
        return True

    def _rebuild(self) -> None:
        selected = self.selected_name()
        self.cells.clear()
        self.shown.clear()
        self._texts.clear()
        self._pending.clear()
        self._strips.clear()
        self._set_rows(self._visible_names())
        for name in self.rows:
            cells = self._row_cells(self.views[name])
            self.cells[name] = tuple(_cell_key(c) for c in cells)
            self._texts[name] = cells
        self.virtual_size = Size(self.layout_width, len(self.rows) + 1)
        self._restore_cursor(selected)
        self.refresh()

    def _set_rows(self, names: list[str]) -> None:
        self.rows = names
        self._row_of = {n: i for i, n in enumerate(names)}

    def _resort(self, force: bool = False) -> None:
        if self.sort_by == "config" and not force:
            return
        wanted = [n for n in self._ordered() if n in self.cells]
        if wanted == self.rows:
            return
        selected = self.selected_name()
        self._set_rows(wanted)
        self._restore_cursor(selected)
        self.refresh()

    def _restore_cursor(self, name: str | None) -> None:
        if name is not None and name in self.cells:
            row = self._row_of[name]
            if row != self.cursor_row:
                self.cursor_row = row
                self._highlighted()
            self.move_cursor(row, scroll=True)
        elif self.cursor_row >= len(self.rows):
            self.move_cursor(len(self.rows) - 1)
