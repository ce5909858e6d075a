"""A DataTable for the list screens (alerts, journal) with the overview's `g`/`G` for the first and last row."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets import DataTable


class ListTable(DataTable[Any]):
    """Rows are selected with Enter (DataTable.RowSelected); `g` and `G` jump to the first and the last."""

    BINDINGS = [
        Binding("g", "scroll_top", "First", show=False, id="list.first"),
        Binding("G", "scroll_bottom", "Last", show=False, id="list.last"),
    ]
