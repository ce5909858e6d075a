"""Type-ahead: keys written faster than a frame (a paste, a fast typist, `tmux send-keys -l`) land where they were
aimed. Every key after one that opens an input goes to that input (or is swallowed by the dialog), never to the
screen below; a confirmation only takes `y` once it has been on screen."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from textual import events
from textual.app import _character_to_key
from textual.command import CommandPalette
from textual.widgets import Input

from agentops_tui.app import AgentOpsApp, make_app
from agentops_tui.screens.confirm import ConfirmScreen
from agentops_tui.screens.drain import DrainScreen
from agentops_tui.screens.throttle import ThrottleScreen
from probes.config import FleetConfig
from tests.functional import vt
from tests.functional.helpers import wait_until
from tests.functional.test_actions_ui import SIZE
from tests.functional.test_actions_ui import select as select_service
from tests.waiting import Deadline


def type_at_once(app: AgentOpsApp, keys: str | list[str]) -> None:
    """Queue every key before the app handles the first, as the driver does with one read of a pasted string."""
    for key in keys:
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        event = events.Key(name, key if len(key) == 1 else None)
        event.set_sender(app)
        app.post_message(event)


def filter_box(app: AgentOpsApp) -> Input:
    return app.screen_stack[0].query_one("#filter", Input)


async def test_keys_typed_after_slash_all_land_in_the_filter(demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        await select_service(pilot, app, "planner")
        for word in ("writer", "warn", "agent-007"):
            type_at_once(app, "/" + word)
            # each key waits for the one before it; a busy machine takes longer than a frame for the six
            assert await wait_until(pilot, lambda w=word: filter_box(app).value == w, 10), filter_box(app).value
            await pilot.pause(0.3)
            assert not isinstance(app.screen, (ConfirmScreen, ThrottleScreen, DrainScreen)), app.screen
            assert app.actions.tail() == []
            assert filter_box(app).value == word
            await pilot.press("escape")
            assert filter_box(app).value == ""


async def test_a_y_typed_before_the_confirmation_shows_does_not_confirm(demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        await select_service(pilot, app, "planner")
        type_at_once(app, "ry")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 5)
        await pilot.pause(0.5)
        assert isinstance(app.screen, ConfirmScreen)  # still asking: the early `y` was not an answer
        assert [r["phase"] for r in app.actions.tail()] == ["requested"]
        await pilot.press("escape")


async def test_a_confirmation_takes_no_key_before_it_is_drawn(demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    answers: list[bool | None] = []
    async with app.run_test(size=SIZE) as pilot:
        await select_service(pilot, app, "planner")
        app.push_screen(ConfirmScreen("Restart planner?", [("service", "planner")], "Restart"), answers.append)
        type_at_once(app, "y")  # queued in the same instant the dialog was pushed, before any frame showed it
        await pilot.pause(0.5)
        assert isinstance(app.screen, ConfirmScreen) and answers == []
        await pilot.press("y")  # once it is on screen, `y` answers
        assert answers == [True]
        app.push_screen(ConfirmScreen("Restart planner?", [("service", "planner")], "Restart"), answers.append)
        type_at_once(app, ["escape"])  # Escape only ever cancels: it is not held back
        await pilot.pause(0.5)
        assert answers == [True, False] and not isinstance(app.screen, ConfirmScreen)


async def test_keys_after_an_action_key_never_reach_the_overview(demo_config: FleetConfig) -> None:
    """`rt`: one dialog (restart), not a throttle under it; `t90` then Enter does not set a limit blind."""
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        await select_service(pilot, app, "planner")
        type_at_once(app, ["r", "t", "d", "slash", "enter"])
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 5)
        await pilot.pause(0.5)
        assert len(app.screen_stack) == 2, app.screen_stack
        assert {r["action"] for r in app.actions.tail()} == {"restart"}
        await pilot.press("escape")
        await pilot.pause(0.2)
        type_at_once(app, ["t", "9", "0", "enter"])
        assert await wait_until(pilot, lambda: isinstance(app.screen, ThrottleScreen), 5)
        await pilot.pause(0.5)
        assert isinstance(app.screen, ThrottleScreen)
        assert len(app.screen_stack) == 2
        assert app.screen.query_one("#limit", Input).value in ("", "90")  # swallowed, or typed into the box
        await pilot.press("escape")


async def test_keys_after_ctrl_p_stay_in_the_palette(demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        await select_service(pilot, app, "planner")
        type_at_once(app, ["ctrl+p", "r", "e", "s"])
        assert await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), 5)
        await pilot.pause(0.5)
        assert len(app.screen_stack) == 2, app.screen_stack
        assert app.actions.tail() == []
        assert app.screen.query_one(Input).value == "res"
        await pilot.press("escape")


class Terminal:
    """The real `agentops-tui` on a pseudo-terminal of its own, read back through a small screen model."""

    def __init__(self, argv: list[str], env: dict[str, str], size: tuple[int, int] = SIZE) -> None:
        self.screen = vt.Screen(*size)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child: the dashboard
            os.environ.update(env, TERM="xterm-256color", COLUMNS=str(size[0]), LINES=str(size[1]))
            os.execv(argv[0], argv)

    def read(self, seconds: float) -> None:
        end = Deadline(seconds)
        while end:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    self.screen.feed(os.read(self.fd, 65536))
                except OSError:
                    return

    def wait_for(self, cond: Callable[[list[str]], bool], timeout: float) -> bool:
        end = Deadline(timeout)
        while end:
            self.read(0.1)
            if cond(self.screen.lines()):
                return True
        return False

    def close(self) -> None:
        with suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        self.read(1.0)
        with suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def dashboard_argv(config: Path) -> list[str]:
    script = Path(sys.executable).with_name("agentops-tui")
    if script.exists():
        return [str(script), "--config", str(config)]
    return [sys.executable, "-m", "agentops_tui.cli", "--config", str(config)]


def test_a_pasted_filter_on_a_real_terminal_runs_nothing(demo_config_path: Path, tmp_path: Path) -> None:
    """`/writer` in one write() to the pty, as `tmux send-keys -l` or a paste delivers it."""
    state = tmp_path / "state"
    term = Terminal(dashboard_argv(demo_config_path), {"XDG_STATE_HOME": str(state)})
    try:
        assert term.wait_for(lambda s: any("OK" in line and "planner" in line for line in s), 30), term.screen.text()
        os.write(term.fd, b"/writer")
        assert term.wait_for(lambda s: "writer" in s[2] and not any("planner" in line for line in s), 10), (
            term.screen.text()
        )
        term.read(2.0)  # room for a leaked key's dialog and journal line to appear
        shown = term.screen.text()
    finally:
        term.close()
    print(shown)
    assert "writer" in shown.splitlines()[2]  # the filter box holds what was typed
    assert "Restart" not in shown and "Throttle planner" not in shown, shown
    journal = state / "agentops-tui" / "audit.jsonl"
    assert not journal.exists() or journal.read_text() == ""
