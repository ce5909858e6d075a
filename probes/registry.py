"""The log source of a service's manager: the systemd journal of its unit, or its launchd job's output files."""

from __future__ import annotations

from probes.config import ServiceConfig
from probes.files.logs import FileLogSource
from probes.model import LogSource
from probes.sources.systemd.logs import JournalLogSource


def native_log_source(svc: ServiceConfig, facts: tuple[tuple[str, str], ...] = ()) -> LogSource | None:
    """`journalctl -u UNIT` for a systemd unit; for a launchd job, its stdout/stderr paths as the last poll of
    `launchctl print` reported them (`facts` is the view's `native`); None when there is neither."""
    if svc.systemd is not None and svc.systemd.unit:
        return JournalLogSource(svc.systemd.unit, user=svc.systemd.bus == "user")
    if svc.launchd is not None and svc.launchd.label:
        paths = dict(facts)
        if paths.get("stdout") or paths.get("stderr"):
            return FileLogSource(paths.get("stdout"), paths.get("stderr"))
    return None
