"""Compose projects become one row per Compose service, decided once when the dashboard (or `check`) starts.

A `docker: {compose_project: P}` entry without `compose_service` is looked up with one list call (labels
com.docker.compose.project / com.docker.compose.service) and replaced by entries named `NAME/SERVICE`, each with
`compose_service` set, in the order the services sort. Rows are fixed for the run so the table, the action layer
and the journal agree on names. When Docker cannot be reached at start, the entry stays one row covering every
container of the project (it turns UNKNOWN until the daemon answers, then shows the project's worst container).
"""

from __future__ import annotations

import dataclasses

from probes.config import FleetConfig, ServiceConfig
from probes.sources.docker.client import make_api, resolve_host
from probes.sources.docker.probe import PROJECT, SERVICE
from probes.text.sanitize import clean


def compose_services(host: str, project: str, timeout: float) -> list[str]:
    """The Compose service names of a project's containers (any state), sorted; raises when Docker is gone."""
    api = make_api(host, timeout, pool=1)
    try:
        listed = api.containers(all=True, filters={"label": f"{PROJECT}={project}"})
    finally:
        api.close()
    names = {clean((c.get("Labels") or {}).get(SERVICE, ""), 120) for c in listed}
    return sorted(n for n in names if n)


def expand_compose(cfg: FleetConfig, timeout: float = 2.0) -> tuple[FleetConfig, list[str]]:
    """The config with every whole-project entry expanded; and a note per project that could not be expanded."""
    out: list[ServiceConfig] = []
    notes: list[str] = []
    taken = {s.name for s in cfg.services}
    for svc in cfg.services:
        d = svc.docker
        if d is None or d.compose_project is None or d.compose_service is not None:
            out.append(svc)
            continue
        try:
            services = compose_services(resolve_host(d.host), d.compose_project, timeout)
        except Exception as exc:
            notes.append(f"{svc.name}: compose project {d.compose_project!r} not expanded ({type(exc).__name__}); "
                         "one row for the whole project")  # fmt: skip
            out.append(svc)
            continue
        if not services:
            notes.append(f"{svc.name}: compose project {d.compose_project!r} has no containers; one row for it")
            out.append(svc)
            continue
        for name in services:
            row = f"{svc.name}/{name}"
            if row in taken:
                continue
            taken.add(row)
            out.append(dataclasses.replace(svc, name=row, docker=dataclasses.replace(d, compose_service=name)))
    return dataclasses.replace(cfg, services=out), notes
