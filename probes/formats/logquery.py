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

import re
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

    def matches(self, line: str, entry: dict[str, Any] | None) -> bool:
        """Whether a raw line (`entry`: its decoded JSON object, None for a text line) meets every term."""
        low = line.lower()
        if any(w not in low for w in self.words):
            return False
        if not (self.equal or self.differ or self.since is not None or self.until is not None):
            return True
        if entry is None:
            return False
        values = {k.lower(): str(v).lower() for k, v in entry.items()}
        if any(values.get(k) != v for k, v in self.equal) or any(values.get(k) == v for k, v in self.differ):
            return False
        return self._in_range(entry.get("timestamp"))

    def _in_range(self, stamp: object) -> bool:
        if self.since is None and self.until is None:
            return True
        at = timestamp(stamp)
        return at is not None and (self.since is None or at >= self.since) and (self.until is None or at <= self.until)


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
    return Query(tuple(equal), tuple(differ), tuple(words), since, until, text)


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
