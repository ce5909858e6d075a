"""The logs screen's columns (the fields the shown lines carry, aligned), `c` for the lines as written, and going
to a time (`t`, or `at=` in a query), on the real app over a real log file; hostile values stay inert in columns."""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path

from agentops_tui.app import make_app
from agentops_tui.screens.logs import LogsScreen
from probes.config.load import parse_config
from tests.functional.helpers import wait_until
from tests.functional.static import screen_lines
from tests.functional.test_hostile_terminal import EVIL, FORBIDDEN, dashboard_in_pty, read_for


def guide_line(second: int, level: str, event: str, **fields: object) -> str:
    entry = {
        "timestamp": f"2026-09-21T09:{second // 60:02d}:{second % 60:02d}+00:00",
        "level": level,
        "event": event,
        "agent_id": "a1",
    }
    return json.dumps({**entry, **fields}) + "\n"


def cells(row: str) -> list[str]:
    return re.split(r"\s{2,}", row.strip())


def the_log(tmp_path: Path, text: str) -> tuple[Path, object]:
    log = tmp_path / "agent.jsonl"
    log.write_text(text)
    cfg, _ = parse_config(f"services:\n  - name: guide-agent\n    logs: {{path: '{log}', format: json}}\n", "c.yaml")
    return log, make_app(cfg)


async def test_columns_raw_and_a_jump_to_a_time(tmp_path: Path) -> None:
    text = "".join(guide_line(m, "error" if m % 5 == 0 else "info", "task_completed", task_id=f"t-{m}",
                              model="claude-opus") for m in range(200)) + "Traceback: a text line\n"  # fmt: skip
    _, app = the_log(tmp_path, text)
    async with app.run_test(size=(80, 24)) as pilot:  # type: ignore[attr-defined]
        await pilot.press("l")
        assert await wait_until(pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen.received == 201, 10)
        screen = app.screen
        assert isinstance(screen, LogsScreen)

        def shown() -> list[str]:
            return [strip.text.rstrip() for strip in screen.log_view.lines]

        assert await wait_until(pilot, lambda: bool(screen.field_columns), 5)
        keys = [c.key for c in screen.field_columns]
        assert keys[:4] == ["timestamp", "level", "event", "agent_id"], keys
        assert cells(shown()[0]) == [
            "2026-09-21T09:00:00Z",
            "ERROR",
            "task_completed",
            "a1",
            "t-0",
            "model=claude-opus",
        ]
        assert cells(shown()[1]) == ["2026-09-21T09:00:01Z", "INFO", "task_completed", "a1", "t-1", "model=claude-opus"]
        assert len({row.index("task_completed") for row in shown()[:-1]}) == 1  # aligned
        assert shown()[-1] == "Traceback: a text line"  # text stays text
        heading = str(screen.query_one("#logs-columns").render())
        assert heading.startswith("timestamp") and "level" in heading and "event" in heading
        print("\n".join(screen_lines(app)))

        await pilot.press("c")  # the lines as written
        assert await wait_until(pilot, lambda: shown()[0].startswith('{"timestamp": "2026-09-21T09:00:00+00:00"'), 5)
        assert not screen.query_one("#logs-columns").display
        await pilot.press("c")
        assert await wait_until(pilot, lambda: shown()[0].startswith("2026-09-21T09:00:00Z"), 5)

        assert screen.follow
        await pilot.press("t", *"2026-09-21T09:01:25.5Z", "enter")  # the first line at or after it: 09:01:26
        await pilot.pause(0.3)
        assert not screen.follow  # paused there, or the next line would take the view away
        assert int(screen.log_view.scroll_y) == 86, screen.log_view.scroll_y
        assert "at line 87 of 201" in str(screen.query_one("#logs-title").render())
        await pilot.press("t", *"noon", "enter")  # not a time: said, the box stays for another go
        await pilot.pause(0.2)
        assert "time of day" in str(screen.query_one("#logs-title").render())
        assert screen.query_one("#log-jump").display
        await pilot.press("escape")  # closes the box, not the logs
        await pilot.pause(0.2)
        assert app.screen is screen and not screen.query_one("#log-jump").display
        assert "time of day" not in str(screen.query_one("#logs-title").render())
        await pilot.press("slash", *"level=error at=2026-09-21T09:00:11Z", "enter")  # the same as a query term
        await pilot.pause(0.3)
        assert [s[:20] for s in shown()[:3]] == [f"2026-09-21T09:00:{m:02d}Z" for m in (0, 5, 10)]
        assert len(shown()) == 40 and int(screen.log_view.scroll_y) == 3  # 09:00:15, the fourth error
        print("\n".join(screen_lines(app)))


