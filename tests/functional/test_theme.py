"""Themes: `--theme` > `theme:` in the config > the one last picked in the command palette > Textual's default.
An unknown name is a config error naming the key, its line and the themes there are."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from textual.command import CommandPalette

from agentops_tui.app import make_app
from agentops_tui.cli import parser, with_theme
from agentops_tui.source import StaticSource
from probes.config.load import parse_config
from tests.fixtures.fleet import static_snapshot
from tests.functional.helpers import wait_until
from tests.functional.static import screen_lines

CLI = [sys.executable, "-m", "agentops_tui.cli"]
SERVICES = "services:\n  - name: a\n    process: {pid: 1}\n"


async def shown_theme(config: str) -> str:
    cfg, _ = parse_config(config, "inline.yaml", {})
    app = make_app(cfg, source=StaticSource(static_snapshot()))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        return app.theme


async def pick_in_palette(theme: str) -> None:
    """Change the theme the way an operator does: Ctrl+P, "theme", Enter, the theme's name, Enter."""
    cfg, _ = parse_config(SERVICES, "inline.yaml", {})
    app = make_app(cfg, source=StaticSource(static_snapshot()))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        assert await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), 5)
        await pilot.press(*"theme")
        assert await wait_until(pilot, lambda: "Change the current theme" in "\n".join(screen_lines(app)), 5)
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: "nord" in "\n".join(screen_lines(app)), 5)  # the theme picker
        await pilot.press(*theme)
        assert await wait_until(pilot, lambda: theme in "\n".join(screen_lines(app)[2:]), 5)
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: app.theme == theme, 5)
        assert app.theme == theme


async def test_theme_from_the_config() -> None:
    assert await shown_theme("theme: nord\n" + SERVICES) == "nord"


async def test_a_theme_picked_in_the_palette_is_remembered_and_the_config_still_wins() -> None:
    default = await shown_theme(SERVICES)
    await pick_in_palette("gruvbox")
    assert default != "gruvbox"
    assert await shown_theme(SERVICES) == "gruvbox"  # the next start
    assert await shown_theme("theme: nord\n" + SERVICES) == "nord"


def test_the_command_line_theme_wins_over_the_config() -> None:
    cfg, _ = parse_config("theme: nord\n" + SERVICES, "inline.yaml", {})
    assert with_theme(cfg, parser().parse_args(["--theme", "dracula"])).theme == "dracula"
    assert with_theme(cfg, parser().parse_args([])).theme == "nord"


def test_unknown_theme_in_the_config_names_key_line_and_themes(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("refresh_interval: 2\ntheme: solarized-nope\n" + SERVICES)
    out = subprocess.run([*CLI, "--config", str(path)], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "TERM": "xterm-256color"})  # fmt: skip
    assert out.returncode == 2
    assert f"{path}:2: theme: unknown theme 'solarized-nope'" in out.stderr
    assert "nord" in out.stderr and "textual-dark" in out.stderr


def test_unknown_theme_on_the_command_line_is_a_usage_error() -> None:
    out = subprocess.run([*CLI, "--theme", "nope", "check"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "unknown theme 'nope'" in out.stderr and "nord" in out.stderr
