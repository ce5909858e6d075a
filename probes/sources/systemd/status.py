"""The systemd backend's status rules: the unit is expected to be running."""

from __future__ import annotations

from probes.model import MEMORY_WARN, Status, SystemdResult, SystemdUnit, Verdict, combine
from probes.text.units import fmt_percent


def _unit_verdict(u: SystemdUnit) -> Verdict:
    restarts = f", {u.n_restarts} restarts" if u.n_restarts else ""
    if u.load_state == "not-found":
        return Verdict(Status.CRIT, f"{u.name}: unit not found")
    if u.load_state not in ("loaded", ""):
        return Verdict(Status.CRIT, f"{u.name}: {u.load_state}")
    if u.start_limit_hit:
        return Verdict(Status.CRIT, f"{u.name}: start limit hit{restarts}")
    if u.active_state == "failed":
        code = f", status {u.exec_main_status}" if u.exec_main_status else ""
        return Verdict(Status.CRIT, f"{u.name}: failed ({u.result or 'unknown'}{code})")
    if u.active_state == "activating" and u.sub_state == "auto-restart":
        return Verdict(Status.CRIT, f"{u.name}: crash loop (auto-restart{restarts})")
    if u.active_state in ("inactive", "deactivating"):
        return Verdict(Status.CRIT, f"{u.name}: {u.active_state} ({u.sub_state})")
    if u.active_state == "activating":
        return Verdict(Status.WARN, f"{u.name}: activating ({u.sub_state}){restarts}")
    if u.memory_current is not None:
        for limit, name in ((u.memory_max, "MemoryMax"), (u.memory_high, "MemoryHigh")):
            if limit and u.memory_current >= MEMORY_WARN * limit:
                return Verdict(Status.WARN, f"{u.name}: memory {fmt_percent(u.memory_current / limit)} of {name}")
    return Verdict(Status.OK, f"{u.name}: {u.active_state} ({u.sub_state}){restarts}")


def systemd_verdict(r: SystemdResult) -> Verdict:
    """Failed, crash-looping, start-limited or stopped units are CRIT; an unreachable bus is UNKNOWN."""
    if r.error is not None:
        if r.error.kind == "refused":  # the pattern matched nothing: the units are gone
            return Verdict(Status.CRIT, f"systemd: {r.error.message}")
        return Verdict(Status.UNKNOWN, f"systemd: {r.error.message}")
    verdict = combine([_unit_verdict(u) for u in r.units])
    if len(r.units) == 1:  # the unit is the row: no need to name it
        return Verdict(verdict.status, verdict.reason.split(": ", 1)[1])
    if verdict.status is Status.OK:
        return Verdict(Status.OK, f"{len(r.units)} units active")
    return verdict
