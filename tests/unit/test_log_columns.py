"""Which fields become columns, how wide, and what a row of them reads as (presentation.log_columns)."""

from __future__ import annotations

from rich.cells import cell_len

from agentops_tui.presentation.log_columns import FIRST, REST, WIDEST, Column, cell, choose, header, outgrows, row
from agentops_tui.presentation.palette import Palette

P = Palette()


def guide(i: int, **more: object) -> dict[str, object]:
    return {"timestamp": f"2026-12-04T14:05:{i:02d}.123456+00:00", "level": "info", "event": "task_completed",
            "agent_id": "a1", **more}  # fmt: skip


def test_the_guides_fields_first_then_the_commonest_within_the_width() -> None:
    entries = [guide(i, model="claude-opus", task_id=f"t-{i}") for i in range(8)]
    entries += [guide(i, task_id=f"t-{i}", rare=1) for i in range(4)]  # model in 8 of 12, rare in 4: not a column
    wide = choose(entries, 200)
    assert [c.key for c in wide] == [*FIRST, "task_id", "model"]
    assert wide[0] == Column("timestamp", 20)  # 2026-12-04T14:05:00Z: to the second, UTC as Z
    assert wide[1].width == 5  # "INFO" under "level": the name shows whole when there is room
    narrow = choose(entries, 80)
    assert [c.key for c in narrow][:4] == list(FIRST)
    assert sum(c.width + 2 for c in narrow) <= 80 - REST  # room left for the other fields


def test_a_row_cuts_and_pads_each_column_and_puts_the_rest_after() -> None:
    cols = (Column("timestamp", 20), Column("level", 5), Column("event", 10), Column("agent_id", 8))
    text = row(guide(1, error="timeout after 30s", n=[1, 2], event="a_very_long_event_name"), cols, P).plain
    assert text == '2026-12-04T14:05:01Z  INFO   a_very_lo…  a1        error="timeout after 30s" n=[1,2]'
    assert row({"level": "error"}, cols, P).plain.startswith(" " * 20 + "  ERROR")  # an absent field: blank
    assert outgrows(guide(1, event="a_very_long_event_name"), cols)
    assert not outgrows(guide(1, agent_id="x" * 100), (Column("agent_id", WIDEST),))  # as wide as it gets


def test_times_are_cut_to_the_second_other_values_as_written() -> None:
    assert cell("timestamp", "2026-12-04T14:05:00Z") == "2026-12-04T14:05:00Z"
    assert cell("timestamp", "2026-12-04 14:05:00,5+02:00") == "2026-12-04T14:05:00+02:00"
    assert cell("timestamp", "yesterday") == "yesterday" and cell("timestamp", 1733320000) == "1733320000"
    assert cell("level", "warn") == "WARN" and cell("ok", True) == "true" and cell("x", None) == "null"


def test_hostile_values_are_plain_cleaned_text_of_bounded_width() -> None:
    evil = {"event": "[bold]x[/] \x1b[2J\x1b]52;c;SGVsbG8=\x07", "agent_id": "\u202eevil", "\x1b[31mk": "v",
            "wide": "表" * 50}  # fmt: skip
    cols = choose([evil], 120)
    text = row(evil, cols, P)
    assert "\x1b" not in text.plain and "\x07" not in text.plain and "\u202e" not in text.plain
    assert "[bold]x[/]" in text.plain and "\\u202eevil" in text.plain and not text.spans
    assert all(c.width <= WIDEST for c in cols) and cell_len(header(cols, P).plain) <= 120
