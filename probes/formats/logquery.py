"""A log query people type: `level=error model=claude-opus since=1h timeout`.

Terms, all of which a line must meet:
- `field=value` (`field!=value`): the JSON line's field equals (differs from) the value, in any case
  (`level=error` takes `ERROR`; other spellings such as `err` are not guessed);
- `since=1h` / `until=10m` (s, m, h, d ago) or an ISO 8601 time: the line's own `timestamp` in range (a line
  without a time is left out when a range is given: it cannot be placed);
- any other word: found in the line, case-insensitively (quote nothing: words are split on spaces).
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


class QueryError(ValueError):
    """A term that cannot be read (a bad time); says which."""


@dataclass(frozen=True)
class Query:
    equal: tuple[tuple[str, str], ...] = ()
    differ: tuple[tuple[str, str], ...] = ()
    words: tuple[str, ...] = ()
    since: float | None = None
    until: float | None = None
    text: str = field(default="", compare=False)
    plain: tuple[str, ...] = field(default=(), compare=False)
    """The `field=value` values a line's text must hold as they are (plain ASCII, nothing JSON escapes)."""

    def matches(
        self, line: str, entry: dict[str, Any] | None, decode: Callable[[str], dict[str, Any] | None] | None = None
    ) -> bool:
        """Whether a raw line (`entry`: its decoded JSON object, None for a text line) meets every term.

        With `decode` instead of an entry, the line is decoded only when the cheap tests pass: the words, a
        field's plain value found in the line's text, its timestamp read without decoding the rest. That keeps a
        query over a million lines near a second (benchmarks/log_query.py)."""
        if self.words or self.plain:
            low = line.lower()
            if any(w not in low for w in self.words) or any(v not in low for v in self.plain):
                return False
        ranged = self.since is not None or self.until is not None
        if ranged and not self._in_range(entry.get("timestamp") if entry is not None else _stamp(line)):
            return False
        if not (self.equal or self.differ):
            return True
        if entry is None and decode is not None:
            entry = decode(line)
        if entry is None:
            return False
        return all(_field(entry, k) == v for k, v in self.equal) and all(_field(entry, k) != v for k, v in self.differ)

    def _in_range(self, stamp: object) -> bool:
        """Whether a timestamp is within since..until (a line without one never is)."""
        if isinstance(stamp, str) and stamp.endswith(("+00:00", "Z")) and len(stamp) >= 20:
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


def select(q: Query, lines: Sequence[str], decode: Callable[[str], dict[str, Any] | None]) -> list[int]:
    """The indexes of the lines that meet `q`, in order.

    A query that names text every match must hold (a word, a plain field value) finds it in all the lines at
    once, as grep would: one lowercased copy of them, searched with the C string search for the rarest such text,
    so only the lines that hold it are looked at one by one. A time range alone reads each line's timestamp
    without decoding it. A million lines: about a second or less (benchmarks/log_query.py)."""
    needles = [*q.words, *q.plain]
    if len(lines) < 1000:
        return [i for i, line in enumerate(lines) if q.matches(line, None, decode)]
    if not needles:
        if q.equal or q.differ or (q.since is None and q.until is None):
            return [i for i, line in enumerate(lines) if q.matches(line, None, decode)]
        return [i for i, line in enumerate(lines) if q._in_range(_stamp(line))]
    text = "\n".join(lines).lower()
    needle = min(needles, key=text.count)  # the rarest: the fewest lines to look at
    starts = list(itertools.accumulate((len(line) + 1 for line in lines), initial=0))
    found: list[int] = []
    collecting = gc.isenabled()
    gc.disable()  # the decoded lines are dropped at once: a collection every 700 of them would be a third of the time
    try:
        at = text.find(needle)
        while at >= 0:
            i = bisect.bisect_right(starts, at) - 1
            if q.matches(lines[i], None, decode):
                found.append(i)
            at = text.find(needle, starts[i + 1])  # on from the next line: one look a line
    finally:
        if collecting:
            gc.enable()
    return found


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
    since = until = None
    for term in text.split():
        key, op, value = _split(term)
        if key in ("since", "until") and op == "=":
            at = _time(value, now, term)
            since, until = (at, until) if key == "since" else (since, at)
        elif op == "=":
            equal.append((key, value.lower()))
        elif op == "!=":
            differ.append((key, value.lower()))
        else:
            words.append(term.lower())
    plain = tuple(v for _, v in equal if v.isascii() and v.isprintable() and not any(c in v for c in '"\\/'))
    return Query(tuple(equal), tuple(differ), tuple(words), since, until, text, plain)


def _split(term: str) -> tuple[str, str, str]:
    for op in ("!=", "="):
        key, sep, value = term.partition(op)
        if sep and key and value and value[0] != "=" and re.fullmatch(r"[A-Za-z_][\w.-]*", key):
            return key.lower(), op, value
    return "", "", term


def _time(value: str, now: float, term: str) -> float:
    if m := _AGO.match(value):
        return now - float(m.group(1)) * _UNITS[m.group(2)]
    at = timestamp(value)
    if at is None:
        raise QueryError(f"{term}: give a time ago (30s, 10m, 1h, 2d) or an ISO 8601 time")
    return at
