"""The detail page of one service as Rich renderables: what its kind has first, then facts, checks, breakers,
recent samples, the last error and any other health fields (pure: tested without an app)."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from agentops_tui.presentation.formats import (
    DASH,
    fmt_bytes,
    fmt_clock,
    fmt_cpu,
    fmt_cpus,
    fmt_duration,
    fmt_money,
    fmt_number,
    fmt_rate,
    fmt_seconds,
)
from agentops_tui.presentation.palette import Palette, breaker_style, status_cell
from agentops_tui.presentation.sources import source_sections
from probes.model import MEMORY_WARN, Status
from probes.text.sanitize import clean
from probes.text.units import fmt_limit

if TYPE_CHECKING:
    from probes.model import ContainerInfo, SpendEstimate
    from probes.view import ServiceView

BLANK = Text("")


def detail_renderable(v: ServiceView, st: Status, reason: str, p: Palette) -> Group:
    """The whole detail page; `st` and `reason` as of now (STALE once the view is old)."""
    parts: list[RenderableType] = [head_text(v, st, reason, p), *alerts_section(v, p)]
    parts += source_sections(v, p)  # what this kind of service has that others do not comes first
    if v.containers:
        parts += [BLANK, containers_table(v, p)]
    if v.native:
        parts += [BLANK, native_table(v)]
    parts += [BLANK, facts_table(v, p)]
    for table, shown in ((checks_table(v), v.checks), (breakers_table(v, p), v.breakers),
                         (log_events_table(v), v.log_events), (samples_table(v, p), v.samples)):  # fmt: skip
        if shown:
            parts += [BLANK, table]
    parts += [BLANK, last_error_text(v)]
    if v.extra:
        parts += [BLANK, fields_table("Other health fields", v.extra)]
    return Group(*parts)


def head_text(v: ServiceView, st: Status, reason: str, p: Palette) -> Text:
    """Status, name and kind; the description; the reason."""
    head = Text.assemble(status_cell(st, p), "  ", (clean(v.name, 80), "bold"), "  ", (clean(v.kind, 20), p.dim))
    if v.description:
        head.append("\n" + clean(v.description, 200), style=p.dim)
    head.append("\n")
    head.append(clean(reason, 300), style=p.of(st) if st is not Status.OK else "")
    return head


def facts_table(v: ServiceView, p: Palette) -> Table:
    """The numbers this service reports; those it does not (a queue's latency) are left out, not dashed."""
    facts = Table.grid(padding=(0, 2))
    rows = (
        ("p95 latency", fmt_seconds(v.latency_p95_s), v.latency_p95_s is not None),
        ("error rate", fmt_rate(v.error_rate), v.error_rate is not None),
        ("requests/s", f"{v.requests_per_s:.2f}" if v.requests_per_s is not None else DASH,
         v.requests_per_s is not None),
        ("tokens/min", fmt_number(v.tokens_per_min), v.tokens_per_min is not None),
        ("active tasks", fmt_number(v.active_tasks), v.active_tasks is not None),
        ("cost/hour (reported)", fmt_money(v.cost_hourly_usd), v.cost_hourly_usd is not None),
        ("spend today", f"{fmt_money(v.spend_today_usd)} in {fmt_number(v.calls_today)} calls",
         v.spend_today_usd is not None),
        ("spend today (est.)", estimate_text(v.spend_estimate) if v.spend_estimate else DASH,
         v.spend_estimate is not None),
        ("uptime", fmt_duration(v.uptime_s), v.uptime_s is not None),
        ("draining", "yes" if v.draining else "no", v.draining or v.health_http_status is not None),
        ("pid / cpu / memory", f"{v.pid or DASH} / {fmt_cpu(v.cpu_percent)} / {fmt_bytes(v.rss_bytes)}",
         any(x is not None for x in (v.pid, v.cpu_percent, v.rss_bytes))),
        ("health HTTP status", str(v.health_http_status or DASH), v.health_http_status is not None),
        ("sources", ", ".join(v.sources) or DASH, bool(v.sources)),
    )  # fmt: skip
    for label, value, known in rows:
        if known:
            facts.add_row(Text(label, style=p.dim), Text(value))
    return facts


def estimate_text(e: SpendEstimate) -> str:
    """`≈$1.23 est. from agent_tokens_total (no ledger)`, since when when not the whole day, and the models with no
    price (left out, not counted as free)."""
    out = f"≈{fmt_money(e.usd)} est. from agent_tokens_total (no ledger)"
    if not e.whole_day:
        out += f" since {time.strftime('%H:%M', time.localtime(e.since))}"
    if e.unpriced:
        out += f"; no price: {clean(', '.join(e.unpriced), 120)}"
    return out


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False)
    for col in columns:
        table.add_column(col)
    return table


def field_value(v: Any, key: str = "") -> Text:
    """A check's or a health field's value: ok/FAIL for booleans, JSON for nested ones, text for the rest."""
    if v is None:  # a limit that is not set is no limit; anything else not set is unknown
        return Text(fmt_limit(None) if key.startswith("max_") or key.endswith("_limit") else DASH)
    if isinstance(v, bool):
        return Text("ok" if v else "FAIL", style="" if v else "bold red")
    if isinstance(v, (dict, list)):
        return Text(clean(json.dumps(v, default=str), 300))
    return Text(clean(v, 300))


