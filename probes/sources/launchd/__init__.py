"""The launchd backend (macOS): jobs through `launchctl print` and `launchctl list` (probe.py, parse.py), their
status rules (status.py), facts (facts.py), and their stdout/stderr files as the log."""

from __future__ import annotations

from typing import Any

from probes.backend import Backend, Manager, Row, Shared, per_name
from probes.config import FleetConfig, LaunchdConfig, ServiceConfig, timeout_for
from probes.model import LaunchdResult, LogSource, Probe
from probes.sources.launchd.facts import launchd_facts
from probes.sources.launchd.status import launchd_verdict


def probes(cfg: FleetConfig, shared: Shared) -> list[Probe[Any]]:
    """One probe for every job of the fleet."""
    from probes.sources.launchd.probe import LaunchdProbe

    iv = cfg.refresh_interval
    jobs: dict[str, LaunchdConfig] = {svc.name: svc.launchd for svc in cfg.services if svc.launchd is not None}
    return [LaunchdProbe(jobs, iv, timeout_for(None, iv))] if jobs else []


def take(row: Row, r: LaunchdResult) -> None:
    row.managed["launchd"] = r
    row.note_error("launchd", r.error.message if r.error else None, r.at)


def one_process(r: LaunchdResult) -> tuple[int | None, int | None]:
    """A one-job row's pid (launchctl does not say its memory)."""
    return (r.jobs[0].pid, None) if len(r.jobs) == 1 else (None, None)


def log_source(svc: ServiceConfig, facts: tuple[tuple[str, str], ...]) -> LogSource | str | None:
    """The job's stdout/stderr files as its last `launchctl print` reported them (`facts`: the view's)."""
    if svc.launchd is None:
        return None
    paths = dict(facts)
    if svc.launchd.label and (paths.get("stdout") or paths.get("stderr")):
        from probes.files.logs import FileLogSource

        return FileLogSource(paths.get("stdout"), paths.get("stderr"))
    return f"no logs for {svc.name} yet: launchctl has not reported stdout/stderr paths for one job label"


async def log_facts(svc: ServiceConfig, timeout: float) -> tuple[tuple[str, str], ...]:
    """One `launchctl print` of the job now: its stdout/stderr paths, before any poll has reported them."""
    from probes.sources.launchd.probe import LaunchdProbe

    if svc.launchd is None or not svc.launchd.label:
        return ()
    r = (await LaunchdProbe({svc.name: svc.launchd}, timeout, timeout).collect())[svc.name]
    return tuple(launchd_facts(r))


BACKEND = Backend(
    "launchd", probes, per_name(LaunchdResult, take), rank=7,
    manager=Manager(launchd_verdict, launchd_facts, one_process),
    log_source=log_source, log_facts=log_facts, executors=("launchd",),
)  # fmt: skip
