"""The launchd backend's status rules: the job is expected to be running (or waiting, on demand)."""

from __future__ import annotations

from probes.model import LaunchdJob, LaunchdResult, Status, Verdict, combine


def _job_verdict(j: LaunchdJob) -> Verdict:
    runs = f", runs {j.runs}" if j.runs else ""
    last = j.last_exit_text
    if not j.loaded:
        return Verdict(Status.CRIT, f"{j.label}: not loaded")
    if j.state == "running":
        return Verdict(Status.OK, f"{j.label}: running (pid {j.pid}{runs})")
    failed = j.last_signal is not None or (j.last_exit not in (None, 0))
    if failed:
        loop = "crash loop, " if j.keepalive and (j.runs or 0) > 1 else ""
        return Verdict(Status.CRIT, f"{j.label}: {loop}{j.state or 'not running'} ({last}{runs})")
    if j.state == "waiting":
        return Verdict(Status.OK, f"{j.label}: waiting (on demand)")
    status = Status.CRIT if j.keepalive else Status.WARN
    return Verdict(status, f"{j.label}: {j.state or 'not running'}" + (f" ({last})" if last else ""))


def launchd_verdict(r: LaunchdResult) -> Verdict:
    """Not loaded, exited with an error or killed by a signal is CRIT; launchctl failing is UNKNOWN."""
    if r.error is not None:
        if r.error.kind == "refused":
            return Verdict(Status.CRIT, f"launchd: {r.error.message}")
        return Verdict(Status.UNKNOWN, f"launchd: {r.error.message}")
    verdict = combine([_job_verdict(j) for j in r.jobs])
    if len(r.jobs) == 1:
        return Verdict(verdict.status, verdict.reason.split(": ", 1)[1])
    if verdict.status is Status.OK:
        return Verdict(Status.OK, f"{len(r.jobs)} jobs running or waiting")
    return verdict
