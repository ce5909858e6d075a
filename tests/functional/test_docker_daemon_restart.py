"""dockerd killed and started again under a running dashboard: rows UNKNOWN, then live data again, app alive."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentops_tui.app import make_app
from agentops_tui.widgets.service_table import ServiceTable
from probes.config import DockerConfig
from probes.model import Status
from tests.functional.docker_helpers import fleet, name
from tests.functional.helpers import row_status, row_text, wait_until
from tests.testbed.docker import BUSYBOX_IMAGE, DockerDaemon
from tests.waiting import poll

SIZE = (120, 30)


def containerd_gone(daemon: DockerDaemon, timeout: float = 15.0) -> None:
    """Wait until the containerd our killed dockerd started has exited (a new dockerd refuses to start beside it);
    past `timeout`, SIGKILL it by the PID in its own pidfile."""
    pidfile = daemon.dir / "exec" / "containerd" / "containerd.pid"
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    if poll(lambda: not Path(f"/proc/{pid}").exists(), timeout):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)


@pytest.fixture
def own_daemon() -> Iterator[DockerDaemon]:
    """A private dockerd only this test kills (never the shared one)."""
    daemon = DockerDaemon("issue4-kill")
    daemon.start()
    daemon.ensure_busybox()
    try:
        yield daemon
    finally:
        if daemon.proc is None and not daemon.ping():
            containerd_gone(daemon)
            daemon.start()  # so its containers can be removed
        for cid in daemon.docker("ps", "-aq", "--filter", "name=i4-", check=False).stdout.split():
            daemon.docker("rm", "-f", cid, check=False)
        daemon.stop()


async def test_dockerd_killed_and_restarted_mid_run(own_daemon: DockerDaemon) -> None:
    c = name("survivor")
    own_daemon.docker("run", "-d", "--name", c, "--network", "host", "--restart", "always", BUSYBOX_IMAGE,
                      "sleep", "3600")  # fmt: skip
    # Polls 8 s apart: what happens faster than that is the events stream (it breaks, reconnects, reports).
    cfg = fleet(own_daemon, {"survivor": DockerConfig(container=c)}, refresh=8.0)
    app = make_app(cfg)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ServiceTable)
        assert await wait_until(pilot, lambda: row_status(table, "survivor") is Status.OK, 20)
        await pilot.pause(1.0)  # the events stream is connected by now
        own_daemon.kill()
        assert await wait_until(pilot, lambda: row_status(table, "survivor") is Status.UNKNOWN, 15)
        assert row_text(table, "survivor")["reason"] == "docker daemon unreachable"
        containerd_gone(own_daemon)
        own_daemon.start()
        assert await wait_until(pilot, lambda: row_status(table, "survivor") is Status.OK, 40)
        assert "running" in row_text(table, "survivor")["reason"]
        await pilot.pause(2.0)  # past the reconnect backoff
        own_daemon.docker("kill", c)  # --restart always brings it back; the die event shows it first
        assert await wait_until(pilot, lambda: row_status(table, "survivor") in (Status.CRIT, Status.WARN), 6)
        assert app.is_running
