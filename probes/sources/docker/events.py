"""`docker events` on its own thread: a container that dies, starts or changes health wakes the Docker probe.

The stream is one long-lived request to the daemon (no polling). When the daemon goes away the stream ends and
the watcher reconnects with backoff (0.5 s doubling up to 10 s) until it is back or the probe closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any

from probes.sources.docker.client import make_api

ACTIONS = ("start", "die", "stop", "restart", "kill", "oom", "pause", "unpause", "destroy", "create", "update")
BACKOFF_MAX_S = 10.0


class EventWatcher:
    """Calls `on_event(container_id)` on `loop` for every relevant container event of `host`, and
    `on_event(None)` when the stream connects or breaks (the daemon came back or went away)."""

    def __init__(self, host: str, on_event: Callable[[str | None], None], loop: asyncio.AbstractEventLoop) -> None:
        self.host = host
        self.on_event = on_event
        self.loop = loop
        self._stop = threading.Event()
        self._poke = threading.Event()
        self._stream: Any = None
        self._thread = threading.Thread(target=self._run, name="docker-events", daemon=True)
        self.connected = False
        self.received = 0

    def start(self) -> None:
        self._thread.start()

    def poke(self) -> None:
        """The daemon answers again (a sweep succeeded): reconnect now instead of at the end of the backoff."""
        if not self.connected:
            self._poke.set()

    def stop(self) -> None:
        self._stop.set()
        self._poke.set()
        stream = self._stream
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()

    def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                api = make_api(self.host, timeout=5.0, pool=1)
                self._stream = api.events(decode=True, filters={"type": "container"})
                self.connected = True
                self._notify(None)  # (re)connected: the daemon is back, poll now
                delay = 0.5
                for event in self._stream:
                    if self._stop.is_set():
                        break
                    self._handle(event)
            except Exception:  # daemon gone, refused, or a broken stream: wait and reconnect
                pass
            if self.connected and not self._stop.is_set():
                self._notify(None)  # the stream broke: the daemon may be gone, poll now rather than at the interval
            self.connected = False
            self._stream = None
            self._poke.wait(delay)  # backoff, cut short when a sweep finds the daemon answering again
            self._poke.clear()
            if self._stop.is_set():
                break
            delay = min(BACKOFF_MAX_S, delay * 2)

    def _handle(self, event: Any) -> None:
        if not isinstance(event, dict):
            return
        action = str(event.get("Action") or event.get("status") or "")
        cid = (event.get("Actor") or {}).get("ID") or event.get("id")
        if not isinstance(cid, str) or not (action in ACTIONS or action.startswith("health_status")):
            return
        self.received += 1
        self._notify(cid)

    def _notify(self, cid: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed while we were reading
            self.loop.call_soon_threadsafe(self.on_event, cid)
