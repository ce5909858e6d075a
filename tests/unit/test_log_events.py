"""Events from a service's own JSON log (the guide's log() lines): breakers inferred from `circuit_opened`, rate
limits and failed tools counted; read from a real file by the real probe, into the fleet state's row."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest

from probes.config.load import ConfigError, parse_config
from probes.fleet.state import FleetState
from probes.model import HealthResult, LogEvent, LogEventsResult, Status
from probes.sources.logs import probes as logs_probes
from probes.sources.logs.events import RECOVERY_S, WINDOW_S, LogState, event_of
from probes.sources.logs.probe import LogEventsProbe


def line(level: str, event: str, at: float | None = None, **fields: object) -> bytes:
    stamp = dt.datetime.fromtimestamp(time.time() if at is None else at, dt.timezone.utc).isoformat()
    return (json.dumps({"timestamp": stamp, "level": level, "event": event, "agent_id": "a", **fields}) + "\n").encode()


def ev(level: str, event: str, at: float, **fields: object) -> LogEvent:
    e = event_of(line(level, event, at, **fields), at)
    assert e is not None
    return e


def test_event_lines_and_everything_else() -> None:
    e = event_of(line("error", "circuit_opened", at=1000.0, failures=5, service="anthropic").strip(), 5.0)
    assert e is not None and (e.at, e.level, e.event, e.field("service")) == (
        1000.0,
        "error",
        "circuit_opened",
        "anthropic",
    )
    assert dict(e.fields)["failures"] == "5"
    for other in (b"plain text", b"{broken", b"[1]", b'{"level": "info"}', b'{"event": 3}', b"{" * 100_000):
        assert event_of(other, 5.0) is None
    hostile = event_of(json.dumps({"event": "x\x1b[2J", "level": "INFO", "k": "\x1b]0;t\x07[b]v"}).encode(), 7.0)
    assert hostile is not None and hostile.at == 7.0 and hostile.level == "info"
    assert "\x1b" not in hostile.event + str(hostile.fields)


def test_a_breaker_opens_half_opens_after_recovery_and_closes_when_work_goes_on() -> None:
    state = LogState()
    t0 = 10_000.0
    state.feed(ev("error", "circuit_opened", at=t0, service="anthropic"))
    assert state.breakers(t0 + 1) == {"anthropic": "open"}
    assert state.breakers(t0 + RECOVERY_S + 1) == {"anthropic": "half_open"}
    state.feed(ev("info", "task_started", at=t0 + 10))
    assert state.breakers(t0 + 11) == {"anthropic": "open"}  # too early to be the trial call
    state.feed(ev("info", "task_completed", at=t0 + RECOVERY_S + 5))
    assert state.breakers(t0 + RECOVERY_S + 6) == {}


def test_rate_limits_and_failed_tools_over_five_minutes() -> None:
    state = LogState()
    now = 50_000.0
    for i, provider in enumerate(["anthropic", "anthropic", "openai"]):
        state.feed(
            event_of(line("warn", "rate_limited", at=now - 10 + i, provider=provider, retry_after_s=30 + i), now)
        )
    state.feed(ev("error", "tool_failed", at=now - 400, tool="old"))
    state.feed(ev("error", "tool_failed", at=now - 5, tool="database_query"))
    assert state.facts(now) == (
        ("rate limited (5 min)", "anthropic x2, openai x1; last retry_after_s 32"),
        ("tools failed (5 min)", "database_query x1"),
    )


def test_a_day_of_rate_limits_keeps_only_the_window_it_counts() -> None:
    """Memory flat over a working day: a service rate limited every few seconds all day keeps the last 5 minutes'
    events (all the screen and `check` count), not the day's."""
    state = LogState()
    start = 50_000.0
    for i in range(8 * 3600 // 3):  # one of each every 3 s for 8 hours
        state.feed(ev("warn", "rate_limited", at=start + 3 * i, provider="anthropic"))
        state.feed(ev("error", "tool_failed", at=start + 3 * i, tool="search"))
    now = start + 3 * (8 * 3600 // 3 - 1)
    assert len(state.limits) <= WINDOW_S / 3 + 1 and len(state.tools) <= WINDOW_S / 3 + 1
    assert state.rate_limits(now) == WINDOW_S // 3 + 1
    assert state.facts(now)[1] == ("tools failed (5 min)", f"search x{int(WINDOW_S // 3 + 1)}")


def test_the_probe_reads_a_recent_window_then_what_is_appended(tmp_path: Path) -> None:
    log = tmp_path / "agent.jsonl"
    old = b"".join(line("info", "task_started", task_id=f"t{i}") for i in range(5000))  # about 600 KB
    log.write_bytes(old + line("error", "circuit_opened", service="anthropic"))
    probe = LogEventsProbe("agent", str(log), 2.0, 1.0, recent=64 * 1024)
    first = probe.read()
    assert first.ok and [e.event for e in first.events] == ["circuit_opened", "task_started"]
    assert 0 < first.lines < 1000  # the window, not the whole file
    with log.open("ab") as fh:
        fh.write(line("warn", "rate_limited", provider="openai") + b"not json\n")
    assert [e.event for e in probe.read().events] == ["rate_limited"]
    os.rename(log, tmp_path / "agent.jsonl.1")  # rotation: the new file is read from its start
    log.write_bytes(line("error", "tool_failed", tool="search"))
    assert [e.event for e in probe.read().events] == ["tool_failed"]


def test_a_missing_or_special_file_is_a_reason_not_a_crash(tmp_path: Path) -> None:
    assert LogEventsProbe("a", str(tmp_path / "none.jsonl"), 2.0, 1.0).read().events == ()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    r = LogEventsProbe("a", str(fifo), 2.0, 1.0).read()
    assert r.error is not None and "FIFO" in r.error.message


def test_the_row_shows_the_logs_breaker_and_what_the_log_says(tmp_path: Path) -> None:
    text = (
        "services:\n  - name: agent\n    health: {url: 'http://x/h'}\n"
        f"    logs: {{path: '{tmp_path}/a.jsonl', format: json}}\n"
    )
    cfg, _ = parse_config(text, "t.yaml", {})
    state = FleetState(cfg)
    now = time.time()
    events = tuple(e for e in (event_of(line("error", "circuit_opened", at=now, service="anthropic"), now),
                               event_of(line("error", "tool_failed", at=now, tool="db"), now)) if e)  # fmt: skip
    assert state.apply("logs:agent", LogEventsResult(at=now, events=events)) == ["agent"]
    state.apply("health:agent", HealthResult(at=now, elapsed_s=0.01, http_status=200, status="healthy"))
    view = state.services["agent"].view
    assert view.breakers == (("anthropic", "open"),)
    assert view.log_events == (("tools failed (5 min)", "db x1"),)
    assert view.status is Status.WARN and "anthropic" in view.reason


def test_hostile_lines_leave_the_probe_reading(tmp_path: Path) -> None:
    """A 10 MB line, binary, invalid UTF-8, escape sequences and markup: skipped or cleaned, and the events after
    them still found."""
    log = tmp_path / "agent.jsonl"
    log.write_bytes(b"")
    probe = LogEventsProbe("a", str(log), 2.0, 1.0)
    assert probe.read().events == ()
    with log.open("ab") as fh:
        fh.write(b'{"event": "circuit_opened", "service": "' + b"x" * (10 << 20) + b'"}\n')  # longer than a read
        fh.write(bytes(range(256)) * 64 + b"\n")
        fh.write(b'{"level": "error", "event": "tool_failed", "tool": "\xff\xfe\x1b]0;pwned\x07[b]t[/b]"}\n')
        fh.write(b'{"event": "rate_limited", "provider": "\\u001b[2Jp", "level": "warn"}\n')
        fh.write(line("error", "circuit_opened", service="anthropic"))
    seen: list[LogEvent] = []
    for _ in range(20):  # the long line is skipped a read at a time
        seen += probe.read().events
    assert [e.event for e in seen] == ["tool_failed", "rate_limited", "circuit_opened"]
    text = repr([e.fields for e in seen])
    assert "\\x1b" not in text and "pwned" not in text and seen[-1].field("service") == "anthropic"


def test_an_agents_own_event_names_map_to_the_guides(tmp_path: Path) -> None:
    log = tmp_path / "agent.jsonl"
    log.write_bytes(b"")
    text = (
        f"services:\n  - name: a\n    logs:\n      path: '{log}'\n      format: json\n"
        "      events: {circuit_opened: [breaker_tripped], rate_limited: [throttled]}\n"
    )
    cfg, _ = parse_config(text, "t.yaml", {})
    (probe,) = logs_probes(cfg, None)  # type: ignore[arg-type]
    with log.open("ab") as fh:
        fh.write(line("error", "breaker_tripped", dependency="openai") + line("warn", "throttled", provider="x"))
        fh.write(line("error", "circuit_opened", service="anthropic"))  # the guide's own name still counts
    events = probe.read().events  # type: ignore[attr-defined]
    assert [(e.event, e.field("dependency", "service", "provider")) for e in events] == [
        ("circuit_opened", "openai"), ("rate_limited", "x"), ("circuit_opened", "anthropic")
    ]  # fmt: skip
    with pytest.raises(ConfigError, match="circuit_opened"):
        parse_config(text.replace("circuit_opened: [", "circuit_open: ["), "t.yaml", {})