async def test_hostile_values_stay_inert_in_columns(tmp_path: Path) -> None:
    event = "[bold red]boom[/] \x1b[2J\x1b]52;c;SGVsbG8=\x07"
    hostile = {"agent_id": "\u202eevil\u202c", "tool": "[@click=app.quit]x[/]", "\x1b[31mkey": "v"}
    text = "".join(guide_line(m, "error", event, **hostile) for m in range(3))
    _, app = the_log(tmp_path, text)
    async with app.run_test(size=(120, 30)) as pilot:  # type: ignore[attr-defined]
        await pilot.press("l")
        assert await wait_until(
            pilot, lambda: isinstance(app.screen, LogsScreen) and bool(app.screen.field_columns), 10
        )
        screen = app.screen
        assert isinstance(screen, LogsScreen)
        await pilot.pause(0.2)
        rows = [strip.text for strip in screen.log_view.lines]
        page = "\n".join(screen_lines(app))
        assert "\x1b" not in page and "\u202e" not in page and "\x07" not in page
        assert "[bold red]boom[/]" in rows[0] and "\\u202eevil\\u202c" in rows[0] and "[@click=app.quit]x[/]" in rows[0]
        await pilot.click("#logs", offset=(60, 0))  # a click on the would-be link runs nothing
        await pilot.pause(0.2)
        assert app.is_running and isinstance(app.screen, LogsScreen)


async def test_lines_that_come_together_redraw_the_title_once(tmp_path: Path) -> None:
    """With a query open, 300 lines written at once: the title (its count of matches) is drawn for the batch,
    not for every line."""
    log, app = the_log(tmp_path, guide_line(0, "info", "start"))
    async with app.run_test(size=(80, 24)) as pilot:  # type: ignore[attr-defined]
        await pilot.press("l")
        assert await wait_until(pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen.received == 1, 10)
        screen = app.screen
        assert isinstance(screen, LogsScreen)
        await pilot.press("slash", *"level=error", "enter")
        await pilot.pause(0.2)
        drawn: list[object] = []
        title = screen._title
        screen._title = lambda *a: (drawn.append(a), title(*a))[1]  # type: ignore[method-assign]
        with log.open("a") as fh:
            fh.write("".join(guide_line(i, "error" if i % 2 else "info", "x") for i in range(300)))
        assert await wait_until(pilot, lambda: screen.received == 301, 10)
        await pilot.pause(0.2)
        assert "150 of 301 match" in str(screen.query_one("#logs-title").render())
        assert len(drawn) < 30, len(drawn)


def test_hostile_log_lines_in_columns_reach_a_real_terminal_as_text(tmp_path: Path) -> None:
    """The real app on a pty: JSON values, keys and a text line carrying escape sequences, C1 controls and markup,
    shown in columns and then as written (`c`): none of it reaches the terminal as anything but text."""
    evil = {"event": EVIL, "agent_id": EVIL, EVIL: EVIL, "tool": "[@click=app.quit]boom[/]"}
    lines = [json.dumps({"timestamp": f"2026-09-21T09:00:0{i}Z", "level": "error", **evil}) for i in range(3)]
    log = tmp_path / "agent.jsonl"
    log.write_text("\n".join([*lines, "text " + EVIL]) + "\n")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"services:\n  - name: guide-agent\n    logs: {{path: '{log}', format: json}}\n")
    with dashboard_in_pty(cfg) as (pid, fd):
        out = read_for(fd, 6)
        os.write(fd, b"l")
        columns = read_for(fd, 3)
        os.write(fd, b"c")
        raw = read_for(fd, 2)
        alive = os.waitpid(pid, os.WNOHANG) == (0, 0)
        os.kill(pid, signal.SIGTERM)
        out += read_for(fd, 3)
    assert alive
    assert b"timestamp" in columns and b"@click=app.quit" in columns  # columns drawn, markup as text
    for bad in FORBIDDEN:  # decoded values: the sequences gone, payloads and all
        assert bad not in out + columns, bad
    assert b"\\u001b]0;pwned" in raw  # as written: JSON's escapes, shown as the text they are
    for bad in (b"\x1b]52", b"\x1b]0;", b"\x1b[2J", b"\xc2\x9b", b"\xc2\x85"):
        assert bad not in out + columns + raw, bad
    for bad in FORBIDDEN:
        assert bad not in out, bad
