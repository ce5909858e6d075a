"""The queue backend's status rules: Redis unreachable is UNKNOWN, a hard depth line CRIT; at OK its line says
depth, rates, the oldest task and workers."""

from __future__ import annotations

from probes.config import QueueConfig
from probes.model import QueueResult, Status, Verdict
from probes.text.units import fmt_rate_per_s


def queue_line(r: QueueResult) -> str:
    """The queue at a glance for the row's reason: depth, rates, oldest task, workers."""
    parts = [f"depth {r.depth}"]
    if r.enqueue_per_s is not None or r.dequeue_per_s is not None:
        parts.append(f"in {fmt_rate_per_s(r.enqueue_per_s)} out {fmt_rate_per_s(r.dequeue_per_s)}")
    elif r.net_per_s is not None:
        parts.append(f"net {r.net_per_s:+.1f}/s")
    if r.inflight is not None:
        parts.append(f"{r.inflight} in flight")
    if r.dead:
        parts.append(f"{r.dead} dead")
    if r.oldest_age_s is not None:
        parts.append(f"oldest {r.oldest_age_s:.0f}s")
    if r.workers is not None:
        parts.append(f"{r.workers} worker{'s' if r.workers != 1 else ''}")
    return ", ".join(parts)


def queue_verdicts(r: QueueResult, cfg: QueueConfig) -> list[Verdict]:
    """Redis unreachable is UNKNOWN (we cannot tell); above depth_crit is CRIT at once. The depth limit and the
    stall are alert rules (probes.fleet.alerts: queue_depth, queue_stalled), with pending/firing like the others."""
    if r.error is not None:
        return [Verdict(Status.UNKNOWN, f"queue: {r.error.message}")]
    out: list[Verdict] = []
    depth = r.depth or 0
    if cfg.depth_crit is not None and depth > cfg.depth_crit:
        out.append(Verdict(Status.CRIT, f"queue depth {depth} > {cfg.depth_crit}"))
    if r.notes:
        out.append(Verdict(Status.WARN, f"queue: {r.notes[0]}"))
    return out or [Verdict(Status.OK, queue_line(r))]
