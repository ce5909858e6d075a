"""The real LiteLLM proxy (PyPI 1.106.12) in front of a local OpenAI-compatible stand-in: readiness, deployments
as breakers on the proxy's row, and spend and tokens read back from its metrics matching the calls made."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from agentops_tui.actions.journal import Journal
from agentops_tui.actions.layer import ActionLayer
from agentops_tui.actions.model import ActionRequest, Plan
from agentops_tui.app import make_app
from agentops_tui.widgets.service_table import ServiceTable
from probes.config import LiteLLMConfig
from probes.config.load import parse_config
from probes.http.client import make_client
from probes.http.fast import Redirect
from probes.model import Status
from probes.sources.litellm.probe import LITELLM_METRICS, LiteLLMProbe, LiteLLMResult
from probes.sources.metrics.probe import MetricsProbe
from probes.spend.prices import PriceBook
from tests.functional.helpers import row_status, row_text, wait_until
from tests.testbed.litellm import MASTER_KEY, LiteLLMProxy, running_proxy
from tests.waiting import agather

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiteLLMProxy]:
    with running_proxy(tmp_path_factory.mktemp("litellm")) as p:
        yield p


async def scrape(probe: LiteLLMProbe, timeout: float = 20.0) -> LiteLLMResult:
    """One good scrape (the proxy's first /metrics/ after start can be slow on a loaded machine: retry)."""
    result = await agather(probe.collect, lambda r: r.metrics.ok, timeout)
    assert result.metrics.ok, result.metrics.error
    return result


async def wait_for_calls(probe: LiteLLMProbe, calls: int, timeout: float = 20.0) -> LiteLLMResult:
    """The proxy updates its metrics just after answering: scrape until `calls` successful calls show."""
    r = await agather(
        lambda: scrape(probe), lambda r: r.summary is None or r.summary.today.calls >= calls, timeout, 0.3
    )
    assert r.summary is not None
    return r


def config_text(proxy: LiteLLMProxy, interval: float = 1.0) -> str:
    return (
        f"refresh_interval: {interval}\nservices:\n  - name: model-proxy\n    kind: proxy\n"
        f"    litellm: {{url: '{proxy.url}', key_env: AOTEST_LITELLM_KEY, timeout: {interval * 0.9}}}\n"
    )


async def test_readiness_spend_and_tokens_match_the_calls_made(
    proxy: LiteLLMProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AOTEST_LITELLM_KEY", MASTER_KEY)
    cfg = LiteLLMConfig(url=proxy.url, key_env="AOTEST_LITELLM_KEY")
    async with make_client(10) as client:
        probe = LiteLLMProbe("model-proxy", cfg, client, 4.0, 3.0, 4 << 20)
        first = await scrape(probe)
        assert first.ok and first.health.status == "healthy"
        assert first.health.checks == {"alive": True, "ready": True}
        assert first.health.extra.get("db") == "Not connected"  # readiness fields are kept for the detail view
        before = first.summary.today if first.summary is not None else None
        calls_before = before.calls if before is not None else 0
        usd_before = before.usd if before is not None else 0.0
        tin_before = before.input_tokens if before is not None else 0
        tout_before = before.output_tokens if before is not None else 0

        codes = await asyncio.to_thread(proxy.chat, 3)
        assert codes == [200, 200, 200]
        after = await wait_for_calls(probe, calls_before + 3)
        assert after.summary is not None
        today = after.summary.today
        assert today.calls - calls_before == 3
        assert today.input_tokens - tin_before == 300 and today.output_tokens - tout_before == 60
        expected = PriceBook().cost("gpt-4o-mini", 100, 20)  # genai-prices, offline
        assert expected is not None
        assert today.usd - usd_before == pytest.approx(3 * expected, rel=1e-6)
        assert [r.name for r in after.summary.models] == ["gpt-4o-mini"]  # by model
        assert [r.name for r in after.summary.services] == ["master key"]  # by key (never the key itself)
        assert all(MASTER_KEY not in repr(s) for s in after.spend)
        assert [d.state for d in after.deployments] == ["closed"]
        assert after.metrics.breakers == {"gpt-4o-mini": "closed"}


async def test_failing_upstream_turns_the_deployment_breaker_on_the_proxy_row(
    proxy: LiteLLMProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AOTEST_LITELLM_KEY", MASTER_KEY)
    cfg, _ = parse_config(config_text(proxy), "proxy.yaml")
    app = make_app(cfg)
    try:
        async with app.run_test(size=(140, 30)) as pilot:
            table = app.screen.query_one(ServiceTable)
            assert await asyncio.to_thread(proxy.chat, 2) == [200, 200]
            assert await wait_until(pilot, lambda: row_text(table, "model-proxy")["breaker"] == "1/1 ok", 15)
            assert row_status(table, "model-proxy") is Status.OK
            view = app.view_of("model-proxy")
            assert view is not None and view.spend_today_usd is not None and view.spend_today_usd > 0
            assert app.snapshot is not None and app.snapshot.spend is not None  # one more spend source

            proxy.upstream.failing = True
            codes = await asyncio.to_thread(proxy.chat, 5)
            assert all(code >= 500 for code in codes)
            assert await wait_until(
                pilot, lambda: row_text(table, "model-proxy")["breaker"] in ("1 half", "1 open"), 20
            )
            view = app.view_of("model-proxy")
            assert view is not None and view.litellm is not None
            (dep,) = view.litellm.deployments
            assert dep.state in ("half_open", "open") and dep.failures >= 5
            assert row_status(table, "model-proxy") in (Status.WARN, Status.CRIT)  # 5xx error rate
    finally:
        proxy.upstream.failing = False


async def test_a_metrics_url_without_the_slash_follows_the_proxys_own_redirect(
    proxy: LiteLLMProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`metrics: {url: .../metrics}` on the proxy: it answers with a redirect to /metrics/ on its own origin, which
    the poll follows with its headers (a redirect to another origin would not be)."""
    monkeypatch.setenv("AOTEST_LITELLM_KEY", MASTER_KEY)
    cfg = replace(LITELLM_METRICS, url=f"{proxy.url}/metrics", token_env="AOTEST_LITELLM_KEY")
    async with make_client(4) as client:
        with pytest.raises(Redirect) as hop:
            await client.fast.get(cfg.url, {}, 20.0, 4 << 20)
        assert hop.value.status in (301, 302, 307, 308) and hop.value.location.endswith("/metrics/")
        probe = MetricsProbe("model-proxy", cfg, client, 4.0, 20.0, 4 << 20)
        result = await probe.collect()
    assert result.ok, result.error
    assert result.series > 0  # the proxy's own metrics were read at /metrics/


async def test_proxy_down_is_crit_with_the_reason(tmp_path: Path) -> None:
    """A proxy that refuses connections: the liveness probe says so; nothing raises."""
    async with make_client(4) as client:
        probe = LiteLLMProbe("p", LiteLLMConfig(url="http://127.0.0.1:9"), client, 2.0, 1.0, 1 << 20)
        r = await probe.collect()
    assert r.health.error is not None and r.health.error.kind == "refused"
    assert "liveliness" in r.health.error.message
    assert r.metrics.error is not None


async def test_check_models_now_is_a_confirmed_journaled_action(
    proxy: LiteLLMProxy, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The proxy's costly /health runs only through the action layer: planned, confirmed, journaled around it."""
    monkeypatch.setenv("AOTEST_LITELLM_KEY", MASTER_KEY)
    cfg, _ = parse_config(
        config_text(proxy) + "  - name: planner\n    health: {url: 'http://127.0.0.1:9/h'}\n", "p.yaml"
    )
    journal = Journal(tmp_path / "audit.jsonl")
    layer = ActionLayer(cfg, journal, lambda name: None)
    assert layer.supported("planner", "check_models") is not None  # only a LiteLLM proxy has it
    plan = layer.plan(ActionRequest("model-proxy", "check_models"))
    assert isinstance(plan, Plan)
    assert plan.operation.description == f"GET {proxy.url}/health (a real request to every model: costs money)"
    calls = proxy.upstream.calls
    layer.confirm(plan)
    outcome = await layer.run(plan)
    assert outcome.ok, outcome.detail
    assert outcome.detail == "1 healthy, 0 unhealthy"
    assert proxy.upstream.calls > calls  # it really called the model
    phases = [r["phase"] for r in journal.tail() if r["action"] == "check_models"]
    assert phases == ["requested", "confirmed", "started", "succeeded"]
    assert MASTER_KEY not in (tmp_path / "audit.jsonl").read_text()
