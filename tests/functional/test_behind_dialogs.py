"""The rows stay true behind any dialog: the overview under a confirmation, the drain panel or the palette still
takes every snapshot, so nothing turns STALE while the header moves on."""

from __future__ import annotations

import asyncio

from textual.screen import ModalScreen

from agentops_tui.app import AgentOpsApp, make_app
from agentops_tui.widgets.service_table import ServiceTable
from probes.config import FleetConfig
from probes.model import Status
from tests.functional.helpers import row_status, wait_until
from tests.functional.test_actions_ui import SIZE
from tests.functional.test_actions_ui import select as select_service


def rows_current(app: AgentOpsApp, table: ServiceTable) -> bool:
    snap = app.snapshot
    return snap is not None and all(table.model.views.get(v.name) is v for v in snap.services)


async def next_snapshots(pilot: object, app: AgentOpsApp, count: int) -> None:
    for _ in range(count):
        seen = app.snapshot
        assert await wait_until(pilot, lambda s=seen: app.snapshot is not s, 15)  # type: ignore[arg-type]


async def test_rows_take_snapshots_behind_every_dialog(demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        table = await select_service(pilot, app, "summarizer")
        for key in ("r", "d", "ctrl+p", "question_mark"):
            await pilot.press(key)
            assert await wait_until(pilot, lambda: isinstance(app.screen, ModalScreen), 5), key
            await next_snapshots(pilot, app, 2)
            assert isinstance(app.screen, ModalScreen)
            assert rows_current(app, table), key
            await pilot.press("escape")
            assert await wait_until(pilot, lambda: not isinstance(app.screen, ModalScreen), 5)


async def test_nothing_turns_stale_behind_a_confirmation(demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        table = await select_service(pilot, app, "summarizer")
        await pilot.press("r")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ModalScreen), 5)
        loop = asyncio.get_running_loop()
        end = loop.time() + 3.5 * demo_config.refresh_interval  # past the STALE line (three intervals)
        while loop.time() < end:
            await pilot.pause(0.5)
        assert isinstance(app.screen, ModalScreen)
        stale = [name for name in table.model.rows if row_status(table, name) is Status.STALE]
        assert stale == [], stale
        await pilot.press("escape")
