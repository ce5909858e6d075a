"""A verdict: one source's say on a service's status, with the reason; the worst of several wins."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from probes.model.alerts import Alert
from probes.model.results import Status

MEMORY_WARN = 0.8  # share of a memory limit that warns (the deployment guide alerts above 80%)


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str


def combine(verdicts: list[Verdict]) -> Verdict:
    """Worst status wins; reasons at that level are joined, then the lesser problems' after them (a failing
    dependency check is often the cause of the error rate beside it), skipping the bland OK ones."""
    if not verdicts:
        return Verdict(Status.UNKNOWN, "no sources configured")
    worst = max(v.status.rank for v in verdicts)
    top = [v for v in verdicts if v.status.rank == worst]
    if top[0].status is Status.OK:
        return Verdict(Status.OK, top[0].reason)
    lesser = sorted((v for v in verdicts if v.status.rank < worst and v.status is not Status.OK),
                    key=lambda v: -v.status.rank)  # fmt: skip
    reasons = list(dict.fromkeys(v.reason for v in [*top, *lesser]))
    return Verdict(top[0].status, "; ".join(reasons))


def decide(
    status: Status, reason: str, alerts: Sequence[Alert] = (), age_s: float = 0.0, interval: float = math.inf
) -> tuple[Status, str]:
    """A row's status and reason: what its sources say (`status`, `reason`: probes.fleet.status), then its
    firing alerts (the worst sets the status when it is worse; their names lead the reason, which does not repeat
    a cause an alert already names), then STALE once its newest data is `age_s` old, over three intervals (the
    poller is stuck or starved). The one place a status is decided: the fleet state calls it when it puts the
    alerts on a row, the screens (probes.view.status_now) when they show the row."""
    if alerts:
        firing = [a for a in alerts if a.state == "firing"]
        if firing:
            worst = max((a.status for a in firing), key=lambda st: st.rank)
            text = "alert " + ", ".join(f"{a.name} ({a.summary})" for a in firing[:3])
            said = {a.summary for a in firing[:3]}  # a cause the alert names is not repeated after it
            rest = [part for part in reason.split("; ") if part not in said]
            reason = text if status is Status.OK or not rest else "; ".join([text, *rest])
            status = worst if worst.rank > status.rank else status
    if age_s > 3 * interval:
        return Status.STALE, f"no data for {age_s:.0f}s (last: {status.value} {reason})"
    return status, reason


def effective(status: Status, reason: str, age_s: float, interval: float) -> tuple[Status, str]:
    """The status as of `age_s` after the data (no alerts): decide() without alerts."""
    return decide(status, reason, (), age_s, interval)
