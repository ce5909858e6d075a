"""The Docker backend's status rules: a service's containers, the worst of them."""

from __future__ import annotations

from probes.model import MEMORY_WARN, ContainerInfo, DockerResult, Status, Verdict, combine
from probes.text.units import fmt_percent


def container_verdict(c: ContainerInfo) -> Verdict:
    """One container: exited/dead/restarting or unhealthy is CRIT; health starting or memory near the limit WARN."""
    who = c.service or c.name
    if c.state in ("exited", "dead"):
        oom = ", OOMKilled" if c.oom_killed else ""
        return Verdict(Status.CRIT, f"{who} {c.state} (code {c.exit_code}{oom})")
    if c.state == "restarting":
        return Verdict(Status.CRIT, f"{who} restarting ({c.restart_count} restarts)")
    if c.state in ("created", "paused", "removing"):
        return Verdict(Status.WARN, f"{who} {c.state}")
    if c.health == "unhealthy":
        out = f": {c.health_output[:80]}" if c.health_output else ""
        return Verdict(Status.CRIT, f"{who} unhealthy{out}")
    if c.health == "starting":
        return Verdict(Status.WARN, f"{who} health starting")
    if c.mem_bytes is not None and c.mem_limit:
        share = c.mem_bytes / c.mem_limit
        if share > MEMORY_WARN:
            return Verdict(Status.WARN, f"{who} memory {fmt_percent(share)} of limit")
    return Verdict(Status.OK, f"{c.state}{f' ({c.health})' if c.health else ''}")


def docker_verdict(r: DockerResult, restarts_recent: int = 0) -> Verdict:
    """A service's containers: the worst of them; the daemon unreachable is UNKNOWN (we cannot tell), no
    matching container is CRIT, and restarts seen in the last window WARN even while the container runs."""
    if r.error is not None:
        return Verdict(Status.UNKNOWN, r.error.message if r.error.kind == "refused" else f"docker: {r.error.message}")
    if not r.containers:
        return Verdict(Status.CRIT, "no container found")
    verdicts = [container_verdict(c) for c in r.containers]
    if restarts_recent > 0:
        verdicts.append(Verdict(Status.WARN, f"{restarts_recent} restarts in 5m"))
    return combine(verdicts)
