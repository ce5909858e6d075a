"""Ledger timestamps: the epoch minute of ISO 8601 text or epoch numbers, and the local hour and day of a minute.

Shared by the record-by-record path and the summing worker processes, so both put a record in the same hour.
"""

from __future__ import annotations

import datetime as dt
import math


class BadRecord(ValueError):
    """The line or row does not give a usable record."""


class TimeParser:
    """Epoch minute of a timestamp: ISO 8601 text (offset, Z or none) or epoch seconds/milliseconds."""

    def __init__(self, naive_utc: bool = False) -> None:
        self.naive_utc = naive_utc
        self._cache: dict[str, int] = {}

    def minute(self, value: object, key: str | None = None) -> int:
        """`key` is `minute_key(value)` when the caller has it already."""
        if isinstance(value, str):
            key = key or minute_key(value)
            if key is not None:
                hit = self._cache.get(key)
                if hit is not None:
                    return hit
            m = self._parse(value)
            if key is not None:
                if len(self._cache) > 50_000:
                    self._cache.clear()
                self._cache[key] = m
            return m
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0:
            secs = value / 1000 if value > 1e11 else value  # milliseconds
            return int(secs) // 60 * 60
        raise BadRecord("no timestamp")

    def _parse(self, value: str) -> int:
        text = value.strip()
        if text.replace(".", "", 1).isdigit():
            return self.minute(float(text))
        try:
            d = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            raise BadRecord("bad timestamp") from None
        if d.tzinfo is None:
            d = d.replace(tzinfo=dt.timezone.utc) if self.naive_utc else d.astimezone()
        return int(d.timestamp()) // 60 * 60


def minute_key(v: str) -> str | None:
    """The date, hour and minute plus the last six characters (where any zone designator is): every timestamp
    with the same key falls in the same minute, so the key is parsed once."""
    if len(v) < 19 or v[16] != ":":
        return None
    return v[:16] + v[-6:]


class HourKeys:
    """(local hour start, local day ordinal) by minute key: the summing loop parses a timestamp once a minute."""

    def __init__(self, naive_utc: bool = False) -> None:
        self.parser = TimeParser(naive_utc)
        self.cache: dict[str, tuple[int, int]] = {}

    def add(self, ts: str, key: str) -> tuple[int, int]:
        """Parse `ts` (whose `minute_key` is `key`) and remember its hour and day; raises BadRecord."""
        if len(self.cache) > 50_000:
            self.cache.clear()
        hit = self.cache[key] = local_hour(self.parser.minute(ts, key))
        return hit


def local_hour(minute: int) -> tuple[int, int]:
    """The epoch second its local hour starts at, and its local day's ordinal."""
    d = dt.datetime.fromtimestamp(minute)
    return minute - d.minute * 60, d.toordinal()


def local_midnight(at: float) -> float:
    """Epoch seconds of the local midnight that starts the day `at` falls in: where "today" begins."""
    return dt.datetime.combine(dt.date.fromtimestamp(at), dt.time()).timestamp()
