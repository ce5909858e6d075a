"""The header line: fleet counts by status and today's spend against the daily budget."""

from __future__ import annotations

from textual.widgets import Static

from agentops_tui.presentation import Palette
from agentops_tui.presentation.overview import summary_text
from probes.model import Status
from probes.view import FleetSnapshot


class FleetSummary(Static):
    """A single line; re-rendered only when its text changes."""

    def __init__(self, palette: Palette, badges: tuple[str, ...] = (), **kwargs: str) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self.palette = palette
        self.badges = badges
        self._last = ""
        self._shown: tuple[FleetSnapshot, list[Status], int] | None = None

    def on_resize(self) -> None:
        """Labels come and go with the width (compact where the full line does not fit)."""
        if self._shown is not None:
            self.show_fleet(*self._shown)

    def show_fleet(self, snap: FleetSnapshot, statuses: list[Status], marked: int = 0) -> None:
        """`marked`: services marked for a bulk action (the next action key acts on all of them)."""
        self._shown = (snap, statuses, marked)
        badges = (*self.badges, f"✓ {marked} marked") if marked else self.badges
        text = summary_text(snap, self.palette, statuses, badges)
        if 0 < self.size.width < text.cell_len:  # glyph counts and a shorter budget bar where the words do not fit
            text = summary_text(snap, self.palette, statuses, badges, compact=True)
        key = text.plain + str(text.spans)
        if key != self._last:
            self._last = key
            self.update(text, layout=False)  # one fixed line: no need to lay the screen out again
