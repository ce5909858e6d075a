"""Log sources: the last lines a service wrote, then new lines as they come, for the logs view (`l`).

Every backend that can show a service's output (Docker, the systemd journal, launchd's stdout/stderr files) offers
a `LogSource`. Lines are cleaned (`probes.text.sanitize.clean`) before they leave the source, and the view keeps a
bounded buffer, so a chatty service can neither paint the terminal nor grow memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from probes.model.results import ProbeError

DEFAULT_LINES = 1000


class LogSource(Protocol):
    """One service's log, read without Textual; every method has its own timeout and never raises on bad data."""

    label: str
    """Where the lines come from, shown in the view's title (for example "docker logs agent-1")."""

    async def tail(self, n: int = DEFAULT_LINES) -> list[str]:
        """The last `n` lines, oldest first, already cleaned."""
        ...

    def follow(self) -> AsyncIterator[str]:
        """New lines as they are written (cleaned), until the consumer stops iterating."""
        ...

    async def close(self) -> None:
        """Release connections or file handles."""
        ...


@dataclass(frozen=True)
class LogEvent:
    """One structured log line that names an event (`{"level": ..., "event": ...}`), its fields cleaned."""

    at: float
    """Wall-clock seconds: the line's own timestamp when it has one, else when it was read."""
    level: str
    event: str
    fields: tuple[tuple[str, str], ...] = ()

    def field(self, *names: str) -> str:
        """The first of these fields the line has ("" when none)."""
        got = dict(self.fields)
        return next((got[n] for n in names if got.get(n)), "")


@dataclass(frozen=True)
class LogEventsResult:
    """The events of the lines a service's log gained since the last poll (the first poll: a recent window)."""

    at: float
    """Wall-clock seconds (time.time()), the clock of the events' own timestamps."""
    events: tuple[LogEvent, ...] = ()
    lines: int = 0
    error: ProbeError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None
