"""Which Textual theme the dashboard opens in: `--theme` > `theme:` > the one last picked in the palette > default.

The palette's pick is kept in a small state file under the XDG state dir (`state_path`, the one place that
knows where). Probes know nothing of Textual, so the theme's name is checked here, against Textual's themes.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import yaml

from probes.config import FleetConfig
from probes.config.checks import ConfigProblem
from probes.config.load import ConfigError
from probes.paths import state_home

DEFAULT = "textual-dark"


def theme_names() -> list[str]:
    from textual.theme import BUILTIN_THEMES  # Textual, but not the app: `--theme` is checked while parsing

    return sorted(BUILTIN_THEMES)


def unknown(name: str) -> str:
    return f"unknown theme {name!r} (one of: {', '.join(theme_names())})"


def state_path() -> Path:
    """The remembered theme: state.json in the XDG state dir (probes.paths, as every other path)."""
    return state_home() / "state.json"


def _state() -> dict[str, object]:
    try:
        found = json.loads(state_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def remembered() -> str | None:
    """The theme last picked in the palette, if it still is one."""
    name = _state().get("theme")
    return name if isinstance(name, str) and name in theme_names() else None


def remember(name: str) -> None:
    """Keep the palette's pick for the next start; a state dir that cannot be written only loses the memory."""
    path = state_path()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({**_state(), "theme": name}) + "\n", encoding="utf-8")
        tmp.replace(path)


def starting_theme(cfg: FleetConfig) -> str:
    """The config's theme (--theme is put there by the command line), else the remembered one, else the default."""
    return cfg.theme or remembered() or DEFAULT


def check_theme(cfg: FleetConfig) -> None:
    """A config error naming `theme`, its line and the themes there are, when the config's is not one."""
    if cfg.theme is None or cfg.theme in theme_names():
        return
    raise ConfigError(cfg.source, [ConfigProblem("theme", _line_of_theme(cfg.source), unknown(cfg.theme))])


def _line_of_theme(source: str) -> int:
    """The line of the top-level `theme:` key in the file the config came from (1 when it cannot be read)."""
    try:
        root = yaml.compose(Path(source).read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return 1
    if isinstance(root, yaml.MappingNode):
        for key, _ in root.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "theme":
                return int(key.start_mark.line) + 1
    return 1
