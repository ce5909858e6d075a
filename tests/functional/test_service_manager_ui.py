"""launchd jobs in the real app (fake launchctl first on PATH): rows, the drain dialog's bootout warning, the exact
argv run after `y`, and the drain through launchd (SIGTERM, then wait until launchd reports it stopped)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentops_tui.app import make_app
from agentops_tui.screens.drain import DrainScreen, WorkflowScreen
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
    """A job with no drain endpoint drains on SIGTERM (the guide's agents do): `d` says what launchctl will do and
    that nothing kills it, sends exactly `launchctl kill SIGTERM`, then waits until launchd reports it stopped."""
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
        assert await wait_until(pilot, lambda: isinstance(app.screen, DrainScreen), 5)
        dialog = app.screen
        assert isinstance(dialog, DrainScreen) and dialog.summary is not None
        assert dialog.summary("stay") == (
            "stops com.example.planner via launchd: SIGTERM, it finishes its current task, no SIGKILL from "
            "launchctl kill (a KeepAlive job is relaunched); it stays stopped"
        )
        steps_shown = " ".join(text for _, text in dialog.preview("stay"))
        assert (
            f"launchctl kill SIGTERM {target}. A KeepAlive job is relaunched by launchd; to stop it for good: "
            f"launchctl bootout {target}"
        ) in steps_shown, steps_shown
        await pilot.press("y")
        assert await wait_until(pilot, lambda: ["kill", "SIGTERM", target] in fake.calls(), 10)
        fake.serve("com.example.planner", "print-researcher-signaled.txt")  # launchd now says: not running
        screen = app.screen
        assert isinstance(screen, WorkflowScreen)
        assert await wait_until(pilot, lambda: screen.finished, 20)
        steps = [(r["action"], r.get("params", {}).get("step", ""), r["phase"]) for r in app.actions.tail()]
        assert steps == [
            ("drain", "", "requested"), ("drain", "", "confirmed"), ("drain", "", "started"),
            ("drain", "", "succeeded"), ("drain", "wait_stopped", "started"), ("drain", "wait_stopped", "succeeded"),
        ]  # fmt: skip
