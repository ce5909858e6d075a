"""The log query (`level=error model=claude-opus since=1h timeout`) over the guide's JSON lines and text lines."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from probes.formats.jsonlog import decode
from probes.formats.logquery import QueryError, parse_query, select

NOW = 1_800_000_000.0


def entry(minutes_ago: float, level: str, event: str, **fields: object) -> str:
    at = dt.datetime.fromtimestamp(NOW - minutes_ago * 60, dt.timezone.utc).isoformat()
    return json.dumps({"timestamp": at, "level": level, "event": event, "agent_id": "a", **fields})


LINES = [
    entry(90, "error", "tool_failed", model="claude-opus", error="timeout after 30s"),  # too old for since=1h
    entry(30, "error", "tool_failed", model="claude-opus", error="timeout after 30s"),
    entry(20, "ERROR", "tool_failed", model="claude-sonnet", error="timeout"),
    entry(10, "info", "task_completed", model="claude-opus"),
    entry(5, "warn", "rate_limited", provider="anthropic", retry_after_s=30),
    "Traceback (most recent call last): timeout",
]


def matching(query: str) -> list[int]:
    q = parse_query(query, NOW)
    return [i for i, line in enumerate(LINES) if q.matches(line, decode(line))]


def test_the_guides_example_all_errors_of_the_last_hour_where_the_model_was_opus() -> None:
    assert matching("level=error model=claude-opus since=1h") == [1]
    assert matching("level=error model=claude-opus since=1h timeout") == [1]


def test_fields_words_and_ranges() -> None:
    assert matching("level=error") == [0, 1, 2]  # any case of the value
    assert matching("level!=error") == [3, 4]  # a text line has no level to differ
    assert matching("timeout") == [0, 1, 2, 5]  # words are looked for in text lines too
    assert matching("retry_after_s=30") == [4]
    assert matching("since=15m") == [3, 4]
    assert matching("until=15m level=error") == [0, 1, 2]
    assert matching("") == list(range(len(LINES)))


@pytest.mark.parametrize("bad", ["since=yesterday", "until=5x", "since=12:00pm"])
def test_a_bad_time_names_its_term(bad: str) -> None:
    with pytest.raises(QueryError, match=bad.split("=")[0]):
        parse_query(bad, NOW)


def test_what_is_not_a_term_is_a_word() -> None:
    q = parse_query("=x a= x==y", NOW)
    assert q.words == ("=x", "a=", "x==y") and not q.equal


def test_ranges_over_every_spelling_of_a_time() -> None:
    """UTC times are compared as text (the fast path); other offsets, fractions and the boundary second parsed."""
    at = dt.datetime.fromtimestamp(NOW - 1800, dt.timezone.utc)  # 30 minutes ago
    spellings = [
        at.isoformat(),  # +00:00
        at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        at.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat(),
        (at + dt.timedelta(microseconds=250_000)).isoformat(),
    ]
    q = parse_query("since=31m until=29m", NOW)
    assert all(q.matches(json.dumps({"timestamp": s}), None, decode) for s in spellings)
    edge = parse_query(f"since={at.isoformat()}", NOW)
    assert edge.matches(json.dumps({"timestamp": spellings[0]}), None, decode)
    assert not edge.matches(json.dumps({"timestamp": (at - dt.timedelta(seconds=1)).isoformat()}), None, decode)
    assert not parse_query("since=29m", NOW).matches(json.dumps({"timestamp": spellings[2]}), None, decode)


@pytest.mark.parametrize(
    "query",
    [
        "level=error",
        "level=error model=claude-opus since=1h timeout",
        "timeout",
        "since=40m",
        "level!=info x",
        "level!=info since=40m",
        "retry_after_s=30 until=1m",
    ],
)
def test_the_bulk_search_finds_what_the_line_by_line_one_does(query: str) -> None:
    lines = [*LINES * 500, "TIMEOUT in capitals", '{"level": "Error", "timestamp": 3}']
    q = parse_query(query, NOW)
    assert select(q, lines, decode) == [i for i, line in enumerate(lines) if q.matches(line, decode(line))]


def test_the_bulk_search_is_not_thrown_off_by_text_that_lowercases_longer() -> None:
    """'İ' lowercases to two characters: the lines after it in one lowercased copy start later than counted."""
    lines = ["İ" * 300, *(["x"] * 1000), "a timeout here", *(["y"] * 10)]
    q = parse_query("timeout", NOW)
    assert select(q, lines, decode) == [1001]


def test_a_timestamp_that_is_not_a_time_is_in_no_range() -> None:
    """It ends as a UTC time does, but it cannot be placed: a range leaves it out, in bulk and line by line."""
    odd = [json.dumps({"timestamp": "z" * 19 + "Z", "level": "error"}), json.dumps({"timestamp": "9" * 19 + "Z"})]
    for query in ("since=1h", "until=1h", "since=1h level=error"):
        q = parse_query(query, NOW)
        assert [line for line in odd if q.matches(line, decode(line))] == []
        assert select(q, odd * 600, decode) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=error", [0, 1]),  # not the message that says level=error, nor the word in another field
        ("x=0.5", [2]),  # JSON's 5e-1
        ("ok=true", [3]),
        ("n=500", [4, 5]),  # the number and the string
        ("n!=500 level=error", [0, 1]),
        ("agent_id=a-1.x:2", [6]),
    ],
)
def test_a_field_term_meets_the_decoded_value_however_json_spells_it(query: str, expected: list[int]) -> None:
    lines = [
        '{"level": "ERROR"}',
        '{"Level":"error","error":"boom"}',
        '{"x": 5e-1, "message": "level=error"}',
        '{"ok": true, "message": "error"}',
        '{"n": 500}',
        '{"n": "500"}',
        '{"agent_id": "A-1.X:2"}',
    ]
    q = parse_query(query, NOW)
    assert [i for i, line in enumerate(lines) if q.matches(line, None, decode)] == expected
    assert select(q, lines * 200, decode)[: len(expected)] == expected
    assert len(select(q, lines * 200, decode)) == 200 * len(expected)


def test_the_bulk_search_counts_lines_not_newlines() -> None:
    """A line holding a newline (a source that did not split on it) is still one line to the search."""
    stamp = dt.datetime.fromtimestamp(NOW - 60, dt.timezone.utc).isoformat()
    lines = [*(["x"] * 1000), "one\ntwo", f'{{"timestamp": "{stamp}", "error": "timeout"}}', "y"]
    assert select(parse_query("timeout", NOW), lines, decode) == [1001]
    assert select(parse_query("since=5m", NOW), lines, decode) == [1001]


def test_at_is_a_place_not_a_filter() -> None:
    """`at=14:05` is the last time the local clock read 14:05; it keeps every line (the screen scrolls to it)."""
    now = dt.datetime(2026, 12, 4, 2, 0, 0).timestamp()  # local time, 02:00
    q = parse_query("at=14:05 level=error", now)
    assert q.at == dt.datetime(2026, 12, 3, 14, 5).timestamp()  # yesterday's: today's is still to come
    assert parse_query("at=01:30:15", now).at == dt.datetime(2026, 12, 4, 1, 30, 15).timestamp()
    assert parse_query("at=10m", now).at == now - 600
    assert parse_query("at=2026-12-04T14:05Z", now).at == dt.datetime(2026, 12, 4, 14, 5, tzinfo=dt.UTC).timestamp()
    assert [i for i, line in enumerate(LINES) if parse_query("at=1h", NOW).matches(line, decode(line))] == [
        0,
        1,
        2,
        3,
        4,
        5,
    ]
    for bad in ("at=25:00", "at=noon", "at=14:5"):
        with pytest.raises(QueryError, match="time of day"):
            parse_query(bad, now)


@pytest.mark.parametrize(
    "query",
    ["since=30m", "until=30m", "since=45m until=15m", "since=45m level=error", "level!=info until=20m", "since=30m x"],
)
def test_the_bulk_range_over_the_guides_lines_finds_what_the_line_by_line_one_does(query: str) -> None:
    """Every line starts with a UTC time (the block-at-once path), some on the boundary second, with fractions."""
    q = parse_query(query, NOW)
    lines = []
    for i in range(3000):
        at = dt.datetime.fromtimestamp(NOW - 3600 + i * 1.2 + (0.5 if i % 3 else 0), dt.timezone.utc)
        stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ") if i % 7 == 0 else at.isoformat()
        lines.append(json.dumps({"timestamp": stamp, "level": ("error", "info", "warn")[i % 3], "event": "x"}))
    boundary = [json.dumps({"timestamp": dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat()})
                for t in (q.since or NOW, (q.since or NOW) + 0.4, (q.until or NOW) - 0.4)]  # fmt: skip
    lines[1500:1500] = boundary
    expected = [i for i, line in enumerate(lines) if q.matches(line, decode(line))]
    assert select(q, lines, decode) == expected
    assert expected or query.endswith(" x")
