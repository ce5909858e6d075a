"""The overview table: one row per service, drawn line by line from a cache of rendered rows.

Textual's DataTable re-renders every visible row whenever any cell changes; on a dashboard where some value
changes every poll, that was most of the app's CPU. Here each row is rendered once into a `Strip` when one of its
cells changes, and only that row's line is repainted; sorting and filtering reorder names, never re-create rows.
What the rows are (order, filter, marks, cells, status) is the `RowModel`'s; this widget keeps the cursor, the
rendered lines and the clock that turns rows STALE when no snapshot comes.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from agentops_tui import bindings
from agentops_tui.presentation import Palette
from agentops_tui.presentation.overview import fit_columns
from agentops_tui.sorts import SORT_MARK
from agentops_tui.widgets.service_rows import RowModel
from probes.model import Status
from probes.view import FleetSnapshot

PAD = 1  # blank cells each side of a column
STALE_CHECK_S = 1.0
"""How often the table asks its clock whether rows turned STALE (a stuck poller sends nothing new)."""
CELL_CACHE_MAX = 4096
"""Rendered cells kept by text, style and width: latencies and rates make new keys every poll, so the cache is
cleared when full (a few hundred KB at most); 4,096 is many times the cells on a screen, so a clear is rare."""


class ServiceTable(ScrollView, can_focus=True):
    """Rows keyed by service name; a sticky header line; a row cursor; marks for bulk actions."""

    COMPONENT_CLASSES = {"service-table--header", "service-table--cursor"}
    BINDINGS = bindings.SERVICE_TABLE

    class OpenDetail(Message):
        """Enter (or a double click) on a row: show that service's detail screen."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    class StatusesChanged(Message):
        """Time alone changed some service's status (STALE, or back): the header counts and the trend follow."""

    def __init__(
        self, palette: Palette, clock: Callable[[], float], on_highlight: Callable[[], None], **kwargs: object
    ) -> None:
        """`on_highlight` is called when the cursor moves to another row, at once: the owner's panels then change
        in the same frame as the cursor (a message would arrive after this frame and repaint a frame later, 25-60
        ms after the key)."""
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.model = RowModel(palette, clock)
        self.on_highlight = on_highlight
        self._statuses: list[Status] = []  # as last told to the owner by the clock
        self._strips: dict[str, Strip] = {}
        self._cell_segments: dict[tuple[str, str, tuple[str, ...], int], list[Segment]] = {}
        self.cursor_row = 0
        self.layout_width = 0
        self.column_keys: tuple[str, ...] = ()
        self._widths: tuple[int, ...] = ()
        self._labels: tuple[str, ...] = ()
        self._header: Strip | None = None
        self._styles: tuple[Style, Style] | None = None
        self._layout(120)

    def on_mount(self) -> None:
        self.set_interval(STALE_CHECK_S, self._check_staleness)

    # layout
    def _layout(self, width: int) -> None:
        """Fit the columns to the width and the names: REASON takes the rest (see `fit_columns`)."""
        cols = fit_columns(width, self.model.longest_name(), PAD)
        self.layout_width = width
        self.column_keys = self.model.columns = tuple(c[0] for c in cols)
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
        changed = self.model.take(snap)
        if changed is None:
            self._layout(self.layout_width)  # SERVICE is as wide as the longest name
            self._rebuild()
            return
        top, height = round(self.scroll_y), self.size.height - 1
        row_of = self.model.row_of
        for name in changed:
            if top <= row_of.get(name, -1) < top + height:
                self._write_row(name)
            else:  # off screen: its cells are made when it is drawn (200 rows change a second, 35 show)
                self.model.pending.add(name)
        self._resort()

    def _check_staleness(self) -> None:
        """The table's clock: rows that turned STALE (or back) are drawn again and sorted; the owner is told when
        any service's status changed, shown or not (the header counts them all)."""
        turned = self.model.restale()
        for name in turned:
            self._strips.pop(name, None)
            self._refresh_row(self.model.row_of[name])
        if turned:  # a row that turned STALE (or back) changes place in the worst-first order
            self._resort()
        statuses = self.model.statuses()
        if statuses != self._statuses:
            self._statuses = statuses
            self.post_message(self.StatusesChanged())

    # filtering, sorting, marks, cursor
    def set_filter(self, text: str) -> None:
        self.model.set_filter(text)
        self._rebuild()

    def cycle_sort(self) -> str:
        sort_by = self.model.cycle_sort()
        self._header = None
        self.refresh(Region(0, 0, self.size.width, 1))
        self._resort(force=True)
        return sort_by

    def toggle_mark(self) -> None:
        """Space: mark or unmark the selected service for a bulk action, then move down."""
        name = self.selected_name()
        if name is None:
            return
        self.model.toggle_mark(name)
        self._write_row(name)
        self.action_cursor_down()

    def unmark(self, names: list[str]) -> None:
        for name in self.model.unmark(names):
            self._write_row(name)

    def targets(self) -> list[str]:
        """The marked services, else the selected one."""
        return self.model.targets(self.selected_name())

    @property
    def row_count(self) -> int:
        return len(self.model.rows)

    def selected_name(self) -> str | None:
        rows = self.model.rows
        return rows[self.cursor_row] if 0 <= self.cursor_row < len(rows) else None

    def get_row(self, name: str) -> tuple[Text, ...]:
        """The cells of a shown row, in `column_keys` order."""
        self._catch_up(name)
        return self.model.texts[name]

    def get_row_index(self, name: str) -> int:
        return self.model.row_of[name]

    def _catch_up(self, name: str) -> None:
        """Make the cells of a row whose view changed while it was off screen."""
        if name in self.model.pending and self.model.update_cells(name):
            self._strips.pop(name, None)

    def move_cursor(self, row: int, animate: bool = False, scroll: bool = True) -> None:
        """Put the cursor on `row` (clamped), repaint the two lines involved and keep it in view."""
        rows = len(self.model.rows)
        row = max(0, min(row, rows - 1)) if rows else 0
        old, self.cursor_row = self.cursor_row, row
        if old != row:
            self._refresh_row(old)
            self._refresh_row(row)
            self.on_highlight()
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
        self.move_cursor(len(self.model.rows) - 1)

    def action_open_detail(self) -> None:
        name = self.selected_name()
        if name is not None:
            self.post_message(self.OpenDetail(name))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        row = round(self.scroll_y) + offset.y - 1
        if 0 <= row < len(self.model.rows):
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
        rows = self.model.rows
        if not 0 <= row < len(rows):
            return Strip.blank(width, base)
        name = rows[row]
        self._catch_up(name)
        strip = self._strips.get(name)
        if strip is None:
            strip = self._strips[name] = self._strip(self.model.texts[name]).apply_style(base)
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
                if len(cache) >= CELL_CACHE_MAX:
                    cache.clear()
                cache[key] = rendered
            segments.append(pad)
            segments.extend(rendered)
            segments.append(pad)
        return Strip(segments).adjust_cell_length(self.size.width or self.layout_width, Style())

    def _header_cells(self) -> tuple[Text, ...]:
        """The column labels, the sorted one with its arrow."""
        column, arrow = SORT_MARK.get(self.model.sort_by, ("", ""))
        return tuple(
            Text(label + arrow if key == column else label)
            for key, label in zip(self.column_keys, self._labels, strict=True)
        )

    def _refresh_row(self, row: int) -> None:
        y = row - round(self.scroll_y) + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    # internals
    def _write_row(self, name: str) -> None:
        """Re-render a row only when the text or style of one of its cells changed."""
        if not self.model.update_cells(name):
            return
        self._strips.pop(name, None)
        row = self.model.row_of.get(name)
        if row is not None:
            self._refresh_row(row)

    def _rebuild(self) -> None:
        selected = self.selected_name()
        self._strips.clear()
        self.model.rebuild()
        self.virtual_size = Size(self.layout_width, len(self.model.rows) + 1)
        self._restore_cursor(selected)
        self.refresh()

    def _resort(self, force: bool = False) -> None:
        selected = self.selected_name()
        if self.model.resort(force):
            self._restore_cursor(selected)
            self.refresh()

    def _restore_cursor(self, name: str | None) -> None:
        if name is not None and name in self.model.cells:
            row = self.model.row_of[name]
            if row != self.cursor_row:
                self.cursor_row = row
                self.on_highlight()
            self.move_cursor(row, scroll=True)
        elif self.cursor_row >= len(self.model.rows):
            self.move_cursor(len(self.model.rows) - 1)
