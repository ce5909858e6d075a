"""The overview's cells: one row per service, the columns that fit a width, the header line, the trend title.

Every string that came from outside (names, reasons, check values) goes into `Text(...)` as plain text, never as
markup, so `[@click=app.quit]` in a container name is shown, not run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from agentops_tui.presentation.formats import fmt_bytes, fmt_cpu, fmt_money, fmt_number, fmt_rate, fmt_seconds
from agentops_tui.presentation.palette import GLYPH, LABEL, Palette, reason_style, status_cell
from probes.model import Status
from probes.text.sanitize import clean

if TYPE_CHECKING:
    from probes.view import FleetSnapshot, ServiceView

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
        "spend": spend_cell(v, p, num_style),
        "cpu": Text(fmt_cpu(v.cpu_percent), style=num_style or ""),
        "mem": Text(fmt_bytes(v.rss_bytes), style=num_style or ""),
        "reason": Text(clean(reason if reason is not None else v.reason, 200), style=reason_style(st, p)),
    }
    return tuple(cells[key] for key in columns)


def spend_cell(v: ServiceView, p: Palette, num_style: str = "") -> Text:
    """The ledger's spend; for a service no ledger reads, its estimate from tokens marked `≈` (italic)."""
    if v.spend_today_usd is None and v.spend_estimate is not None:
        return Text("≈" + fmt_money(v.spend_estimate.usd), style=num_style or "italic")
    return Text(fmt_money(v.spend_today_usd), style=num_style or "")


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
    out.append_text(
        budget_text(snap.spend_today_usd, snap.daily_budget_usd, p, 6 if compact else 10, snap.spend_estimate_usd)
    )
    return out


def budget_text(
    spend: float | None, budget: float | None, p: Palette, width: int = 10, estimate: float | None = None
) -> Text:
    """`spend $12.40 / $20.00 [██████░░░░] 62%`, coloured at the guide's 80% and 100% marks; spend estimated from
    token counters (services no ledger reads) beside it, `+ ≈$1.23 est.`, and in the bar."""
    out = Text("spend ")
    if spend is None and estimate is None:
        out.append("–", style=p.dim)
        return out
    if spend is not None:
        out.append(fmt_money(spend), style="bold")
    if estimate is not None:
        out.append(("" if spend is None else " + ") + f"≈{fmt_money(estimate)} est.", style="italic")
    spend = (spend or 0.0) + (estimate or 0.0)
    if not budget:
        out.append(" today")
        return out
    share = spend / budget
    style = p.crit if share >= 1 else p.warn if share >= 0.8 else p.ok
    filled = min(width, round(share * width))
    out.append(f" / {fmt_money(budget)} ")
    out.append("█" * filled, style=style)
    out.append("░" * (width - filled), style=p.dim)
    out.append(f" {fmt_rate(share)}", style=f"bold {style}")
    return out


def docker_summary(v: ServiceView) -> str:
    """One line about a service's containers for the overview's panel: memory as a share of the limit (the guide
    alerts above 80%) and restarts in the last 5 minutes; empty without containers."""
    if not v.containers:
        return ""
    shares = [c.mem_bytes / c.mem_limit for c in v.containers if c.mem_bytes is not None and c.mem_limit]
    parts = [f"{len(v.containers)} container{'s' if len(v.containers) > 1 else ''}"]
    if shares:
        parts.append(f"memory {fmt_rate(max(shares))} of limit")
    parts.append(f"{v.restarts_recent} restarts in 5m")
    return " · ".join(parts)


def trend_title(v: ServiceView, status: Status, reason: str, p: Palette) -> Text:
    """The trend panel's line: the selected service's status, name and reason, and its containers at a glance."""
    line = Text.assemble(status_cell(status, p), "  ", (clean(v.name, 64), "bold"), "  ")
    line.append(clean(reason, 200), style=reason_style(status, p))
    docker = docker_summary(v)
    if docker:
        line.append(f"  [{docker}]", style=p.dim)
    return line
