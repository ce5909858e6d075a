"""Enter on a row: everything known about one service (the page itself is `presentation.detail`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from agentops_tui.presentation.detail import detail_renderable
from probes.fleet import FleetSnapshot, ServiceView, status_now
from probes.model import Status
from probes.sanitize import clean

if TYPE_CHECKING:
    from agentops_tui.app import AgentOpsApp


class DetailScreen(Screen[None]):
    """Live detail of one service; follows new snapshots while open."""

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="detail.back"),
        Binding("l", "logs", "Logs", id="detail.logs"),
        Binding("r", "act('restart')", "Restart", id="detail.restart"),
        Binding("t", "act('throttle')", "Throttle", id="detail.throttle"),
        Binding("d", "act('drain')", "Drain", id="detail.drain"),
        Binding("R", "act('resume')", "Resume", show=False, id="detail.resume"),
        Binding("S", "act('start')", "Start", show=False, id="detail.start"),
    ]

    app: AgentOpsApp

    def __init__(self, name: str) -> None:
        super().__init__()
        self.service_name = name
        self._view: ServiceView | None = None
        self._status: tuple[Status, str] | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-scroll"):
            yield Static("", id="detail-body")
        yield Footer()

    ready = False

    def on_mount(self) -> None:
        self.ready = True
        self.set_interval(1.0, self._tick)
        if self.app.snapshot is not None:
            self.show_fleet(self.app.snapshot)

    def action_logs(self) -> None:
        self.app.open_logs(self.service_name)

    def targets(self) -> list[str]:
        """What the command palette's actions apply to here: this service."""
        return [self.service_name]

    def action_act(self, kind: str) -> None:
        """The overview's action keys, for this service, through the same controller and safety layer."""
        self.app.controller.request([self.service_name], kind)  # type: ignore[arg-type]

    def _tick(self) -> None:
        if self.app.snapshot is not None:
            self.show_fleet(self.app.snapshot)

    def show_fleet(self, snap: FleetSnapshot) -> None:
        if not self.ready:
            return
        view = self.app.view_of(self.service_name)
        if view is None:
            self.query_one("#detail-body", Static).update(Text(f"{clean(self.service_name)} is no longer configured"))
            return
        status = status_now(view, self.app.clock())
        if view is self._view and status == self._status:
            return
        self._view, self._status = view, status
        self.query_one("#detail-body", Static).update(detail_renderable(view, *status, self.app.palette))
