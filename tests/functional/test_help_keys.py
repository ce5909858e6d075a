"""The `?` help shows the keys as bound now: a `keymap:` rebind in the config moves the key in the help too."""

from __future__ import annotations

from agentops_tui.app import make_app
from agentops_tui.screens.help import HelpScreen
from agentops_tui.source import StaticSource
from probes.config.load import parse_config
from tests.fixtures.fleet import static_snapshot
from tests.functional.static import screen_lines


def _help_row(lines: list[str], words: str) -> str:
    found = [line for line in lines if words in line]
    assert len(found) == 1, (words, found)
    return found[0]


async def test_help_shows_a_rebound_key_and_not_the_old_one() -> None:
    text = "keymap: {overview.restart: x, overview.spend: ctrl+e}\nservices:\n  - name: a\n    process: {pid: 1}\n"
    cfg, _ = parse_config(text, "inline.yaml", {})
    app = make_app(cfg, source=StaticSource(static_snapshot()))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        lines = screen_lines(app)
        restart = _help_row(lines, "restart the selected")
        assert restart.split("restart the selected")[0].split("│")[-1].split() == ["x"]
        spend = _help_row(lines, "spend: runaway tasks")
        assert spend.split("spend: runaway")[0].split("│")[-1].split() == ["Ctrl+E"]


async def test_help_shows_the_default_keys_without_a_keymap() -> None:
    cfg, _ = parse_config("services:\n  - name: a\n    process: {pid: 1}\n", "inline.yaml", {})
    app = make_app(cfg, source=StaticSource(static_snapshot()))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        lines = screen_lines(app)
        restart = _help_row(lines, "restart the selected")
        assert restart.split("restart the selected")[0].split("│")[-1].split() == ["r"]
