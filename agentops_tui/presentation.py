"""Pure presentation: service views in, Rich `Text` cells out. No widgets, so it is tested without an app.

Every string that came from outside (names, reasons, check values) goes into `Text(...)` as plain text, never as
markup, so `[@click=app.quit]` in a container name is shown, not run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from rich.color import Color, ColorParseError, ColorSystem
from rich.text import Text

from probes.model import MESSAGE_KEYS, Status
from probes.text.sanitize import clean
from probes.text.units import fmt_count, fmt_limit, fmt_percent
from probes.text.units import (
    fmt_money as fmt_money,  # the shared formats (probes.text.units), under the names screens use
)
from probes.text.units import fmt_seconds as fmt_seconds
from probes.view import FleetSnapshot, ServiceView

fmt_rate = fmt_percent
fmt_number = fmt_count


@dataclass(frozen=True)
class Palette:
    """Colours for statuses, taken from the app theme at run time where they stay distinct (`palette_for`).

    The defaults land on green, yellow, red, magenta and grey when a terminal has only 16 or 8 colours."""

    ok: str = "#4EBF71"
    warn: str = "#FFC107"
    crit: str = "#E5534B"
    unknown: str = "#C678DD"
    stale: str = "#808080"
    dim: str = "#808080"

    def of(self, status: Status) -> str:
        return {
            Status.OK: self.ok,
            Status.WARN: self.warn,
            Status.CRIT: self.crit,
            Status.UNKNOWN: self.unknown,
            Status.STALE: self.stale,
        }[status]


def palette_for(ok: str | None, warn: str | None, crit: str | None, system: ColorSystem | None) -> Palette:
    """The theme's colours for OK, WARN and CRIT if the terminal (`system`, None without colour) still tells them
    apart from each other and from UNKNOWN and STALE, else the defaults. A 16-colour terminal turns the dark
    theme's orange warning and red error both into bright red; an 8-colour one drops the bright half."""
    base = Palette()
    themed = Palette(ok=_rich(ok) or base.ok, warn=_rich(warn) or base.warn, crit=_rich(crit) or base.crit)
    return themed if distinct(themed, system) else base


def _rich(colour: str | None) -> str | None:
    """A theme colour as Rich names it (Textual's ANSI themes say `ansi_red`, Rich `red`)."""
    return colour.removeprefix("ansi_") if colour else None


def distinct(p: Palette, system: ColorSystem | None) -> bool:
    """Whether every status colour stays its own colour on a terminal with `system` (16 colours: also with 8)."""
    if system is None:
        return True  # nothing is drawn in colour: the glyph and the word tell statuses apart
    shown = set()
    for status in Status:
        try:
            colour = Color.parse(p.of(status)).downgrade(system)
        except ColorParseError:
            return False
        shown.add((colour.number or 0) % 8 if system is ColorSystem.STANDARD else colour.get_truecolor())
    return len(shown) == len(Status)


GLYPH = {Status.OK: "●", Status.WARN: "▲", Status.CRIT: "✖", Status.UNKNOWN: "?", Status.STALE: "◌"}
LABEL = {Status.OK: "OK", Status.WARN: "WARN", Status.CRIT: "CRIT", Status.UNKNOWN: "UNKN", Status.STALE: "STALE"}

COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("status", "STATUS", 7),
    ("name", "SERVICE", 16),
    ("p95", "P95", 6),
    ("err", "ERR%", 5),
    ("breaker", "BREAKER", 7),
    ("tasks", "TASKS", 5),
    ("spend", "SPEND", 7),
    ("cpu", "CPU", 4),
    ("mem", "MEM", 5),
    ("reason", "REASON", 24),
)
"""(key, header, width). SERVICE is as wide as the longest name (at most this); REASON takes the rest."""
COLUMN_KEYS = tuple(key for key, _, _ in COLUMNS)
DROP_ORDER = ("mem", "cpu", "tasks", "spend")
"""The columns that give way, in this order, while REASON would be narrower than its width in COLUMNS: the reason
says what is wrong, and these numbers are also in the trend panel, the detail screen and the header."""


