"""Every place agentops-tui reads or writes a file of its own: the config lookup, the audit journal, the app log.

One rule for the XDG base directories (https://specifications.freedesktop.org/basedir-spec/): an absolute
$XDG_*_HOME is used, a relative or empty one is invalid and ignored, and the default is under $HOME. The
system-wide places (/etc/agentops-tui, /var/lib/agentops-tui) are module constants so tests can point them
elsewhere (`monkeypatch.setattr(paths, "ETC_DIR", ...)`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

APP = "agentops-tui"
CONFIG_ENV = "AGENTOPS_TUI_CONFIG"
ETC_DIR = Path("/etc/agentops-tui")
"""The server-wide config's directory: last in the lookup."""
SYSTEM_STATE_DIR = Path("/var/lib/agentops-tui")
"""The journal's directory as root or under sudo: state the storm guard reads back, so not /var/log (rotated)."""


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def _home(environ: Mapping[str, str]) -> Path:
    home = environ.get("HOME")
    return Path(home) if home else Path.home()


def xdg_base(var: str, default: str, environ: Mapping[str, str] | None = None) -> Path:
    """$var when it is an absolute path, else ~/default: the spec says relative values must be ignored."""
    env = _env(environ)
    value = env.get(var, "")
    return Path(value) if os.path.isabs(value) else _home(env) / default


def config_home(environ: Mapping[str, str] | None = None) -> Path:
    return xdg_base("XDG_CONFIG_HOME", ".config", environ) / APP


def state_home(environ: Mapping[str, str] | None = None) -> Path:
    return xdg_base("XDG_STATE_HOME", ".local/state", environ) / APP


def user_config_path(environ: Mapping[str, str] | None = None) -> Path:
    return config_home(environ) / "config.yaml"


def system_config_path() -> Path:
    return ETC_DIR / "config.yaml"


@dataclass(frozen=True)
class Candidate:
    """One place a config may come from, in lookup order."""

    origin: str
    """--config, $AGENTOPS_TUI_CONFIG, $XDG_CONFIG_HOME or system-wide."""
    path: Path
    exists: bool


def config_candidates(explicit: str | None, environ: Mapping[str, str] | None = None) -> list[Candidate]:
    """The lookup order as it applies now: only the places that are set, each with whether its file exists."""
    env = _env(environ)
    places: list[tuple[str, Path]] = []
    if explicit:
        places.append(("--config", Path(explicit)))
    if env.get(CONFIG_ENV):
        places.append((f"${CONFIG_ENV}", Path(env[CONFIG_ENV])))
    places += [("$XDG_CONFIG_HOME", user_config_path(env)), ("system-wide", system_config_path())]
    return [Candidate(origin, path, path.exists()) for origin, path in places]


def find_config(explicit: str | None, environ: Mapping[str, str] | None = None) -> Path | None:
    """--config or $AGENTOPS_TUI_CONFIG whether or not the file exists (loading it says so), else the first of
    the XDG and system-wide files that exists."""
    for c in config_candidates(explicit, environ):
        if c.origin in ("--config", f"${CONFIG_ENV}") or c.exists:
            return c.path
    return None


def system_wide(environ: Mapping[str, str] | None = None, euid: int | None = None) -> bool:
    """Running as root or under sudo: files shared by every operator of the box, not one home's."""
    return (os.geteuid() if euid is None else euid) == 0 or bool(_env(environ).get("SUDO_USER"))


def journal_state_dir(environ: Mapping[str, str] | None = None, euid: int | None = None) -> Path:
    """Where the audit journal lives: /var/lib/agentops-tui under sudo or as root (two operators, one storm
    guard), except that a root shell which set XDG_STATE_HOME itself keeps its choice; else the XDG state dir.
    Under sudo the inherited XDG_STATE_HOME (sudo -E) is the invoking user's, never used for root's files."""
    env = _env(environ)
    if not system_wide(env, euid):
        return state_home(env)
    if not env.get("SUDO_USER") and os.path.isabs(env.get("XDG_STATE_HOME", "")):
        return state_home(env)
    return SYSTEM_STATE_DIR


def default_journal_path(environ: Mapping[str, str] | None = None, euid: int | None = None) -> Path:
    return journal_state_dir(environ, euid) / "audit.jsonl"


def app_log_path(log_file: str | None, debug: bool, environ: Mapping[str, str] | None = None) -> Path | None:
    """The application log: --log-file, else with --debug agentops-tui.log in the XDG state dir, else none
    (the dashboard owns the terminal, so there is no stderr to log to while it draws)."""
    if log_file:
        return Path(log_file)
    return state_home(environ) / "agentops-tui.log" if debug else None
