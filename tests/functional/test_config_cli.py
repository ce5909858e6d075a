"""`agentops-tui config check|show|paths|schema`: nothing started, exit codes as `check`'s, secrets never shown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from agentops_tui.cli import main
from probes import paths
from probes.config.load import parse_config

CLI = [sys.executable, "-m", "agentops_tui.cli"]
EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.yaml"

SECRETS = """\
services:
  - name: writer
    health:
      url: http://127.0.0.1:9/health
      headers: {Authorization: "Bearer ${WRITER_TOKEN}", X-Team-Auth: "${TEAM}"}
    metrics: {url: "http://scraper:pw-in-url-123@127.0.0.1:9/metrics"}
    queue: {redis_url: "redis://:redispass99@127.0.0.1:6379/0", keys: [tasks]}
    command:
      restart: [systemctl, restart, writer]
      env: {DB_PASSWORD: "${DBPW}", REGION: eu-1}
"""


def write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_check_a_valid_config_exits_0_with_one_status_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write(tmp_path, "services:\n  - name: a\n    health: {url: 'http://127.0.0.1:9/h'}\n")
    assert main(["config", "check", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"CONFIG OK - {cfg}: 1 service(s), 0 warning(s)"]


def test_check_warnings_exit_1_and_are_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        "services:\n  - name: a\n    health: {url: 'http://127.0.0.1:9/h', "
        "headers: {Authorization: 'Bearer sk-abcdefghijkl'}}\n"
    )
    cfg = write(tmp_path, text)
    assert main(["config", "check", "--config", str(cfg)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("CONFIG WARNING - ") and "literal secret" in out
    assert "sk-abcdefghijkl" not in out


def test_check_an_invalid_config_exits_3_naming_file_key_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write(tmp_path, "services:\n  - name: a\n    health:\n      url: 'http://127.0.0.1:9/h'\n      timout: 3\n")
    assert main(["config", "check", "--config", str(cfg)]) == 3
    out = capsys.readouterr().out
    assert out.startswith("CONFIG INVALID - ")
    assert f"{cfg}:5: services[0].health.timout: unknown key (did you mean 'timeout'?)" in out


def test_check_an_unknown_theme_exits_3_naming_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "services:\n  - name: a\n    health: {url: 'http://127.0.0.1:9/h'}\ntheme: no-such-theme\n")
    assert main(["config", "check", "--config", str(path)]) == 3
    out = capsys.readouterr().out
    assert "CONFIG INVALID" in out and "theme" in out and "no-such-theme" in out and ":4" in out, out


def test_check_with_no_config_exits_3_and_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "check"]) == 3
    out = capsys.readouterr().out
    assert out.startswith("CONFIG UNKNOWN - no config file found")
    assert str(paths.user_config_path()) in out and str(paths.system_config_path()) in out
    assert "agentops-tui demo" in out
    assert main(["config", "check", "--config", str(tmp_path / "missing.yaml")]) == 3
    assert "missing.yaml:1: <top>: cannot read the file" in capsys.readouterr().out


def test_check_finds_the_system_wide_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths.ETC_DIR.mkdir(parents=True)
    write(paths.ETC_DIR, "services:\n  - name: a\n    health: {url: 'http://127.0.0.1:9/h'}\n", "config.yaml")
    assert main(["config", "check"]) == 0
    assert str(paths.ETC_DIR / "config.yaml") in capsys.readouterr().out


def test_show_masks_every_secret_and_fills_in_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets = {"WRITER_TOKEN": "tok-0123456789", "TEAM": "team-cafebabe42", "DBPW": "db-pass-5555"}
    for k, v in secrets.items():
        monkeypatch.setenv(k, v)
    cfg = write(tmp_path, SECRETS)
    assert main(["config", "show", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    for secret in [*secrets.values(), "pw-in-url-123", "redispass99"]:
        assert secret not in out, secret
    shown = yaml.safe_load(out)
    svc = shown["services"][0]
    assert svc["health"]["headers"] == {"Authorization": "***", "X-Team-Auth": "***"}
    assert svc["command"]["env"] == {"DB_PASSWORD": "***", "REGION": "eu-1"}
    assert svc["metrics"]["url"] == "http://***@127.0.0.1:9/metrics"
    assert shown["refresh_interval"] == 2.0 and shown["actions"]["restart_limit"] == 3  # defaults, filled in
    assert svc["metrics"]["names"]["requests"] == "agent_requests_total"


def test_show_prints_a_config_that_loads_again(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "show", "--config", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    again, _ = parse_config(out, "shown.yaml", env={})  # every ${VAR} already expanded (or masked)
    original, _ = parse_config(EXAMPLE.read_text(), "example", env={})
    assert [s.name for s in again.services] == [s.name for s in original.services]
    assert again.actions == original.actions and again.thresholds == original.thresholds


def test_paths_lists_the_lookup_the_journal_and_the_app_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write(tmp_path, f"actions: {{journal: {tmp_path / 'j.jsonl'}}}\nservices:\n  - name: a\n"
                "    health: {url: 'http://127.0.0.1:9/h'}\n")  # fmt: skip
    assert main(["--log-file", str(tmp_path / "app.log"), "config", "paths", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert f"--config               {cfg}  [chosen]" in out
    assert f"{paths.user_config_path()}  [missing]" in out and f"{paths.system_config_path()}  [missing]" in out
    assert f"journal:  {tmp_path / 'j.jsonl'}  [actions.journal in {cfg}]" in out
    assert f"app log:  {tmp_path / 'app.log'}" in out
    assert main(["config", "paths"]) == 0  # (and the loggers back to no file)
    out = capsys.readouterr().out
    assert f"journal:  {paths.default_journal_path()}" in out and "app log:  none" in out


def test_the_config_command_runs_without_textual() -> None:
    """Like `check`, it must run where no terminal (and no Textual import) is wanted."""
    code = ("import sys; from agentops_tui.cli import main; r = main(['config', 'check', '--config', sys.argv[1]]); "
            "assert 'textual' not in sys.modules, 'textual imported'; sys.exit(r)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code, str(EXAMPLE)], capture_output=True, text=True, timeout=30)
    assert out.returncode in (0, 1), out.stdout + out.stderr
    assert out.stdout.startswith("CONFIG ")


def test_schema_prints_the_shipped_schema(capsys: pytest.CaptureFixture[str]) -> None:
    from probes.config.schema import SCHEMA_PATH

    assert main(["config", "schema"]) == 0
    out = capsys.readouterr().out
    assert out == SCHEMA_PATH.read_text(encoding="utf-8") and json.loads(out)["title"] == "agentops-tui config"
