"""What screens get from the app, and the base of every screen that shows the fleet.

Screens never import the app: they are given a `Dashboard` (the app implements it) and call only what it names.
The app hands every new snapshot to each `FleetScreen` that is shown (on top, or under a dialog) by calling
`receive`; there is no other way in for fleet data, and no screen polls for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from textual.screen import Screen

if TYPE_CHECKING:
    from agentops_tui.actions.layer import ActionLayer
    from agentops_tui.actions.model import ActionKind
    from agentops_tui.presentation import Palette
    from probes.config import FleetConfig
    from probes.text.redact import Redactor
    from probes.view import FleetSnapshot, ServiceView


class Actions(Protocol):
    """What a key may do to services: ask for an action (the controller's dialogs and safety layer follow), and
    whether one can run (the footer and the palette offer only those)."""

    def request(self, names: list[str], kind: ActionKind) -> None: ...

    def why_not(self, names: list[str], kind: ActionKind) -> str | None: ...


class Dashboard(Protocol):
    """The app as the screens see it."""

    @property
    def cfg(self) -> FleetConfig: ...

    @property
    def palette(self) -> Palette: ...

    @property
    def badges(self) -> tuple[str, ...]: ...

    @property
    def clock(self) -> Callable[[], float]:
        """Monotonic time: a view is STALE once its data is three intervals old by this clock."""
        ...

    @property
    def snapshot(self) -> FleetSnapshot | None:
        """The latest snapshot: what a screen shows when it is first shown, or shown again."""
        ...

    @property
    def controller(self) -> Actions: ...

    @property
    def actions(self) -> ActionLayer:
        """The safety layer: the operation an action would run, and the audit journal."""
        ...

    @property
    def redact(self) -> Redactor:
        """For text shown that did not come through a fleet view (log lines, journal lines)."""
        ...

    def view_of(self, name: str) -> ServiceView | None: ...

    def open_detail(self, name: str) -> None: ...

    def open_logs(self, name: str) -> None: ...

    def open_spend(self) -> None: ...

    def open_alerts(self) -> None: ...

    def open_journal(self) -> None: ...


class FleetScreen(Screen[None]):
    """A screen that shows the fleet: `show_fleet` is called with every snapshot while it is shown, and with the
    latest one when it is mounted and when it is shown again (it missed those that came while it was hidden)."""

    def __init__(self, dashboard: Dashboard) -> None:
        super().__init__()
        self.dashboard = dashboard
        self._ready = False

    def on_mount(self) -> None:
        """Textual runs a subclass's `on_mount` first, then this one: its widgets exist when the first snapshot
        is shown."""
        self._ready = True
        self._catch_up()

    def on_screen_resume(self) -> None:
        self._catch_up()

    def _catch_up(self) -> None:
        snap = self.dashboard.snapshot
        if snap is not None:
            self.receive(snap)

    def receive(self, snap: FleetSnapshot) -> None:
        """A snapshot for this screen (the app calls this); shown once the screen's widgets exist."""
        if self._ready:
            self.show_fleet(snap)

    def show_fleet(self, snap: FleetSnapshot) -> None:
        raise NotImplementedError

    def targets(self) -> list[str] | None:
        """The services the command palette's actions apply to here; None: not this screen's to say."""
        return None

    def unmark(self, names: list[str]) -> None:
        """An action ran on these services: their marks, if this screen keeps any, are used up."""
