"""The Docker backend against a real dockerd: health flips, crash loops, memory limits, events, compose rows."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

from probes.config import DockerConfig, FleetConfig, ServiceConfig
from probes.model import Status
from probes.runtime.runner import PollerThread
from probes.sources.docker.compose import expand_compose
from probes.view import FleetSnapshot, ServiceView
from tests.functional.docker_helpers import container, fleet, httpd_args, inspect, name
from tests.functional.helpers import free_port
from tests.testbed.docker import DockerDaemon
from tests.waiting import wait_for

NO_SUCH_SOCKET = "unix:///run/agentops-testbed/i4-no-such.sock"


class Latest:
    """The newest snapshot published by a real poller thread."""

    def __init__(self) -> None:
        self.snap: FleetSnapshot | None = None
        self.lock = threading.Lock()
        self.seen: list[tuple[float, str, Status, str]] = []

    def publish(self, snap: FleetSnapshot) -> None:
        with self.lock:
            self.snap = snap
            self.seen.extend((time.monotonic(), v.name, v.status, v.reason) for v in snap.services)

    def view(self, service: str) -> ServiceView | None:
        with self.lock:
            snap = self.snap
        return next((v for v in snap.services if v.name == service), None) if snap else None

    def status(self, service: str) -> Status | None:
        v = self.view(service)
        return v.status if v else None


@contextlib.contextmanager
def polling(cfg: object) -> Iterator[Latest]:
    latest = Latest()
    poller = PollerThread(cfg, latest.publish)  # type: ignore[arg-type]
    poller.start()
    try:
        yield latest
    finally:
        poller.stop()


def test_health_flips_healthy_unhealthy_healthy(docker_daemon: DockerDaemon) -> None:
    port = free_port()
    args, cmd = httpd_args(port)
    with container(docker_daemon, name("health"), *args, cmd=cmd) as c:
        cfg = fleet(docker_daemon, {"web": DockerConfig(container=c)})
        with polling(cfg) as latest:
            wait_for(lambda: latest.status("web") is Status.OK, 20, "healthy -> OK")
            view = latest.view("web")
            assert view is not None and "healthy" in view.reason
            assert view.containers[0].health == "healthy" and view.uptime_s is not None
            docker_daemon.docker("exec", c, "busybox", "rm", "/www/health")
            wait_for(lambda: latest.status("web") is Status.CRIT, 20, "unhealthy -> CRIT")
            view = latest.view("web")
            assert view is not None and "unhealthy" in view.reason
            assert "404" in view.containers[0].health_output or view.containers[0].health_output  # wget's complaint
            docker_daemon.docker("exec", c, "sh", "-c", "echo ok > /www/health")
            wait_for(lambda: latest.status("web") is Status.OK, 20, "healthy again -> OK")


def test_crash_loop_under_restart_policy(docker_daemon: DockerDaemon) -> None:
    with container(docker_daemon, name("crash"), "--restart", "on-failure", cmd=("sh", "-c", "sleep 1; exit 3")) as c:
        cfg = fleet(docker_daemon, {"crashy": DockerConfig(container=c)})
        with polling(cfg) as latest:
            wait_for(lambda: inspect(docker_daemon, c)["RestartCount"] >= 2, 60, "engine restarts it")
            wait_for(
                lambda: (v := latest.view("crashy")) is not None and v.restarts_recent >= 1, 20, "restart growth seen"
            )
            bad = [s for _, n, s, r in latest.seen if n == "crashy" and s in (Status.CRIT, Status.WARN)]
            assert bad, "a crash-looping container is never OK for a whole run"
            reasons = " ".join(r for _, n, _, r in latest.seen if n == "crashy")
            assert "restarts" in reasons or "exited (code 3)" in reasons


def test_memory_share_of_limit_warns_above_80_percent(docker_daemon: DockerDaemon) -> None:
    # 56 MiB written to /dev/shm (tmpfs pages are charged to the container) of a 64 MiB limit: above the guide's 80%.
    fill = "dd if=/dev/zero of=/dev/shm/fill bs=1048576 count=56; sleep 3600"
    with container(docker_daemon, name("mem"), "--memory", "64m", "--shm-size", "60m", cmd=("sh", "-c", fill)) as c:
        cfg = fleet(docker_daemon, {"hungry": DockerConfig(container=c, stats_interval=1.0)})
        with polling(cfg) as latest:
            wait_for(lambda: latest.status("hungry") is not None and latest.status("hungry") is not Status.UNKNOWN, 20,
                 "first sweep")  # fmt: skip
            view = latest.view("hungry")
            assert view is not None and view.containers[0].mem_limit == 64 * 1024 * 1024
            ok = lambda: (v := latest.view("hungry")) is not None and "memory" in v.reason  # noqa: E731
            wait_for(ok, 30, "memory above 80% of the limit")
            view = latest.view("hungry")
            assert view is not None and view.status is Status.WARN and "memory 8" in view.reason


def test_events_update_state_before_the_next_poll(docker_daemon: DockerDaemon) -> None:
    with container(docker_daemon, name("ev"), cmd=("sleep", "3600")) as c:
        cfg = fleet(docker_daemon, {"ev": DockerConfig(container=c)}, refresh=20.0)  # polls 20 s apart
        with polling(cfg) as latest:
            wait_for(lambda: latest.status("ev") is Status.OK, 15, "first poll")
            time.sleep(1.0)  # the events stream is connected by now
            killed = time.monotonic()
            docker_daemon.docker("kill", c)
            wait_for(lambda: latest.status("ev") is Status.CRIT, 5, "die event -> CRIT well before the next poll")
            assert time.monotonic() - killed < 5
            docker_daemon.docker("start", c)
            wait_for(lambda: latest.status("ev") is Status.OK, 5, "start event -> OK")


def test_missing_container_is_crit_and_bad_host_unknown(docker_daemon: DockerDaemon) -> None:
    cfg = fleet(docker_daemon, {"gone": DockerConfig(container=name("never"))})
    with polling(cfg) as latest:
        wait_for(lambda: latest.status("gone") is Status.CRIT, 15, "no container -> CRIT")
    nowhere = FleetConfig(services=[ServiceConfig(name="x", docker=DockerConfig(container="x", host=NO_SUCH_SOCKET))])
    with polling(nowhere) as latest:
        wait_for(lambda: (v := latest.view("x")) is not None and v.status is Status.UNKNOWN, 15, "UNKNOWN")
        view = latest.view("x")
        assert view is not None and view.reason == "docker daemon unreachable"


def test_compose_project_expands_to_one_row_per_service(docker_daemon: DockerDaemon) -> None:
    project = name("proj")
    labels = lambda svc: ("--label", f"com.docker.compose.project={project}",  # noqa: E731
                          "--label", f"com.docker.compose.service={svc}")  # fmt: skip
    with (
        container(docker_daemon, name("agent"), *labels("agent")),
        container(docker_daemon, name("redis"), *labels("redis"), cmd=("sh", "-c", "exit 1")),
    ):
        cfg = fleet(docker_daemon, {"stack": DockerConfig(compose_project=project)})
        expanded, notes = expand_compose(cfg)
        assert notes == []
        assert [s.name for s in expanded.services] == ["stack/agent", "stack/redis"]
        with polling(expanded) as latest:
            wait_for(lambda: latest.status("stack/agent") is Status.OK, 15, "agent row OK")
            wait_for(lambda: latest.status("stack/redis") is Status.CRIT, 15, "redis row CRIT (exited)")
            view = latest.view("stack/redis")
            assert view is not None and "exited (code 1)" in view.reason
