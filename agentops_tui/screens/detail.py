"""Enter on a row: everything known about one service: checks, breakers, recent samples, last error, raw fields."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from agentops_tui.actions.docker_exec import fmt_cpus
from agentops_tui.detail_sources import source_sections
from agentops_tui.presentation import (
    Palette,
    fmt_bytes,
    fmt_duration,
    fmt_money,
    fmt_number,
    fmt_rate,
    fmt_seconds,
    status_cell,
)
from probes.model import MEMORY_WARN, Status
from probes.text.sanitize import clean
from probes.text.units import fmt_limit
from probes.view import FleetSnapshot, ServiceView, status_now

if TYPE_CHECKING:
    from agentops_tui.app import AgentOpsApp


def _clock(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%H:%M:%S") if ts else "–"


def _value(v: Any, key: str = "") -> Text:
    if v is None:  # a limit that is not set is no limit; anything else not set is unknown
        return Text(fmt_limit(None) if key.startswith("max_") or key.endswith("_limit") else "–")
    if isinstance(v, bool):
        return Text("ok" if v else "FAIL", style="" if v else "bold red")
    if isinstance(v, (dict, list)):
        return Text(clean(json.dumps(v, default=str), 300))
    return Text(clean(v, 300))


def detail_renderable(v: ServiceView, st: Status, reason: str, p: Palette) -> Group:
    """The whole detail page as Rich renderables (pure, so it can be tested without an app)."""
    head = Text.assemble(status_cell(st, p), "  ", (clean(v.name, 80), "bold"), "  ", (clean(v.kind, 20), p.dim))
    if v.description:
        head.append("\n" + clean(v.description, 200), style=p.dim)
    head.append("\n")
    head.append(clean(reason, 300), style=p.of(st) if st is not Status.OK else "")

    facts = Table.grid(padding=(0, 2))
    rows = (
        ("p95 latency", fmt_seconds(v.latency_p95_s)),
        ("error rate", fmt_rate(v.error_rate)),
        ("requests/s", f"{v.requests_per_s:.2f}" if v.requests_per_s is not None else "–"),
        ("tokens/min", fmt_number(v.tokens_per_min)),
        ("active tasks", fmt_number(v.active_tasks)),
        ("cost/hour (reported)", fmt_money(v.cost_hourly_usd)),
        ("spend today", f"{fmt_money(v.spend_today_usd)} in {fmt_number(v.calls_today)} calls"),
        ("uptime", fmt_duration(v.uptime_s)),
        ("draining", "yes" if v.draining else "no"),
        ("pid / cpu / memory", f"{v.pid or '–'} / "
         f"{f'{v.cpu_percent:.0f}%' if v.cpu_percent is not None else '–'} / {fmt_bytes(v.rss_bytes)}"),
        ("health HTTP status", str(v.health_http_status or "–")),
        ("sources", ", ".join(v.sources) or "–"),
    )  # fmt: skip
    known = _known(v)
    for k, val in rows:
        if known.get(k, True):  # a queue has no latency, a process no HTTP status: no rows of dashes
            facts.add_row(Text(k, style=p.dim), Text(val))

    checks = Table(title="Checks", title_justify="left", expand=False, show_edge=False)
    checks.add_column("check")
    checks.add_column("value")
    for k, val in v.checks:
        checks.add_row(Text(clean(k, 60)), _value(val, k))

    breakers = Table(title="Breakers", title_justify="left", show_edge=False)
    breakers.add_column("dependency")
    breakers.add_column("state")
    for dep, state in v.breakers:
        style = p.crit if state == "open" else p.warn if state == "half_open" else p.ok
        breakers.add_row(Text(clean(dep, 60)), Text(state, style=style))

    samples = Table(title="Recent samples", title_justify="left", show_edge=False)
    for col in ("time", "status", "p95", "errors", "tasks", "note"):
        samples.add_column(col)
    for s in reversed(v.samples[-10:]):
        samples.add_row(
            Text(_clock(s.at)), status_cell(s.status, p), Text(fmt_seconds(s.latency_p95_s)),
            Text(fmt_rate(s.error_rate)), Text(fmt_number(s.active_tasks)), Text(clean(s.note, 80)),
        )  # fmt: skip

    last = Text("Last error  ", style="bold")
    last.append(f"{_clock(v.last_error_at)}  {clean(v.last_error, 300)}" if v.last_error else "none", style="")

    extra = Table(title="Other health fields", title_justify="left", show_edge=False)
    extra.add_column("field")
    extra.add_column("value")
    for k, val in v.extra:
        extra.add_row(Text(clean(k, 60)), _value(val, k))
    own = [*source_sections(v, p)]  # what this kind of service has that others do not comes first
    if v.containers:
        own += [Text(""), containers_table(v, p)]
    if v.native:
        own += [Text(""), native_table(v)]
    parts: list[Any] = [head, *_alerts(v, p), *own, Text(""), facts]
    for table, shown in ((checks, v.checks), (breakers, v.breakers), (samples, v.samples)):
        if shown:
            parts += [Text(""), table]
    parts += [Text(""), last]
    if v.extra:
        parts += [Text(""), extra]
    return Group(*parts)


def _known(v: ServiceView) -> dict[str, bool]:
    """Which facts this service reports (by their label); the others are left out rather than shown as dashes."""
    process = (v.pid, v.cpu_percent, v.rss_bytes)
    return {
        "p95 latency": v.latency_p95_s is not None, "error rate": v.error_rate is not None,
        "requests/s": v.requests_per_s is not None, "tokens/min": v.tokens_per_min is not None,
        "active tasks": v.active_tasks is not None, "cost/hour (reported)": v.cost_hourly_usd is not None,
        "spend today": v.spend_today_usd is not None, "uptime": v.uptime_s is not None,
        "draining": v.draining or v.health_http_status is not None,
        "pid / cpu / memory": any(x is not None for x in process),
        "health HTTP status": v.health_http_status is not None, "sources": bool(v.sources),
    }  # fmt: skip


def _alerts(v: ServiceView, p: Palette) -> list[Any]:
    """The service's pending and firing alerts, right under its name (nothing when it has none)."""
    if not v.alerts:
        return []
    alerts = Table(title="Alerts", title_justify="left", show_edge=False)
    for col in ("state", "alert", "since", "source", "summary"):
        alerts.add_column(col)
    for a in v.alerts:
        style = p.crit if a.severity == "critical" else p.warn
        alerts.add_row(
            Text(a.state, style=f"bold {style}" if a.state == "firing" else style), Text(clean(a.name, 60)),
            Text(_clock(a.since)), Text(a.source, style=p.dim), Text(clean(a.summary, 200)),
        )  # fmt: skip
    return [Text(""), alerts]


