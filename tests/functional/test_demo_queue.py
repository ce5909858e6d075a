"""The demo fleet's task queue, read by the real queue probe and Redis client: agents are its workers, and
stopping them backs the queue up until the alerts fire."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from agentops_tui.app import make_app
from agentops_tui.demo.fleet import DemoFleet
from agentops_tui.demo.roster import QUEUE_NAME
from agentops_tui.widgets.service_table import ServiceTable
from probes.config.load import parse_config
from probes.model import Status
from tests.functional.helpers import row_status, row_text, wait_until


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoFleet]:
    demo = DemoFleet(tmp_path_factory.mktemp("demo-queue"), services=2, cycle_s=600.0, refresh_interval=1.0)
    demo.start(timeout=30)
    try:
        yield demo
    finally:
        demo.stop()


async def test_agents_are_the_workers_and_stopping_them_fires_the_backlog_alerts(
    fleet: DemoFleet, tmp_path: Path
) -> None:
    config = fleet.config_dict()
    queue = next(s for s in config["services"] if s["name"] == QUEUE_NAME)
    queue["queue"].update(depth_limit=4)  # the demo's own limits are 25 and 20 s: wait less here
    queue["alerts"] = {"queue_stalled": {"for_s": 10.0}}
    cfg, _ = parse_config(yaml.safe_dump(config), "demo.yaml", {})
    app = make_app(cfg)
    async with app.run_test(size=(140, 30)) as pilot:
        table = app.screen.query_one(ServiceTable)
        shown = lambda: row_text(table, QUEUE_NAME)["reason"]  # noqa: E731
        assert await wait_until(pilot, lambda: "2 workers" in shown() and "/s out " in shown(), 20)
        assert row_status(table, QUEUE_NAME) is Status.OK
        view = app.view_of(QUEUE_NAME)
        assert view is not None and view.queue is not None
        assert view.queue.enqueue_per_s is not None and view.queue.dequeue_per_s is not None
        for name in ("planner", "researcher"):
            fleet.kill(name)  # stays down: nobody takes tasks any more
        assert await wait_until(pilot, lambda: row_status(table, QUEUE_NAME) is Status.WARN, 20)
        assert "alert queue_depth" in shown() and "> limit 4)" in shown()
        assert await wait_until(pilot, lambda: row_status(table, QUEUE_NAME) is Status.CRIT, 20)
        assert "queue_stalled (no dequeues for" in shown()
        assert "0 workers alive" in row_text(table, QUEUE_NAME)["reason"]
