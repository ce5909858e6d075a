"""One way to write each kind of number. The table, the detail, the reasons, the alerts, the Spend screen and
`check` all use these, so `7.5%` in a column is `7.5%` in the reason beside it.

- shares as percentages: one decimal under 10%, whole from 10%;
- durations in seconds, whatever their size (a column never mixes `975ms` and `1.8s`): three decimals under 0.1 s,
  two under 10 s, one under 100 s, whole above;
- trailing zeros of both are dropped, so a configured threshold reads as it was written (`5%`, `10s`);
- money with two decimals and thousands separators, four under one cent (ledgers are made of tiny calls);
- counts with thousands separators; ratios with one decimal and an `x`;
- nothing known is a dash (DASH); a limit that is not set is `unlimited`.
"""

from __future__ import annotations

DASH = "–"


def _trim(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number


def fmt_percent(share: float | None) -> str:
    """A share (0..1) as a percentage: `0.4%`, `7.5%`, `5%`, `12%`."""
    if share is None:
        return DASH
    pct = share * 100
    return _trim(f"{pct:.1f}" if abs(pct) < 10 else f"{pct:.0f}") + "%"


def fmt_seconds(value: float | None) -> str:
    """A duration in seconds: `0.046s`, `0.97s`, `1.8s`, `16.9s`, `123s`."""
    if value is None:
        return DASH
    size = abs(value)
    digits = 3 if size < 0.1 else 2 if size < 10 else 1 if size < 100 else 0
    return _trim(f"{value:.{digits}f}") + "s"


def fmt_money(value: float | None) -> str:
    """USD: `$0.68`, `$1,234.50`, and `$0.0042` under one cent."""
    if value is None:
        return DASH
    sign = "-" if value < 0 else ""
    size = abs(value)
    return f"{sign}${size:.4f}" if 0 < size < 0.01 else f"{sign}${size:,.2f}"


def fmt_count(value: float | None) -> str:
    """A count or a rate of things: `448,850`."""
    return DASH if value is None else f"{value:,.0f}"


def fmt_ratio(value: float | None) -> str:
    """How many times a reference: `31.7x`, `2x`."""
    return DASH if value is None else _trim(f"{value:.1f}") + "x"


def fmt_limit(value: float | None) -> str:
    """A configured limit: not set means there is none."""
    return "unlimited" if value is None else fmt_count(value)


def fit(text: str, width: int) -> str:
    """`text` in at most `width` characters, cut after a whole word with `…` (mid-word only when the cut after a
    word would keep less than a third of the width)."""
    if len(text) <= width:
        return text
    head = text[: width - 1]
    space = head.rfind(" ")
    if space > width // 3:
        head = head[: space + 1]
    return head + "…"


def fmt_rate_per_s(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}/s" if value < 100 else f"{value:.0f}/s"
