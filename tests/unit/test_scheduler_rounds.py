"""The scheduler sends the health polls of one interval as a round and publishes one snapshot per round, even when
the answers of a round come in spread out (a real HTTP server answering after 0, 100 and 200 ms)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from probes.config.load import parse_config
from probes.model import Status
from probes.runtime.scheduler import Scheduler
from probes.view import FleetSnapshot
from tests.functional.helpers import serve_handler

BODY = b'{"status": "healthy"}'


class Spread(BaseHTTPRequestHandler):
    """/health/N answers after N ms, on keep-alive connections."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        time.sleep(int(self.path.rsplit("/", 1)[1]) / 1000)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serve_handler(Spread) as p:
        yield p


def test_one_snapshot_per_round_of_spread_answers(port: int) -> None:
    services = "".join(
        f"  - name: s{ms}\n    health: {{url: 'http://127.0.0.1:{port}/health/{ms}', timeout: 1}}\n"
        for ms in (0, 100, 200)
    )
    cfg = parse_config(f"refresh_interval: 2\nservices:\n{services}", "rounds.yaml")[0]
    published: list[tuple[float, FleetSnapshot]] = []
    sched = Scheduler(cfg, publish=lambda snap: published.append((time.monotonic(), snap)))

    async def run() -> None:
        task = asyncio.create_task(sched.run())
        await asyncio.sleep(7.0)  # rounds at 0, 2, 4 and 6 s
        sched.stop()
        await task

    asyncio.run(run())
    assert sched.polls == 12
    assert len(published) == 4  # answers 100 ms apart (over the 50 ms gather gap) still make one snapshot a round
    assert all(v.status is Status.OK for v in published[-1][1].services)
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(published)]
    assert all(1.5 < g < 2.5 for g in gaps), gaps  # on the 2 s grid
