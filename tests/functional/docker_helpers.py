"""Containers for the Docker tests: busybox on the host network, named with this suite's prefix, removed at the end."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

from probes.config import DockerConfig, FleetConfig, ServiceConfig
from tests.testbed.docker import BUSYBOX_IMAGE, DockerDaemon

PREFIX = "i4-"  # every container these tests make starts with this, so other suites' containers are never touched


def name(tag: str) -> str:
    return f"{PREFIX}{tag}-{uuid.uuid4().hex[:6]}"


@contextlib.contextmanager
def container(daemon: DockerDaemon, cname: str, *args: str, cmd: tuple[str, ...] = ("sleep", "3600")) -> Iterator[str]:
    """`docker run -d --network host ARGS busybox CMD`; force-removed (by its name) when the block ends."""
    daemon.docker("run", "-d", "--name", cname, "--network", "host", *args, BUSYBOX_IMAGE, *cmd)
    try:
        yield cname
    finally:
        daemon.docker("rm", "-f", cname, check=False)


def httpd_args(port: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(run args, command): busybox httpd serving /www/health, and a healthcheck that fetches it every second."""
    args = ("--health-cmd", f"wget -q -O- http://127.0.0.1:{port}/health || exit 1", "--health-interval", "1s",
            "--health-retries", "1", "--health-timeout", "1s")  # fmt: skip
    cmd = ("sh", "-c", f"echo ok > /www/health; exec httpd -f -p 127.0.0.1:{port} -h /www")
    return args, cmd


def inspect(daemon: DockerDaemon, cname: str) -> dict[str, Any]:
    out = daemon.docker("inspect", cname).stdout
    data: dict[str, Any] = json.loads(out)[0]
    return data


def fleet(daemon: DockerDaemon, services: dict[str, DockerConfig], refresh: float = 1.0) -> FleetConfig:
    """A fleet of docker-only services on `daemon`."""
    return FleetConfig(
        services=[ServiceConfig(name=n, docker=DockerConfig(**{**d.__dict__, "host": daemon.host}))
                  for n, d in services.items()],
        refresh_interval=refresh,
    )  # fmt: skip
