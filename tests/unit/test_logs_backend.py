"""The logs backend (a service's `logs:` file): its config block, how a JSON line reads, and that it is the log
source a service with one gets, ahead of its service manager's."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from agentops_tui.presentation import Palette
from agentops_tui.presentation.logs import log_line
from probes.config import LaunchdConfig, LogsConfig, ServiceConfig
from probes.config.load import ConfigError, parse_config
from probes.files.logs import FileLogSource
from probes.formats.jsonlog import decode, render
from probes.registry import log_source


def test_a_guide_log_line_reads_time_level_event_then_fields() -> None:
    entry = {"timestamp": "2026-12-03T10:00:00+00:00", "level": "error", "event": "tool_failed",
             "agent_id": "a1", "tool": "database_query", "error": "connection refused", "n": 3}  # fmt: skip
    assert render(entry) == (
        '2026-12-03T10:00:00+00:00 ERROR tool_failed agent_id=a1 tool=database_query error="connection refused" n=3'
    )


def test_hostile_json_values_are_cleaned_after_decoding() -> None:
    line = json.dumps({"level": "info", "event": "x", "msg": "\x1b]0;pwned\x07[red]hi[/red]\u202e"})
    out = log_line(line, decode(line), Palette()).plain
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert out.startswith("INFO x msg=")


@pytest.mark.parametrize("line", ["not json", "{broken", "[1, 2]", '{"a": 1'])
def test_a_line_that_is_not_a_json_object_stays_as_written(line: str) -> None:
    assert decode(line) is None and log_line(line, None, Palette()).plain == line


def test_config_block_and_its_errors() -> None:
    text = "services:\n  - name: a\n    logs: {path: /var/log/a.jsonl, format: json}\n"
    cfg, _ = parse_config(text, "cfg.yaml")
    assert cfg.services[0].logs == LogsConfig(path="/var/log/a.jsonl", format="json")
    with pytest.raises(ConfigError) as err:
        parse_config("services:\n  - name: a\n    logs:\n      path: x\n      format: xml\n", "cfg.yaml")
    assert "cfg.yaml:5: services[0].logs.format: must be one of 'json', 'text'" in str(err.value)


def test_a_services_own_log_file_wins_over_its_managers_output(tmp_path: Path) -> None:
    facts = (("stdout", str(tmp_path / "out.log")), ("stderr", str(tmp_path / "err.log")))
    job = LaunchdConfig(label="com.example.agent")
    own = log_source(ServiceConfig(name="a", launchd=job, logs=LogsConfig(path=str(tmp_path / "a.log"))), facts)
    assert isinstance(own, FileLogSource) and own.label == str(tmp_path / "a.log")
    theirs = log_source(ServiceConfig(name="a", launchd=job), facts)
    assert isinstance(theirs, FileLogSource) and theirs.label == f"{tmp_path / 'out.log'} + {tmp_path / 'err.log'}"


def test_a_json_line_is_coloured_by_its_level(tmp_path: Path) -> None:
    p = Palette()
    lines = [json.dumps({"level": lv, "event": "e"}) for lv in ("error", "WARNING", "info", "debug")]
    assert [log_line(x, decode(x), p).style for x in lines] == [p.crit, p.warn, "", p.dim]
    path = tmp_path / "agent.jsonl"
    path.write_text(lines[0] + "\nplain\n")
    assert asyncio.run(FileLogSource(str(path), None).tail(10)) == [lines[0], "plain"]  # as written: the view renders


def test_one_decoder_for_text_and_bytes_strict_first_then_lenient() -> None:
    """The query's and the events probe's decoder: a stray byte or control character spoils a value, not a line."""
    assert decode(b'{"a": "x\xffy", "n": 1}') == {"a": "x\ufffdy", "n": 1}
    assert decode('{"a": "tab\there"}') == {"a": "tab\there"}  # a raw control character: orjson refuses it
    nan = decode(b'{"n": NaN}')
    assert nan is not None and nan["n"] != nan["n"]
    assert decode(b"[1]") is None and decode("text {") is None and decode(b'{"a": ') is None
    assert decode("[" * 100_000) is None and decode("{" + '"a":[' * 100_000) is None