def containers_table(v: ServiceView, p: Palette) -> Table:
    """The Docker panel: per container its state, health, restarts (and growth), memory against its limit."""
    t = Table(title=f"Containers ({v.restarts_recent} restarts in the last 5m)", title_justify="left", show_edge=False)
    for col in (
        "container",
        "state",
        "health",
        "restarts",
        "uptime",
        "cpu",
        "memory / limit",
        "cpu limit",
        "last check",
    ):
        t.add_column(col)
    now = time.time()
    for c in v.containers[:20]:
        state_style = (
            p.ok if c.state == "running" else p.crit if c.state in ("exited", "dead", "restarting") else p.warn
        )
        health_style = {"healthy": p.ok, "unhealthy": p.crit, "starting": p.warn}.get(c.health or "", p.dim)
        if c.mem_bytes is not None and c.mem_limit:
            share = c.mem_bytes / c.mem_limit
            mem = Text(f"{fmt_bytes(c.mem_bytes)} / {fmt_bytes(c.mem_limit)} ({fmt_rate(share)})",
                       style=p.warn if share > MEMORY_WARN else "")  # fmt: skip
        else:
            mem = Text(f"{fmt_bytes(c.mem_bytes)} / no limit")
        exit_note = f" (code {c.exit_code}{', OOMKilled' if c.oom_killed else ''})" if c.state != "running" else ""
        t.add_row(
            Text(clean(c.name, 40)), Text(clean(c.state + exit_note, 40), style=state_style),
            Text(clean(c.health or "–", 20), style=health_style), Text(str(c.restart_count)),
            Text(fmt_duration(now - c.started_at) if c.started_at and c.state == "running" else "–"),
            Text(f"{c.cpu_percent:.0f}%" if c.cpu_percent is not None else "–"), mem,
            Text(fmt_cpus(c.cpus_limit)), Text(clean(c.health_output or "–", 80), style=p.dim),
        )  # fmt: skip
    return t


def native_table(v: ServiceView) -> Table:
    """What systemd or launchd says about the service (a launchd environment arrives already masked)."""
    table = Table(title="Service manager", title_justify="left", show_edge=False)
    table.add_column("field")
    table.add_column("value")
    for k, val in v.native:
        table.add_row(Text(clean(k, 80)), Text(clean(val, 300)))
    return table


class DetailScreen(Screen[None]):
    """Live detail of one service; follows new snapshots while open."""

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="detail.back"),
        Binding("l", "logs", "Logs", id="detail.logs"),
        Binding("r", "act('restart')", "Restart", id="detail.restart"),
        Binding("t", "act('throttle')", "Throttle", id="detail.throttle"),
        Binding("d", "act('drain')", "Drain", id="detail.drain"),
        Binding("R", "act('resume')", "Resume", show=False, id="detail.resume"),
        Binding("S", "act('start')", "Start", show=False, id="detail.start"),
    ]

    app: AgentOpsApp

    def __init__(self, name: str) -> None:
        super().__init__()
        self.service_name = name
        self._view: ServiceView | None = None
        self._status: tuple[Status, str] | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-scroll"):
            yield Static("", id="detail-body")
        yield Footer()

    ready = False

    def on_mount(self) -> None:
        self.ready = True
        self.set_interval(1.0, self._tick)
        if self.app.snapshot is not None:
            self.show_fleet(self.app.snapshot)

    def action_logs(self) -> None:
        self.app.open_logs(self.service_name)

    def targets(self) -> list[str]:
        """What the command palette's actions apply to here: this service."""
        return [self.service_name]

    def action_act(self, kind: str) -> None:
        """The overview's action keys, for this service, through the same controller and safety layer."""
        self.app.controller.request([self.service_name], kind)  # type: ignore[arg-type]

    def _tick(self) -> None:
        if self.app.snapshot is not None:
            self.show_fleet(self.app.snapshot)

    def show_fleet(self, snap: FleetSnapshot) -> None:
        if not self.ready:
            return
        view = self.app.view_of(self.service_name)
        if view is None:
            self.query_one("#detail-body", Static).update(Text(f"{clean(self.service_name)} is no longer configured"))
            return
        status = status_now(view, self.app.clock())
        if view is self._view and status == self._status:
            return
        self._view, self._status = view, status
        self.query_one("#detail-body", Static).update(detail_renderable(view, *status, self.app.palette))
