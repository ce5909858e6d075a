"""launchd jobs in the real app (fake launchctl first on PATH): rows, the drain dialog's bootout warning, the exact
argv run after `y` (a service manager's drain is one confirmed action, not the wait-until-idle workflow)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentops_tui.app import make_app
from agentops_tui.screens.confirm import ConfirmScreen
from agentops_tui.widgets.service_table import ServiceTable
from probes.config import FleetConfig, LaunchdConfig, ServiceConfig
from probes.model import Status
from tests.functional.helpers import row_status, wait_until
from tests.launchd_fake import FakeLaunchctl, install

SIZE = (120, 34)


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeLaunchctl:
    return install(tmp_path, monkeypatch)


def cfg() -> FleetConfig:
    return FleetConfig(
        services=[
            ServiceConfig(name="planner", launchd=LaunchdConfig(label="com.example.planner")),
            ServiceConfig(name="coder", launchd=LaunchdConfig(label="com.example.coder")),
        ],
        refresh_interval=1.0,
    )


async def test_rows_and_drain_through_the_dialog(fake: FakeLaunchctl) -> None:
    app = make_app(cfg())
    target = f"gui/{os.getuid()}/com.example.planner"
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ServiceTable)
        assert await wait_until(pilot, lambda: row_status(table, "planner") is Status.OK, 10)
        assert await wait_until(pilot, lambda: row_status(table, "coder") is Status.CRIT, 10)
        table.move_cursor(row=table.get_row_index("planner"))
        assert app.actions.supported("planner", "start") is None
        fake.clear()
        await pilot.press("d")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 5)
        assert isinstance(app.screen, ConfirmScreen)
        shown = dict(app.screen.lines)
        assert shown["executor"] == "launchd"
        assert shown["operation"] == (
            f"launchctl kill SIGTERM {target}. A KeepAlive job is relaunched by launchd; to stop it for good: "
            f"launchctl bootout {target}"
        )
        await pilot.press("y")
        assert await wait_until(pilot, lambda: ["kill", "SIGTERM", target] in fake.calls(), 10)
        assert await wait_until(pilot, lambda: [r["phase"] for r in app.actions.tail()][-1:] == ["succeeded"], 10)
        assert [r["phase"] for r in app.actions.tail() if r["action"] == "drain"] == [
            "requested", "confirmed", "started", "succeeded",
        ]  # fmt: skip
