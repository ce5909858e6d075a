"""A systemd unit's facts as (label, value) pairs for the detail view: only what helps an operator."""

from __future__ import annotations

import time

from probes.model import SystemdResult

MAX_UNITS_SHOWN = 20


def _mib(n: int | None) -> str:
    return f"{n / 1048576:.1f} MiB" if n is not None else "-"


def systemd_facts(r: SystemdResult, now: float | None = None) -> list[tuple[str, str]]:
    if r.error is not None:
        return [("systemd", r.error.message)]
    now = time.time() if now is None else now
    out: list[tuple[str, str]] = []
    for u in r.units[:MAX_UNITS_SHOWN]:
        p = f"{u.name} " if len(r.units) > 1 else ""
        out.append((f"{p}unit", f"{u.name}: {u.load_state} {u.active_state} ({u.sub_state})"))
        if u.main_pid:
            out.append((f"{p}main pid", str(u.main_pid)))
        if u.n_restarts is not None:
            out.append((f"{p}restarts", str(u.n_restarts)))
        if u.result:
            code = f", status {u.exec_main_status}" if u.exec_main_status is not None else ""
            out.append((f"{p}last result", f"{u.result}{code}"))
        if u.started_usec and u.main_pid:
            out.append((f"{p}running for", f"{max(0.0, now - u.started_usec / 1e6):.0f}s"))
        if u.memory_current is not None:
            limits = ", ".join(f"{k} {_mib(v)}" for k, v in (("max", u.memory_max), ("high", u.memory_high)) if v)
            out.append((f"{p}memory", _mib(u.memory_current) + (f" ({limits})" if limits else "")))
        if u.cpu_usage_nsec is not None:
            out.append((f"{p}cpu time", f"{u.cpu_usage_nsec / 1e9:.1f}s"))
        if u.cpu_quota_per_sec_usec is not None:
            out.append((f"{p}cpu quota", f"{u.cpu_quota_per_sec_usec / 1e4:.0f}%"))
    return out
