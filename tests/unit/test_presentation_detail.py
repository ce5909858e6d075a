"""The detail page's sections without an app: what a service does not report is left out, containers say why
they stopped, and every value from outside is shown as written."""

from __future__ import annotations

from agentops_tui.presentation import Palette
from agentops_tui.presentation.detail import (
    container_cells,
    detail_renderable,
    facts_table,
    field_value,
    last_error_text,
)
from probes.model import Alert, ContainerInfo, Status
from tests.fixtures.fleet import T0, static_snapshot, view
from tests.fixtures.plain import plain

P = Palette()
HOSTILE = "[@click=app.quit]x[/]"


def test_facts_leave_out_what_the_service_does_not_report() -> None:
    queue = view("q", Status.OK, "depth 3", latency_p95_s=None, error_rate=None, requests_per_s=None,
                 tokens_per_min=None, spend_today_usd=None, pid=None, cpu_percent=None, rss_bytes=None)  # fmt: skip
    text = plain(facts_table(queue, P))
    assert "active tasks" in text and "sources" in text
    assert not any(label in text for label in ("p95 latency", "error rate", "tokens/min", "pid / cpu", "HTTP"))
    full = plain(facts_table(view("a", Status.OK, "healthy", health_http_status=200), P))
    assert "pid / cpu / memory  4242 / 2% / 25M" in full and "draining" in full


def test_values_are_words_json_or_text_never_markup() -> None:
    assert field_value(True).plain == "ok" and field_value(False).plain == "FAIL"
    assert field_value(None, "max_tokens").plain == "unlimited" and field_value(None, "other").plain == "–"
    assert field_value({"a": [1]}).plain == '{"a": [1]}' and field_value(HOSTILE).plain == HOSTILE


def test_a_stopped_container_says_its_exit_and_its_memory_share() -> None:
    c = ContainerInfo(id="1", name=HOSTILE, state="exited", exit_code=137, oom_killed=True, restart_count=4,
                      mem_bytes=950 << 20, mem_limit=1 << 30, cpus_limit=0.5)  # fmt: skip
    cells = [t.plain for t in container_cells(c, P, now=T0)]
    assert cells[:4] == [HOSTILE, "exited (code 137, OOMKilled)", "–", "4"]
    assert cells[4] == "–" and cells[6] == "950M / 1.0G (93%)" and cells[7] == "0.5 CPUs"


def test_the_page_puts_alerts_first_and_the_last_error_last() -> None:
    alert = Alert("writer", "error_rate", "firing", T0, 0.3, "errors 30%", severity="critical")
    v = view("writer", Status.CRIT, "error rate 30%", alerts=(alert,), last_error="HTTP 503", last_error_at=T0)
    text = plain(detail_renderable(v, Status.CRIT, "error rate 30%", P))
    assert text.index("Alerts") < text.index("p95 latency") < text.index("Last error")
    assert "HTTP 503" in last_error_text(v).plain


def test_the_fixture_planner_shows_every_section() -> None:
    planner = static_snapshot().services[0]
    text = plain(detail_renderable(planner, Status.STALE, "no data for 9s", P))
    for section in ("◌ STALE", "Plans multi-step tasks", "Checks", "Breakers", "Recent samples", "Other health"):
        assert section in text
