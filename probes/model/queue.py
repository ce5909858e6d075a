"""What the Redis queue backend reports: one poll of a service's task queues."""

from __future__ import annotations

from dataclasses import dataclass

from probes.model.results import ProbeError


@dataclass(frozen=True)
class QueueResult:
    """One poll of a service's queues; rates over the probe's rolling window (None until two polls)."""

    at: float
    elapsed_s: float
    depth: int | None = None
    """Pending tasks: the sum of the lengths of `keys`."""
    depths: tuple[tuple[str, int], ...] = ()
    """Length of each pending list."""
    inflight: int | None = None
    dead: int | None = None
    oldest_age_s: float | None = None
    workers: int | None = None
    """Live workers: heartbeat keys present plus named clients; None when neither is configured."""
    enqueue_per_s: float | None = None
    dequeue_per_s: float | None = None
    net_per_s: float | None = None
    """Growth of the pending lists per second (negative while the backlog shrinks)."""
    window_s: float = 0.0
    stalled_s: float | None = None
    """Seconds since the last dequeue while the depth has grown since then; None when not stalled."""
    notes: tuple[str, ...] = ()
    """Parts of the poll that failed (e.g. CLIENT LIST refused by an ACL); the rest is still used."""
    error: ProbeError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None
