"""Where Docker is, and one low-level client per host: docker.host, else DOCKER_HOST, else the default socket.

The docker SDK is blocking (requests), so every call here runs on a worker thread, never on an event loop; it is
imported on first use, so a fleet without Docker never loads it.
Errors are turned into `ProbeError`s with short messages; "docker daemon unreachable" covers a missing socket,
a refused connection and a daemon killed mid-request, which is what the operator needs to know.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from probes.model import ProbeError
from probes.text.sanitize import clean

UNREACHABLE = "docker daemon unreachable"
DEFAULT_HOST = "unix:///var/run/docker.sock"


def resolve_host(host: str | None) -> str:
    """The host a service's containers live on: config, then DOCKER_HOST, then the default socket."""
    return host or os.environ.get("DOCKER_HOST") or DEFAULT_HOST


def make_api(host: str, timeout: float, pool: int = 10) -> Any:
    """A low-level client for `host`; asks the daemon its API version, so it raises when the daemon is down."""
    import docker  # the SDK (and requests) load when Docker is first used, not while the dashboard starts

    kwargs: dict[str, Any] = {}
    if host == os.environ.get("DOCKER_HOST"):  # TLS settings from DOCKER_TLS_VERIFY / DOCKER_CERT_PATH apply to it
        kwargs = {k: v for k, v in docker.utils.kwargs_from_env().items() if k == "tls"}
    return docker.APIClient(
        base_url=host, version="auto", timeout=timeout, max_pool_size=pool, use_ssh_client=host.startswith("ssh://"),
        **kwargs,
    )  # fmt: skip


def docker_error(exc: BaseException) -> ProbeError:
    """A short, cleaned reason for a failed Docker call."""
    import docker.errors
    import requests

    if isinstance(exc, docker.errors.NotFound):
        return ProbeError("http", clean(getattr(exc, "explanation", None) or "not found", 200))
    if isinstance(exc, docker.errors.APIError):
        return ProbeError("http", clean(getattr(exc, "explanation", None) or str(exc), 200))
    if isinstance(exc, (requests.exceptions.Timeout, TimeoutError)):
        return ProbeError("timeout", "docker daemon did not answer in time")
    if isinstance(exc, (requests.exceptions.ConnectionError, ConnectionError, FileNotFoundError)):
        return ProbeError("refused", UNREACHABLE)
    if isinstance(exc, docker.errors.DockerException):  # e.g. "Error while fetching server API version"
        text = str(exc)
        if "Connection" in text or "No such file" in text or "refused" in text:
            return ProbeError("refused", UNREACHABLE)
        return ProbeError("error", clean(text, 200))
    return ProbeError("error", clean(f"{type(exc).__name__}: {exc}", 200))


class ClientCache:
    """One client per host, created on first use and dropped after a connection failure (so it is rebuilt)."""

    def __init__(self, timeout: float, pool: int = 10) -> None:
        self.timeout = timeout
        self.pool = pool
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, host: str) -> Any:
        with self._lock:
            api = self._clients.get(host)
        if api is None:
            api = make_api(host, self.timeout, self.pool)
            with self._lock:
                self._clients[host] = api
        return api

    def drop(self, host: str) -> None:
        with self._lock:
            api = self._clients.pop(host, None)
        if api is not None:
            api.close()