def fit_columns(width: int, longest_name: int, pad: int = 1) -> tuple[tuple[str, str, int], ...]:
    """The columns shown at `width` cells and their widths; `pad` blank cells each side of a column."""
    name_width = max(len("SERVICE"), min(longest_name + 2, dict((k, w) for k, _, w in COLUMNS)["name"]))  # 2: mark
    cols = [(key, label, name_width if key == "name" else w) for key, label, w in COLUMNS]
    reason_min = cols[-1][2]

    def room(shown: list[tuple[str, str, int]]) -> int:
        return width - sum(w + 2 * pad for key, _, w in shown if key != "reason") - 2 * pad

    for key in DROP_ORDER:
        if room(cols) >= reason_min:
            break
        cols = [c for c in cols if c[0] != key]
    return tuple((key, label, max(w, room(cols)) if key == "reason" else w) for key, label, w in cols)


def status_cell(status: Status, p: Palette) -> Text:
    return Text(f"{GLYPH[status]} {LABEL[status]}", style=f"bold {p.of(status)}")


def fmt_bytes(value: int | None) -> str:
    if value is None:
        return "–"
    size = float(value)
    for unit in ("B", "K", "M", "G"):
        if size < 1024 or unit == "G":
            return f"{size:.0f}{unit}" if unit in ("B", "K") or size >= 10 else f"{size:.1f}{unit}"
        size /= 1024
    return f"{size:.0f}T"


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    s = int(seconds)
    if s < 120:
        return f"{s}s"
    if s < 7200:
        return f"{s // 60}m"
    if s < 172800:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{s // 86400}d"


def breaker_cell(breakers: tuple[tuple[str, str], ...], p: Palette) -> Text:
    """`3/3 ok`, or how many are open (`1 open`) or half-open (`1 half`); the reason names the dependency."""
    if not breakers:
        return Text("–", style=p.dim)
    states = [state for _, state in breakers]
    if "open" in states:
        return Text(f"{states.count('open')} open", style=f"bold {p.crit}")
    if "half_open" in states:
        return Text(f"{states.count('half_open')} half", style=f"bold {p.warn}")
    closed = states.count("closed")
    return Text(f"{closed}/{len(states)} ok", style=p.dim if closed == len(states) else p.warn)


def _threshold_style(value: float | None, warn: float, crit: float, p: Palette) -> str:
    if value is None:
        return p.dim
    if value >= crit:
        return f"bold {p.crit}"
    if value >= warn:
        return p.warn
    return ""


def _name_cell(name: str, marked: bool, muted: bool, p: Palette) -> Text:
    """The name as the cell's base style (so the row's colours apply as to every cell), a mark in front."""
    cell = Text(("✓ " if marked else "") + clean(name, 64), style="bold" if not muted else p.dim)
    if marked:
        cell.stylize(f"bold {p.warn}", 0, 2)
    return cell


def row_cells(
    v: ServiceView,
    p: Palette,
    status: Status | None = None,
    reason: str | None = None,
    columns: tuple[str, ...] = COLUMN_KEYS,
    marked: bool = False,
) -> tuple[Text, ...]:
    """The overview row for a service, in `columns` order; `status`/`reason` override the view's (for STALE)."""
    st = status or v.status
    muted = st in (Status.STALE, Status.UNKNOWN)
    num_style = p.dim if muted else ""
    cells = {
        "status": status_cell(st, p),
        "name": _name_cell(v.name, marked, muted, p),
        "p95": Text(fmt_seconds(v.latency_p95_s), style=num_style or _threshold_style(v.latency_p95_s, 10, 30, p)),
        "err": Text(fmt_rate(v.error_rate), style=num_style or _threshold_style(v.error_rate, 0.05, 0.25, p)),
        "breaker": breaker_cell(v.breakers, p),
        "tasks": Text(fmt_number(v.active_tasks), style=num_style or ("" if v.active_tasks is not None else p.dim)),
        "spend": Text(fmt_money(v.spend_today_usd), style=num_style or ""),
        "cpu": Text(f"{v.cpu_percent:.0f}%" if v.cpu_percent is not None else "–", style=num_style or ""),
        "mem": Text(fmt_bytes(v.rss_bytes), style=num_style or ""),
        "reason": Text(
            clean(reason if reason is not None else v.reason, 200), style=p.of(st) if st is not Status.OK else p.dim
        ),
    }
    return tuple(cells[key] for key in columns)


def summary_text(
    snap: FleetSnapshot,
    p: Palette,
    statuses: list[Status] | None = None,
    badges: tuple[str, ...] = (),
    compact: bool = False,
) -> Text:
    """The header line: counts by status and today's spend against the budget (labels dropped when compact)."""
    counts = dict.fromkeys(Status, 0)
    for st in statuses if statuses is not None else [s.status for s in snap.services]:
        counts[st] += 1
    out = Text()
    out.append(" agentops ", style="bold reverse")
    for badge in badges:
        out.append(f" {badge} ", style=f"bold reverse {p.warn}")
    out.append(f" {len(snap.services)} svc " if compact else f"  {len(snap.services)} services  ")
    for st in (Status.OK, Status.WARN, Status.CRIT, Status.UNKNOWN, Status.STALE):
        if counts[st] or st in (Status.OK, Status.CRIT):
            label = f"{GLYPH[st]}{counts[st]} " if compact else f"{GLYPH[st]} {counts[st]} {LABEL[st]}  "
            out.append(label, style=p.of(st) if counts[st] else p.dim)
    firing = sum(1 for a in snap.alerts if a.state == "firing")
    pending = len(snap.alerts) - firing
    if firing:
        out.append(f"⚑{firing} firing " if compact else f"⚑ {firing} firing  ", style=f"bold {p.crit}")
    if pending:
        out.append(f"{pending} pending " if compact else f"{pending} pending  ", style=p.warn)
    out.append(" ")
    out.append_text(budget_text(snap.spend_today_usd, snap.daily_budget_usd, p, width=6 if compact else 10))
    return out


def budget_text(spend: float | None, budget: float | None, p: Palette, width: int = 10) -> Text:
    """`spend $12.40 / $20.00 [██████░░░░] 62%`, coloured at the guide's 80% and 100% marks."""
    out = Text("spend ")
    if spend is None:
        out.append("–", style=p.dim)
        return out
    out.append(fmt_money(spend), style="bold")
    if not budget:
        out.append(" today")
        return out
    share = spend / budget
    style = p.crit if share >= 1 else p.warn if share >= 0.8 else p.ok
    filled = min(width, round(share * width))
    out.append(f" / {fmt_money(budget)} ")
    out.append("█" * filled, style=style)
    out.append("░" * (width - filled), style=p.dim)
    out.append(f" {fmt_percent(share)}", style=f"bold {style}")
    return out


def docker_summary(v: ServiceView) -> str:
    """One line about a service's containers for the overview's panel: memory as a share of the limit (the guide
    alerts above 80%) and restarts in the last 5 minutes; empty without containers."""
    if not v.containers:
        return ""
    shares = [c.mem_bytes / c.mem_limit for c in v.containers if c.mem_bytes is not None and c.mem_limit]
    parts = [f"{len(v.containers)} container{'s' if len(v.containers) > 1 else ''}"]
    if shares:
        parts.append(f"memory {fmt_percent(max(shares))} of limit")
    parts.append(f"{v.restarts_recent} restarts in 5m")
    return " · ".join(parts)


_HTTP_PREFIX = re.compile(r"^(HTTP \d{3}): ")


def answer_summary(detail: str) -> str:
    """A control endpoint's JSON answer in words for a toast: `done (pid 11809)`, `done (unlimited → 30)`,
    `HTTP 409: already draining`. Flags that repeat the action (`"restarting": true`) are left out; text that is
    not a JSON object is shown as it came (the journal keeps the answer as it came either way)."""
    m = _HTTP_PREFIX.match(detail)
    prefix, body = (m.group(1), detail[m.end() :]) if m else ("", detail)
    try:
        data = json.loads(body)
    except ValueError:
        return detail
    if not isinstance(data, dict):
        return detail
    said = next((data[k] for k in MESSAGE_KEYS if isinstance(data.get(k), str) and data[k].strip()), None)
    if said is not None:
        return f"{prefix}: {clean(said, 120)}" if prefix else clean(said, 120)
    facts = _answer_facts(data)
    head = prefix or ("done" if data.get("ok") is not False else "failed")
    return f"{head} ({', '.join(facts[:3])})" if facts else head


def _answer_facts(data: dict[str, object]) -> list[str]:
    """`old → new` of a changed setting, then each number or word the answer carries (not its flags)."""
    facts: list[str] = []
    shown: set[str] = {"ok"}
    if "old" in data and "new" in data:
        old, new = (fmt_limit(v) if v is None or isinstance(v, (int, float)) else clean(v, 30) for v in
                    (data["old"], data["new"]))  # fmt: skip
        facts.append(f"{old} → {new}")
        shown |= {"old", "new", *(k for k, v in data.items() if v == data["new"])}
    for key, value in data.items():
        if key in shown or isinstance(value, bool) or not isinstance(value, (int, float, str)):
            continue
        facts.append(f"{clean(key, 30).replace('_', ' ')} {clean(value, 40)}")
    return facts
