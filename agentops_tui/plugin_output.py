"""Nagios plugin output: the status word, perfdata and text that cannot break the plugin's line format.

The format is the Nagios Plugin Development Guidelines' (https://nagios-plugins.org/doc/guidelines.html):
`SERVICE STATUS: text | 'label'=value[UOM];[warn];[crit];[min];[max] ...`, long output on the lines after it.
Written here rather than with the nagiosplugin library: its `Check.main()` owns the control flow and the exit, its
contexts would judge the numbers again (our statuses come from the fleet's rules, reasons, alerts and staleness),
and its perfdata refuses labels with `'` or `=`, which service names from outside may hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from probes.model import Status
from probes.text.sanitize import clean

UOMS = frozenset({"", "s", "ms", "us", "%", "B", "KB", "MB", "TB", "c"})
"""The units the guidelines allow (none: a plain number, `c`: a continuous counter)."""

PIPE_SHOWN = "¦"
"""What a `|` from outside becomes: Nagios and Icinga take everything after the first `|` as perfdata."""

_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)"
_RANGE = re.compile(rf"@?(?:{_NUMBER}|(?:{_NUMBER}|~)?:(?:{_NUMBER})?)")
_PLAIN_LABEL = re.compile(r"[^\s='\"]+")

_WORDS = {Status.OK: "OK", Status.WARN: "WARNING", Status.CRIT: "CRITICAL", Status.UNKNOWN: "UNKNOWN",
          Status.STALE: "UNKNOWN"}  # fmt: skip

Threshold = float | str | None
"""A warn or crit field: a number (alert above it), a range in the guidelines' syntax, or none."""


def threshold(value: Threshold) -> str:
    """The field as written: a number without float noise, a range checked against the syntax, or empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        if _RANGE.fullmatch(value) is None:
            raise ValueError(f"not a range in the plugin guidelines' syntax: {value!r}")
        return value
    return number(value)


def number(value: float) -> str:
    """A value in `[-0-9.]`: no exponent, at most six decimals (perfdata parsers read no `1e-05`)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class Perf:
    """One perfdata metric; `value` None is written `U` (undetermined)."""

    label: str
    value: float | None
    uom: str = ""
    warn: Threshold = None
    crit: Threshold = None
    min: float | None = None
    max: float | None = None

    def __post_init__(self) -> None:
        if self.uom not in UOMS:
            raise ValueError(f"unit {self.uom!r} is not one of the guidelines' {sorted(UOMS)}")

    def render(self) -> str:
        value = "U" if self.value is None else number(self.value) + self.uom
        fields = [threshold(self.warn), threshold(self.crit)]
        fields += ["" if x is None else number(x) for x in (self.min, self.max)]
        return f"{quote_label(self.label)}={';'.join([value, *fields]).rstrip(';')}"


def quote_label(name: str) -> str:
    """A label as the guidelines want it: quoted when it holds a space, `=` or `'` (the quote doubled); cleaned of
    control sequences, a `|` shown as `¦`."""
    text = plugin_text(name, 100)
    if _PLAIN_LABEL.fullmatch(text):
        return text
    return "'" + text.replace("'", "''") + "'"


def perfdata(metrics: Iterable[Perf]) -> str:
    return " ".join(m.render() for m in metrics)


def plugin_text(text: str, max_len: int = 512) -> str:
    """Text from outside for a plugin line: one line, no control sequences, no `|`."""
    return clean(text, max_len).replace("|", PIPE_SHOWN)


def status_word(status: Status) -> str:
    """The word Nagios uses for the status (STALE data is UNKNOWN, as its exit code is 3)."""
    return _WORDS[status]
