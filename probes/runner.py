"""Runs a Scheduler on its own thread and event loop, so no probe work ever lands on the UI's loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading

from probes.config import FleetConfig
from probes.scheduler import Publish, Scheduler


class PollerThread:
    """Start/stop wrapper; `publish` is called on the poller thread and must be thread-safe."""

    def __init__(self, cfg: FleetConfig, publish: Publish, publish_every: float | None = None) -> None:
        self.cfg = cfg
        self.publish = publish
        self.publish_every = publish_every
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scheduler: Scheduler | None = None
        self._thread = threading.Thread(target=self._main, name="agentops-poller", daemon=True)
        self._ready = threading.Event()

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._scheduler = Scheduler(self.cfg, self.publish, self.publish_every)
        self._ready.set()
        try:
            loop.run_until_complete(self._scheduler.run())
        finally:
            loop.close()

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(5)

    def stop(self, timeout: float = 3.0) -> None:
        if self._loop is not None and self._scheduler is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self._loop.call_soon_threadsafe(self._scheduler.stop)
        if self._thread.is_alive():
            self._thread.join(timeout)
