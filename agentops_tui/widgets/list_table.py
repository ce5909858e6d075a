"""A DataTable for the list screens (alerts, journal) with the overview's `g`/`G` for the first and last row."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable

from agentops_tui import bindings


class ListTable(DataTable[Any]):
    """Rows are selected with Enter (DataTable.RowSelected); `g` and `G` jump to the first and the last."""

    BINDINGS = bindings.LIST_TABLE
