"""A verdict: one source's say on a service's status, with the reason; the worst of several wins."""

from __future__ import annotations

from dataclasses import dataclass

from probes.model.results import Status

MEMORY_WARN = 0.8  # share of a memory limit that warns (the deployment guide alerts above 80%)


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str


def combine(verdicts: list[Verdict]) -> Verdict:
    """Worst status wins; reasons at that level are joined, skipping the bland OK ones when others exist."""
    if not verdicts:
        return Verdict(Status.UNKNOWN, "no sources configured")
    worst = max(v.status.rank for v in verdicts)
    top = [v for v in verdicts if v.status.rank == worst]
    reasons = list(dict.fromkeys(v.reason for v in top))
    if top[0].status is Status.OK:
        reasons = reasons[:1]
    return Verdict(top[0].status, "; ".join(reasons))


def effective(status: Status, reason: str, age_s: float, interval: float) -> tuple[Status, str]:
    """STALE when the newest data is older than three intervals (the poller is stuck or starved)."""
    if age_s > 3 * interval:
        return Status.STALE, f"no data for {age_s:.0f}s (last: {status.value} {reason})"
    return status, reason
