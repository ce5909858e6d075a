"""Runs a Scheduler on its own thread and event loop, so no probe work ever lands on the UI's loop.

The scheduler (and with it the HTTP client library) is imported on the poller thread, after `start_delay`: the
dashboard paints its first frame without waiting for, or sharing the GIL with, imports it does not need yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from probes.config import FleetConfig

if TYPE_CHECKING:
    from probes.runtime.scheduler import Scheduler
    from probes.view import FleetSnapshot


class PollerThread:
    """Start/stop wrapper; `publish` is called on the poller thread and must be thread-safe."""

    def __init__(
        self,
        cfg: FleetConfig,
        publish: Callable[[FleetSnapshot], None],
        publish_every: float | None = None,
        start_delay: float = 0.0,
        ui_idle: threading.Event | None = None,
    ) -> None:
        self.cfg = cfg
        self.ui_idle = ui_idle
        self.publish = publish
        self.publish_every = publish_every
        self.start_delay = start_delay
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scheduler: Scheduler | None = None
        self._thread = threading.Thread(target=self._main, name="agentops-poller", daemon=True)
        self._ready = threading.Event()

    def _main(self) -> None:
        if self._stopping.wait(self.start_delay):
            return
        from probes.runtime.scheduler import Scheduler

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        scheduler = Scheduler(self.cfg, self.publish, self.publish_every, self.ui_idle)
        self._loop, self._scheduler = loop, scheduler
        self._ready.set()
        try:
            if not self._stopping.is_set():  # stop() may have come while we imported
                loop.run_until_complete(scheduler.run())
        finally:
            loop.close()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        self._stopping.set()
        if self._loop is not None and self._scheduler is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self._loop.call_soon_threadsafe(self._scheduler.stop)
        if self._thread.is_alive():
            self._thread.join(timeout)