def checks_table(v: ServiceView) -> Table:
    checks = Table(title="Checks", title_justify="left", expand=False, show_edge=False)
    checks.add_column("check")
    checks.add_column("value")
    for k, val in v.checks:
        checks.add_row(Text(clean(k, 60)), field_value(val, k))
    return checks


def fields_table(title: str, fields: tuple[tuple[str, Any], ...]) -> Table:
    table = _table(title, "field", "value")
    for k, val in fields:
        table.add_row(Text(clean(k, 60)), field_value(val, k))
    return table


def breakers_table(v: ServiceView, p: Palette) -> Table:
    breakers = _table("Breakers", "dependency", "state")
    for dep, state in v.breakers:
        breakers.add_row(Text(clean(dep, 60)), Text(state, style=breaker_style(state, p)))
    return breakers


def samples_table(v: ServiceView, p: Palette) -> Table:
    """The last ten samples, newest first."""
    samples = _table("Recent samples", "time", "status", "p95", "errors", "tasks", "note")
    for s in reversed(v.samples[-10:]):
        samples.add_row(
            Text(fmt_clock(s.at)), status_cell(s.status, p), Text(fmt_seconds(s.latency_p95_s)),
            Text(fmt_rate(s.error_rate)), Text(fmt_number(s.active_tasks)), Text(clean(s.note, 80)),
        )  # fmt: skip
    return samples


def last_error_text(v: ServiceView) -> Text:
    last = Text("Last error  ", style="bold")
    last.append(f"{fmt_clock(v.last_error_at)}  {clean(v.last_error, 300)}" if v.last_error else "none", style="")
    return last


def alerts_section(v: ServiceView, p: Palette) -> list[RenderableType]:
    """The service's pending and firing alerts, right under its name (nothing when it has none)."""
    if not v.alerts:
        return []
    alerts = _table("Alerts", "state", "alert", "since", "source", "summary")
    for a in v.alerts:
        style = p.crit if a.severity == "critical" else p.warn
        alerts.add_row(
            Text(a.state, style=f"bold {style}" if a.state == "firing" else style), Text(clean(a.name, 60)),
            Text(fmt_clock(a.since)), Text(a.source, style=p.dim), Text(clean(a.summary, 200)),
        )  # fmt: skip
    return [BLANK, alerts]


CONTAINER_COLUMNS = ("container", "state", "health", "restarts", "uptime", "cpu", "memory / limit", "cpu limit",
                     "last check")  # fmt: skip


def containers_table(v: ServiceView, p: Palette, now: float | None = None) -> Table:
    """The Docker panel: per container its state, health, restarts (and growth), memory against its limit."""
    t = _table(f"Containers ({v.restarts_recent} restarts in the last 5m)", *CONTAINER_COLUMNS)
    now = time.time() if now is None else now
    for c in v.containers[:20]:
        t.add_row(*container_cells(c, p, now))
    return t


def container_cells(c: ContainerInfo, p: Palette, now: float) -> tuple[Text, ...]:
    state_style = p.ok if c.state == "running" else p.crit if c.state in ("exited", "dead", "restarting") else p.warn
    health_style = {"healthy": p.ok, "unhealthy": p.crit, "starting": p.warn}.get(c.health or "", p.dim)
    if c.mem_bytes is not None and c.mem_limit:
        share = c.mem_bytes / c.mem_limit
        mem = Text(f"{fmt_bytes(c.mem_bytes)} / {fmt_bytes(c.mem_limit)} ({fmt_rate(share)})",
                   style=p.warn if share > MEMORY_WARN else "")  # fmt: skip
    else:
        mem = Text(f"{fmt_bytes(c.mem_bytes)} / no limit")
    exit_note = f" (code {c.exit_code}{', OOMKilled' if c.oom_killed else ''})" if c.state != "running" else ""
    return (
        Text(clean(c.name, 40)), Text(clean(c.state + exit_note, 40), style=state_style),
        Text(clean(c.health or DASH, 20), style=health_style), Text(str(c.restart_count)),
        Text(fmt_duration(now - c.started_at) if c.started_at and c.state == "running" else DASH),
        Text(fmt_cpu(c.cpu_percent)), mem, Text(fmt_cpus(c.cpus_limit)),
        Text(clean(c.health_output or DASH, 80), style=p.dim),
    )  # fmt: skip


def native_table(v: ServiceView) -> Table:
    """What systemd or launchd says about the service (a launchd environment arrives already masked)."""
    table = _table("Service manager", "field", "value")
    for k, val in v.native:
        table.add_row(Text(clean(k, 80)), Text(clean(val, 300)))
    return table


def log_events_table(v: ServiceView) -> Table:
    """What the service's own log says lately (rate limits, failed tools), the service's words cleaned."""
    table = _table("From its log", "event", "last 5 minutes")
    for k, val in v.log_events:
        table.add_row(Text(clean(k, 80)), Text(clean(val, 300)))
    return table
