"""A log query people type: `level=error model=claude-opus since=1h timeout`.

Terms, all of which a line must meet:
- `field=value` (`field!=value`): the JSON line's field equals (differs from) the value, in any case
  (`level=error` takes `ERROR`; other spellings such as `err` are not guessed);
- `since=1h` / `until=10m` (s, m, h, d ago) or an ISO 8601 time: the line's own `timestamp` in range (a line
  without a time is left out when a range is given: it cannot be placed);
- any other word: found in the line, case-insensitively (quote nothing: words are split on spaces);
- `at=14:05` (the last time the clock read that), `at=2026-12-04T14:05` or `at=10m`: no filter, a place: the
  logs screen scrolls to the first line at or after it.
A line that is not JSON has no fields: it meets no `field=` term, and free words are looked for in its text.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import gc
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from probes.formats.jsonlog import timestamp

_AGO = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_CLOCK = re.compile(r"(\d{1,2}):(\d\d)(?::(\d\d))?", re.ASCII)
_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|\+00:00)", re.ASCII)
"""A UTC time whose first 19 characters compare as text as the times compare."""
_SECONDS = re.compile(r'\n\{"timestamp": "(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(?:Z|\+00:00)"', re.ASCII)
"""A line that starts as the guide's log() writes it, with a UTC time: its second, to compare as text."""
_BLOCK = 2048
"""Lines searched as one text: its lowercased copy (about 330 kB) stays in the CPU cache."""
_WORD = re.compile(r"[a-z_][a-z0-9_.:-]*")
"""A value only a JSON string can spell (with `_LITERALS` left out): its line holds it in quotes."""
_LITERALS = frozenset({"true", "false", "null", "none", "nan", "inf", "infinity"})
_INTEGER = re.compile(r"-?[0-9]+")


Decode = Callable[[str], dict[str, Any] | None]
"""A JSON line's object, None for any other line (probes.formats.jsonlog.decode)."""


class QueryError(ValueError):
    """A term that cannot be read (a bad time); says which."""


@dataclass(frozen=True)
class Query:
    equal: tuple[tuple[str, str], ...] = ()
    differ: tuple[tuple[str, str], ...] = ()
    words: tuple[str, ...] = ()
    since: float | None = None
    until: float | None = None
    at: float | None = None
    text: str = field(default="", compare=False)
    plain: tuple[str, ...] = field(default=(), compare=False)
    """What a line's lowercased text must hold for each `field=value` term: `"value"` (quoted) for a word-like
    value, which JSON can only write as a string; the value as it is for one a number or true could spell."""

    @functools.cached_property
    def needles(self) -> tuple[str, ...]:
        """Text every matching line holds (lowercased): the words and the field values' plain spellings."""
        return (*self.words, *self.plain)

    def matches(self, line: str, entry: dict[str, Any] | None, decode: Decode | None = None) -> bool:
        """Whether a raw line (`entry`: its decoded JSON object, None for a text line) meets every term.

        With `decode` instead of an entry, the line is decoded only when the cheap tests pass: the needles found
        in the line's text, its timestamp read without decoding the rest. The exact test of a field is on the
        decoded object, so `message: "level=error"` is not `level=error` (benchmarks/log_query.py)."""
        if self.needles:
            low = line.lower()
            for needle in self.needles:
                if needle not in low:
                    return False
        return self.meets_the_rest(line, entry, decode)

    def meets_the_rest(self, line: str, entry: dict[str, Any] | None, decode: Decode | None = None) -> bool:
        """`matches` once the needles are known to be in the line: the range, then the fields."""
        if (self.since is not None or self.until is not None) and not self.in_range(
            entry.get("timestamp") if entry is not None else _stamp(line)
        ):
            return False
        if not (self.equal or self.differ):
            return True
        if entry is None and decode is not None:
            entry = decode(line)
        if entry is None:
            return False
        for key, value in self.equal:  # loops, not all(): this runs for every candidate of a million lines
            if _field(entry, key) != value:
                return False
        return not self.differ or all(_field(entry, key) != value for key, value in self.differ)

    def in_range(self, stamp: object) -> bool:
        """Whether a timestamp is within since..until (a line without one never is)."""
        if isinstance(stamp, str) and _UTC.fullmatch(stamp):
            second = stamp[:19]  # a UTC time to the second compares as text: no parsing for most lines
            if (self.since is not None and second < self._since_utc) or (
                self.until is not None and second > self._until_utc
            ):
                return False
            if second != self._since_utc and second != self._until_utc:
                return True
        at = timestamp(stamp)
        return at is not None and (self.since is None or at >= self.since) and (self.until is None or at <= self.until)

    @functools.cached_property
    def _since_utc(self) -> str:
        return _utc_second(self.since)

    @functools.cached_property
    def _until_utc(self) -> str:
        return _utc_second(self.until)


