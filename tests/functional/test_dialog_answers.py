"""A dialog that cannot take an answer says why, in the dialog; a hint never reads as something already typed."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Static

from agentops_tui.app import AgentOpsApp, make_app
from agentops_tui.screens.confirm import ConfirmScreen
from agentops_tui.screens.docker_throttle import DockerThrottleScreen
from agentops_tui.screens.throttle import ThrottleScreen
from probes.config.load import parse_config

SIZE = (120, 34)


def small_app() -> AgentOpsApp:
    cfg, _ = parse_config("services:\n  - name: solo\n    process: {pid: 1}\n", "inline.yaml", {})
    return make_app(cfg)


def error_text(screen: Any) -> str:
    return str(screen.query_one("#error", Static).render())


async def test_bulk_confirm_says_what_is_wrong_with_the_typed_word() -> None:
    app = small_app()
    answers: list[bool | None] = []
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ConfirmScreen("Restart 2 services?", [("a", "x"), ("b", "y")], "Restart", "RESTART"),
                        answers.append)  # fmt: skip
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        box = screen.query_one("#typed", Input)
        assert "to confirm" in box.placeholder and box.placeholder != "RESTART"  # a hint, not a value
        await pilot.press("enter")
        assert answers == [] and "RESTART" in error_text(screen)
        await pilot.press(*"restart", "enter")
        assert answers == []
        assert "capital" in error_text(screen).lower(), error_text(screen)
        box.value = ""
        await pilot.press(*"RESTRAT", "enter")
        assert answers == [] and "RESTART" in error_text(screen)
        box.value = ""
        await pilot.press(*"RESTART")
        assert error_text(screen) == ""  # the right word clears the complaint
        await pilot.press("enter")
        assert answers == [True]


async def test_throttle_says_what_is_wrong_with_the_limit() -> None:
    app = small_app()
    answers: list[int | None] = []
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ThrottleScreen("solo", "http", "60 requests/min", lambda n: f"POST limit={n}"), answers.append)
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, ThrottleScreen)
        await pilot.press("enter")  # nothing typed
        assert answers == [] and "whole number" in error_text(screen), error_text(screen)
        await pilot.press(*"abc")
        assert screen.query_one("#limit", Input).value == "abc"  # shown as typed, not silently dropped
        assert "abc" in error_text(screen) and "not a whole number" in error_text(screen), error_text(screen)
        await pilot.press("enter")
        assert answers == []
        screen.query_one("#limit", Input).value = ""
        await pilot.press("0", "enter")
        assert answers == [] and "at least 1" in error_text(screen), error_text(screen)
        screen.query_one("#limit", Input).value = ""
        await pilot.press("9", "0")
        assert error_text(screen) == ""
        await pilot.press("enter")
        assert answers == [90]


async def test_docker_throttle_enter_without_a_value_says_why() -> None:
    app = small_app()
    answers: list[dict[str, Any] | None] = []
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(DockerThrottleScreen("solo", "no container seen yet", lambda p: str(p)), answers.append)
        await pilot.pause(0.3)
        screen = app.screen
        await pilot.press("enter")
        assert answers == [] and "CPUs" in error_text(screen), error_text(screen)
        await pilot.press(*"lots", "enter")
        assert answers == [] and "number of cores" in error_text(screen), error_text(screen)
