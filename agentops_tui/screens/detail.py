"""Enter on a row: everything known about one service (the page itself is `presentation.detail`)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from agentops_tui import bindings
from agentops_tui.actions.model import ActionKind
from agentops_tui.presentation.detail import detail_renderable
from agentops_tui.screens.base import Dashboard, FleetScreen
from probes.model import Status
from probes.text.sanitize import clean
from probes.view import FleetSnapshot, ServiceView, status_now

STALE_CHECK_S = 1.0
"""How often the page asks its clock whether the service turned STALE (a stuck poller sends nothing new)."""


class DetailScreen(FleetScreen):
    """Live detail of one service; follows new snapshots while open."""

    BINDINGS = bindings.DETAIL

    def __init__(self, dashboard: Dashboard, name: str) -> None:
        super().__init__(dashboard)
        self.service_name = name
        self._view: ServiceView | None = None
        self._drawn: tuple[ServiceView, tuple[Status, str]] | None = None  # what the page shows

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-scroll"):
            yield Static("", id="detail-body")
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(STALE_CHECK_S, self._draw)

    def action_logs(self) -> None:
        self.dashboard.open_logs(self.service_name)

    def targets(self) -> list[str]:
        """What the command palette's actions apply to here: this service."""
        return [self.service_name]

    def action_act(self, kind: ActionKind) -> None:
        """The overview's action keys, for this service, through the same controller and safety layer."""
        self.dashboard.controller.request([self.service_name], kind)

    def show_fleet(self, snap: FleetSnapshot) -> None:
        view = next((v for v in snap.services if v.name == self.service_name), None)
        if view is None:
            self._view = self._drawn = None
            self.query_one("#detail-body", Static).update(Text(f"{clean(self.service_name)} is no longer configured"))
            return
        self._view = view
        self._draw()

    def _draw(self) -> None:
        """The page again when the view or its status now (STALE by the clock) changed."""
        view = self._view
        if view is None:
            return
        status = status_now(view, self.dashboard.clock())
        if self._drawn is not None and self._drawn[0] is view and self._drawn[1] == status:
            return
        self._drawn = (view, status)
        self.query_one("#detail-body", Static).update(detail_renderable(view, *status, self.dashboard.palette))
