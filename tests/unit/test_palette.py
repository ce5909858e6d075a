"""Status colours stay apart on every terminal: 24-bit, 256, 16 and 8 colours (WARN and CRIT were both bright red
on a 16-colour xterm, and UNKNOWN took the dark theme's accent, WARN's orange)."""

from __future__ import annotations

import pytest
from rich.color import ColorSystem
from textual.theme import BUILTIN_THEMES

from agentops_tui.presentation import Palette, distinct, palette_for

SYSTEMS = (ColorSystem.TRUECOLOR, ColorSystem.EIGHT_BIT, ColorSystem.STANDARD, None)


@pytest.mark.parametrize("system", SYSTEMS)
def test_the_defaults_are_distinct_everywhere(system: ColorSystem | None) -> None:
    assert distinct(Palette(), system)


def test_the_dark_theme_keeps_its_colours_where_they_stay_apart() -> None:
    t = BUILTIN_THEMES["textual-dark"]
    assert palette_for(t.success, t.warning, t.error, ColorSystem.TRUECOLOR).warn == t.warning
    assert palette_for(t.success, t.warning, t.error, ColorSystem.STANDARD) == Palette()
    assert not distinct(Palette(ok=t.success or "", warn=t.warning or "", crit=t.error or ""), ColorSystem.STANDARD)


@pytest.mark.parametrize("name", sorted(BUILTIN_THEMES))
def test_every_builtin_theme_gives_distinct_statuses(name: str) -> None:
    t = BUILTIN_THEMES[name]
    for system in SYSTEMS:
        assert distinct(palette_for(t.success, t.warning, t.error, system), system), (name, system)
