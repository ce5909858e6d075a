"""Where agentops-tui looks for its config and keeps its files: one helper for every XDG path (probes.paths)."""

from __future__ import annotations

from pathlib import Path

import pytest

from probes import paths
from probes.paths import find_config
from probes.paths import user_config_path as xdg_config_path


def test_a_relative_xdg_config_home_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The XDG spec: a relative XDG_*_HOME is invalid and must be ignored (load.py used to accept it)."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/config")
    assert xdg_config_path() == tmp_path / "home" / ".config" / "agentops-tui" / "config.yaml"


@pytest.mark.parametrize(
    ("var", "helper", "default"),
    [
        ("XDG_CONFIG_HOME", paths.config_home, ".config"),
        ("XDG_STATE_HOME", paths.state_home, ".local/state"),
    ],
)
def test_every_xdg_base_follows_one_rule(
    var: str, helper: object, default: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert callable(helper)
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv(var, str(tmp_path / "abs"))
    assert helper() == tmp_path / "abs" / "agentops-tui"
    for ignored in ("relative/dir", ""):
        monkeypatch.setenv(var, ignored)
        assert helper() == home / default / "agentops-tui"
    monkeypatch.delenv(var)
    assert helper() == home / default / "agentops-tui"


def test_the_etc_config_comes_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    etc = tmp_path / "etc" / "agentops-tui"
    monkeypatch.setattr(paths, "ETC_DIR", etc)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert find_config(None) is None
    etc.mkdir(parents=True)
    (etc / "config.yaml").write_text("services: []\n")
    assert find_config(None) == etc / "config.yaml"
    user = tmp_path / "xdg" / "agentops-tui" / "config.yaml"
    user.parent.mkdir(parents=True)
    user.write_text("services: []\n")
    assert find_config(None) == user
    monkeypatch.setenv("AGENTOPS_TUI_CONFIG", str(tmp_path / "env.yaml"))
    assert find_config(None) == tmp_path / "env.yaml"
    assert find_config("flag.yaml") == Path("flag.yaml")


def test_the_lookup_order_says_which_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "ETC_DIR", tmp_path / "etc")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "config.yaml").write_text("services: []\n")
    order = paths.config_candidates(None)
    assert [(c.origin, c.path, c.exists) for c in order] == [
        ("$XDG_CONFIG_HOME", tmp_path / "xdg" / "agentops-tui" / "config.yaml", False),
        ("system-wide", tmp_path / "etc" / "config.yaml", True),
    ]
    monkeypatch.setenv("AGENTOPS_TUI_CONFIG", "/nowhere.yaml")
    assert [c.origin for c in paths.config_candidates("x.yaml")] == [
        "--config", "$AGENTOPS_TUI_CONFIG", "$XDG_CONFIG_HOME", "system-wide"
    ]  # fmt: skip


def test_the_journal_is_system_wide_as_root_or_under_sudo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "SYSTEM_STATE_DIR", tmp_path / "var" / "lib" / "agentops-tui")
    home = tmp_path / "home"
    user = {"HOME": str(home)}
    assert paths.default_journal_path(user, euid=1000) == home / ".local/state/agentops-tui/audit.jsonl"
    system = tmp_path / "var" / "lib" / "agentops-tui" / "audit.jsonl"
    assert paths.default_journal_path(user, euid=0) == system
    assert paths.default_journal_path({**user, "SUDO_USER": "alice"}, euid=0) == system
    assert paths.default_journal_path({**user, "SUDO_USER": "alice"}, euid=1001) == system  # sudo -u agentops
    # A root shell that set XDG_STATE_HOME chose its place; under sudo (-E) the invoking user's one is not ours.
    chosen = {**user, "XDG_STATE_HOME": str(tmp_path / "state")}
    assert paths.default_journal_path(chosen, euid=0) == tmp_path / "state" / "agentops-tui" / "audit.jsonl"
    assert paths.default_journal_path({**chosen, "SUDO_USER": "alice"}, euid=0) == system