def select(q: Query, lines: Sequence[str], decode: Decode) -> list[int]:
    """The indexes of the lines that meet `q`, in order.

    A query that names text every match must hold (a word, a field's quoted value) finds it as grep would: a
    block of lines lowercased as one text and searched with the C string search for the rarest such text, so a
    block without it costs one search and only the lines holding it are looked at one by one. A time range alone
    reads a block's UTC timestamps with one regex and compares them as text. Blocks, not one copy of every line:
    a block's copy stays in the CPU cache, which makes it cheaper, and memory does not double. A million lines: well
    under a second (benchmarks/log_query.py)."""
    if len(lines) < 1000:
        return [i for i, line in enumerate(lines) if q.matches(line, None, decode)]
    pick: Callable[[Query, Sequence[str], Decode], list[int]]
    if q.needles:
        sample = "\n".join(lines[:: max(1, len(lines) // 20_000)]).lower()
        rarest = min(q.needles, key=sample.count)  # the fewest lines to look at, guessed once from a sample
        pick = functools.partial(_holding, needle=rarest)
    elif q.since is not None or q.until is not None:
        pick = _in_range
    else:
        return [i for i, line in enumerate(lines) if q.matches(line, None, decode)]
    found: list[int] = []
    collecting = gc.isenabled()
    gc.disable()  # the decoded lines are dropped at once: a collection every 700 of them would be a third of the time
    try:
        for start in range(0, len(lines), _BLOCK):
            found.extend(start + i for i in pick(q, lines[start : start + _BLOCK], decode))
    finally:
        if collecting:
            gc.enable()
    return found


def _holding(q: Query, block: Sequence[str], decode: Decode, needle: str) -> list[int]:
    """The lines of `block` that meet `q`, looking one by one only at those holding `needle`, one of its own."""
    text = "\n".join(block).lower()
    if any(n not in text for n in q.needles):
        return []
    starts = list(itertools.accumulate(map((1).__add__, map(len, block)), initial=0))  # each line's offset
    if starts[-1] != len(text) + 1:  # lowercase that is longer ('İ' is two characters): offsets would be off
        return _one_by_one(q, block, decode)
    others = [n for n in q.needles if n != needle]
    found: list[int] = []
    at = text.find(needle)
    while at >= 0:
        i = bisect.bisect_right(starts, at) - 1
        if (not others or all(n in text[starts[i] : starts[i + 1] - 1] for n in others)) and q.meets_the_rest(
            block[i], None, decode
        ):
            found.append(i)
        at = text.find(needle, starts[i + 1])  # on from the next line: one look a line
    return found


def _one_by_one(q: Query, block: Sequence[str], decode: Decode) -> list[int]:
    return [i for i, line in enumerate(block) if q.matches(line, None, decode)]


def _in_range(q: Query, block: Sequence[str], decode: Decode) -> list[int]:
    """The lines of `block` whose timestamp is within the query's range (and that meet its fields): the times read
    for all of them by one regex when each line starts with a UTC time (the guide's log()), else line by line."""
    text = "\n" + "\n".join(block)
    seconds = _SECONDS.findall(text)
    if len(seconds) != len(block) or text.count("\n") != len(block):
        return _one_by_one(q, block, decode)
    low, high = q._since_utc, q._until_utc or "~"
    within = [i for i, second in enumerate(seconds) if low <= second <= high]
    if q.equal or q.differ:  # the fields of the lines in range only: those are decoded
        return [i for i in within if q.meets_the_rest(block[i], None, decode)]
    return [i for i in within if seconds[i] not in (low, high) or q.in_range(_stamp(block[i]))]


def _field(entry: dict[str, Any], key: str) -> str | None:
    """A field's value as lowercase text; its name in any case (`Level` for `level`), None when it has none."""
    value = entry.get(key)
    if value is None:
        value = next((v for k, v in entry.items() if k.lower() == key), None)
    return None if value is None else str(value).lower()


def _utc_second(at: float | None) -> str:
    """`at` as a UTC ISO time to the second (`2026-12-03T10:00:00`), "" for None."""
    return "" if at is None else dt.datetime.fromtimestamp(at, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _stamp(line: str) -> str | None:
    """The `timestamp` of a JSON line, read without decoding it (None when it has none in the usual spelling)."""
    at = line.find('"timestamp": "')
    if at < 0:
        return None
    end = line.find('"', at + 14)
    return line[at + 14 : end] if end > 0 else None


def parse_query(text: str, now: float) -> Query:
    """The query in `text`, with times relative to `now` (epoch seconds); QueryError names a bad term."""
    equal: list[tuple[str, str]] = []
    differ: list[tuple[str, str]] = []
    words: list[str] = []
    since = until = at = None
    for term in text.split():
        key, op, value = _split(term)
        if key == "at" and op == "=":
            at = clock_time(value, now, term)
        elif key in ("since", "until") and op == "=":
            at = _time(value, now, term)
            since, until = (at, until) if key == "since" else (since, at)
        elif op == "=":
            equal.append((key, value.lower()))
        elif op == "!=":
            differ.append((key, value.lower()))
        else:
            words.append(term.lower())
    return Query(tuple(equal), tuple(differ), tuple(words), since, until, at, text, tuple(_plain(equal)))


def _plain(equal: list[tuple[str, str]]) -> list[str]:
    """The text each field term's value is in, lowercased, in a line that meets it: `"error"` for a word (a
    JSON string, which needs no escape), `500` or `true` for an integer or a boolean, nothing for what JSON may
    spell another way (`5e-1` for 0.5, `\\u00e9` for é): those are left to the decoded line."""
    out = []
    for _, v in equal:
        if _WORD.fullmatch(v) and v not in _LITERALS:
            out.append(f'"{v}"')
        elif v in ("true", "false") or _INTEGER.fullmatch(v):
            out.append(v)
    return out


def _split(term: str) -> tuple[str, str, str]:
    for op in ("!=", "="):
        key, sep, value = term.partition(op)
        if sep and key and value and value[0] != "=" and re.fullmatch(r"[A-Za-z_][\w.-]*", key):
            return key.lower(), op, value
    return "", "", term


def clock_time(value: str, now: float, term: str = "") -> float:
    """A time to go to: `14:05` or `14:05:30` is the last time the local clock read that (yesterday's when it is
    later today), else as `since=` takes it (10m ago, an ISO 8601 time); QueryError when it is none of these."""
    if m := _CLOCK.fullmatch(value):
        hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if hour < 24 and minute < 60 and second < 60:
            today = dt.datetime.fromtimestamp(now).replace(hour=hour, minute=minute, second=second, microsecond=0)
            at = today.timestamp()
            return at if at <= now else (today - dt.timedelta(days=1)).timestamp()
    try:
        return _time(value, now, term or value)
    except QueryError:
        raise QueryError(f"{term or value}: give a time of day (14:05), a time ago (10m) or an ISO 8601 time") from None


def _time(value: str, now: float, term: str) -> float:
    if m := _AGO.match(value):
        return now - float(m.group(1)) * _UNITS[m.group(2)]
    at = timestamp(value)
    if at is None:
        raise QueryError(f"{term}: give a time ago (30s, 10m, 1h, 2d) or an ISO 8601 time")
    return at
