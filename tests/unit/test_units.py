"""One rounding everywhere: each kind of number is written one way, by the table, the detail, the reasons, the
alerts, the Spend screen and `check`, so a value read in a column is the value read in the reason beside it."""

from __future__ import annotations

from agentops_tui.check import snapshot_table
from agentops_tui.presentation import Palette
from agentops_tui.presentation.alerts import alert_row
from agentops_tui.presentation.detail import detail_renderable
from agentops_tui.presentation.overview import budget_text, row_cells
from agentops_tui.presentation.spend import headline, service_cells
from probes.config import BudgetConfig, Thresholds
from probes.fleet.status import metrics_verdicts
from probes.model import Alert, MetricsDerived, MetricsResult, SpendRow, SpendSummary, Status
from probes.spend.budget import evaluate_budget
from probes.text.units import fit, fmt_count, fmt_limit, fmt_money, fmt_percent, fmt_ratio, fmt_seconds
from probes.view import FleetSnapshot
from tests.fixtures.fleet import view
from tests.fixtures.plain import plain

P = Palette()


def test_the_rules() -> None:
    assert [fmt_percent(x) for x in (None, 0.0, 0.004, 0.075, 0.05, 0.0996, 0.1234, 1.2)] == [
        "–", "0%", "0.4%", "7.5%", "5%", "10%", "12%", "120%",
    ]  # fmt: skip
    # Seconds in one unit, about three significant digits; a threshold reads as it was configured.
    assert [fmt_seconds(x) for x in (None, 0.0042, 0.046, 0.975, 1.8, 10.0, 16.94, 123.4)] == [
        "–", "0.004s", "0.046s", "0.97s", "1.8s", "10s", "16.9s", "123s",
    ]  # fmt: skip
    assert [fmt_money(x) for x in (None, 0.0, 0.0042, 0.6755, 5.0, 1234.5, -1.2)] == [
        "–", "$0.00", "$0.0042", "$0.68", "$5.00", "$1,234.50", "-$1.20",
    ]  # fmt: skip
    assert [fmt_count(x) for x in (None, 3.0, 448850.0)] == ["–", "3", "448,850"]
    assert [fmt_ratio(x) for x in (None, 2.0, 31.66)] == ["–", "2x", "31.7x"]
    assert [fmt_limit(x) for x in (None, 600)] == ["unlimited", "600"]


def test_reason_and_columns_agree() -> None:
    m = MetricsResult(at=0, elapsed_s=0.01, derived=MetricsDerived(latency_p95_s=12.34, error_rate=0.075))
    reasons = "; ".join(v.reason for v in metrics_verdicts(m, Thresholds(), primary=True))
    assert reasons == "error rate 7.5% >= 5%; p95 12.3s >= 10s"
    v = view("a", Status.WARN, reasons, latency_p95_s=12.34, error_rate=0.075)
    p95, err = row_cells(v, P, columns=("p95", "err"))
    assert (p95.plain, err.plain) == ("12.3s", "7.5%")
    fast = row_cells(view("b", Status.OK, "", latency_p95_s=0.975), P, columns=("p95",))[0].plain
    assert fast == "0.97s"  # never "975ms" in a column that also shows "1.8s"


def test_money_two_decimals_on_every_screen() -> None:
    row = SpendRow("writer", usd=0.6755, reported_usd=0.6755, calls=3, burn_usd_per_h=0.2)
    assert [c.plain for c in service_cells(row, None, P)][1:3] == ["$0.68", "$0.68"]
    summary = SpendSummary(today=SpendRow("today", usd=0.6755), burn_usd_per_h=0.2, services=(row,))
    assert "$0.6755" not in headline(summary, None, P).plain and "$0.68" in headline(summary, None, P).plain
    state = evaluate_budget(BudgetConfig(daily_usd=20.0), 11.66, 11.66, 0.0, 3600)
    assert state.reason == "" and budget_text(11.66, 20.0, P).plain.endswith("58%")
    over = evaluate_budget(BudgetConfig(daily_usd=1.0), 1.2, 1.2, 0.0, 3600)
    assert over.reason == "daily budget 120% ($1.20 of $1.00)"


def test_detail_separates_thousands_and_names_no_limit() -> None:
    v = view("a", Status.OK, "healthy", tokens_per_min=448850.0,
             extra=(("max_requests_per_minute", None), ("version", None)))  # fmt: skip
    text = plain(detail_renderable(v, Status.OK, "healthy", P))
    assert "448,850" in text and "448850" not in text
    line = next(ln for ln in text.splitlines() if "max_requests_per_minute" in ln)
    assert "unlimited" in line and "None" not in text
    assert "–" in next(ln for ln in text.splitlines() if ln.strip().startswith("version"))


def test_alert_values_carry_their_unit() -> None:
    def value(name: str, v: float, threshold: float) -> str:
        return alert_row(Alert("a", name, "firing", 0.0, v, "", threshold=threshold), 0.0, P)[3].plain

    assert value("error_rate", 0.0522, 0.05) == "5.2% > 5%"
    assert value("cost_hourly", 31.66, 2.0) == "31.7x > 2x"
    assert value("latency_p95", 16.94, 10.0) == "16.9s > 10s"
    assert value("memory", 0.86, 0.8) == "86% > 80%"
    assert value("queue_stalled", 64.0, 0.0) == "64s"
    assert value("breaker_open", 1.0, 0.0) == "1 open"


def test_check_table_uses_the_same_formats() -> None:
    v = view("a", Status.WARN, "error rate 7.5% >= 5%", error_rate=0.075, latency_p95_s=0.975,
             spend_today_usd=1234.5, active_tasks=12000.0)  # fmt: skip
    snap = FleetSnapshot(services=(v,), daily_budget_usd=2000.0, spend_today_usd=1234.5)
    row = snapshot_table(snap).splitlines()[1]
    for shown in ("0.97s", "7.5%", "$1,234.50", "12,000"):
        assert shown in row, (shown, row)
    assert "spend today: $1,234.50 of $2,000.00" in snapshot_table(snap)


def test_check_table_keeps_a_dns_error_whole_and_cuts_only_at_a_word() -> None:
    dns = "health: DNS lookup failed: Cannot connect to host agent-planner.internal:8101 ssl:default " \
          "[Name or service not known]"  # fmt: skip
    long = "; ".join(f"cause number {i} with several words" for i in range(12))
    views = (view("dns", Status.CRIT, dns), view("long", Status.CRIT, long))
    table = snapshot_table(FleetSnapshot(services=views, daily_budget_usd=None, spend_today_usd=None))
    assert table.splitlines()[1].endswith("[Name or service not known]")
    cut = table.splitlines()[2]
    assert cut.endswith("…") and cut[:-1].split()[-1] in long.split()  # the last word kept is whole
    assert fit("abc def", 7) == "abc def" and fit("abc defgh", 8) == "abc …" and fit("abcdefghij", 5) == "abcd…"
