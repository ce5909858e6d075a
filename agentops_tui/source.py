"""Where the app's fleet snapshots come from: the live poller, or a fixed snapshot for tests and screenshots."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from probes.config import FleetConfig
from probes.fleet.state import FleetState
from probes.runtime.runner import PollerThread
from probes.view import FleetSnapshot

FIRST_FRAME_S = 0.25
"""The poller starts this long after the app: the first frame is painted without it."""


class FleetSource(Protocol):
    @property
    def ui_idle(self) -> threading.Event | None:
        """Set while the UI has nothing to answer; a poller that has one waits for it (None: no waiting)."""
        ...

    def start(self, publish: Callable[[FleetSnapshot], None]) -> None: ...

    def stop(self) -> None: ...


class LiveSource:
    """Polls the configured fleet on a background thread."""

    def __init__(self, cfg: FleetConfig) -> None:
        self.cfg = cfg
        self._poller: PollerThread | None = None
        self.ui_idle = threading.Event()  # cleared while the UI answers a key; the poller waits meanwhile
        self.ui_idle.set()

    def start(self, publish: Callable[[FleetSnapshot], None]) -> None:
        publish(FleetState(self.cfg).snapshot())  # rows appear at once, as "no data yet"
        self._poller = PollerThread(self.cfg, publish, start_delay=FIRST_FRAME_S, ui_idle=self.ui_idle)
        self._poller.start()

    def stop(self) -> None:
        if self._poller is not None:
            self._poller.stop()


class StaticSource:
    """Publishes one fixed snapshot: deterministic screens for snapshot tests."""

    ui_idle = None

    def __init__(self, snapshot: FleetSnapshot) -> None:
        self.snapshot = snapshot

    def start(self, publish: Callable[[FleetSnapshot], None]) -> None:
        publish(self.snapshot)

    def stop(self) -> None:
        return None
