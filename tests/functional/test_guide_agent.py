"""The dashboard on an agent written the deployment guide's way (agentops_tui/demo/guide.py), run as a plain
process with a real model provider it calls over HTTP: numbers, spend to the cent, the breaker its log names, rate
limits; and the same agent in the demo fleet."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from agentops_tui.check import run_check
from agentops_tui.demo.fleet import DemoFleet
from agentops_tui.demo.roster import GUIDE_NAME
from probes.config.load import load_config, parse_config
from tests.fixtures.guide import Provider, ledger_usd, polling
from tests.functional.helpers import free_port
from tests.testbed import stop
from tests.waiting import wait_for

pytestmark = pytest.mark.timeout(180)
ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def guide_agent(tmp_path: Path, provider: Provider) -> Iterator[tuple[int, Path, Path]]:
    port, ledger, log = free_port(), tmp_path / "costs.jsonl", tmp_path / "agent.jsonl"
    argv = [sys.executable, "-m", "agentops_tui.demo.guide", "--port", str(port), "--provider", provider.url,
            "--ledger", str(ledger), "--interval", "0.1", "--recovery", "5"]  # fmt: skip
    with log.open("wb") as err:
        proc = subprocess.Popen(argv, cwd=ROOT, stderr=err, stdout=subprocess.DEVNULL)
    try:
        wait_for(lambda: b"agent_started" in log.read_bytes(), 20, "the guide agent to start")
        yield port, ledger, log
    finally:
        stop(proc)


def opened_at(log: Path) -> float | None:
    """When the agent logged circuit_opened (the time the line was read back, a poll's grain is enough)."""
    return time.time() if b'"circuit_opened"' in log.read_bytes() else None


def test_a_guide_agent_lights_up_as_a_plain_process(tmp_path: Path) -> None:
    provider = Provider()
    with guide_agent(tmp_path, provider) as (port, ledger, log):
        text = (
            "refresh_interval: 1.0\nservices:\n  - name: guide\n"
            f"    health: {{url: 'http://127.0.0.1:{port}/health'}}\n"
            f"    metrics: {{url: 'http://127.0.0.1:{port}/metrics'}}\n"
            f"    ledger: {{path: '{ledger}'}}\n"
            f"    logs: {{path: '{log}', format: json}}\n"
        )
        cfg, _ = parse_config(text, "guide.yaml", {})
        with polling(cfg) as polled:
            v = wait_for(polled.numbers, 30, "p95, error rate and spend from the guide agent")
            assert v.status.value == "OK", v.reason
            provider.mode = "fail"  # no more records: the spend on the row must come to the ledger's, to the cent
            wait_for(lambda: polled.spend() == round(ledger_usd(ledger), 2), 15, "spend today equal to the records")
            seen = wait_for(lambda: opened_at(log), 20, "the agent to log circuit_opened")
            wait_for(lambda: polled.breakers().get("anthropic") == "open", 10, "the breaker open on the row")
            after = [at for at, _ in polled.snaps if at > seen]  # two polls, and the one in flight when it was read
            assert len(after) <= 3, f"{len(after)} polls after the line before the breaker showed"
            v = polled.view()
            assert v is not None and "model_proxy" in v.reason and "anthropic" in v.reason, v.reason
            provider.mode = "limit"
            limits = wait_for(lambda: polled.log_events().get("rate limited (5 min)"), 20, "rate limits counted")
            assert limits.startswith("anthropic x") and limits.endswith("last retry_after_s 30"), limits
            firing = wait_for(lambda: [a for a in polled.view().alerts if a.name == "rate_limited"], 10, "the alert")  # type: ignore[union-attr]
            assert firing[0].state == "firing" and firing[0].summary.startswith("rate limited"), firing


def test_the_demo_runs_a_guide_agent_beside_its_own(tmp_path: Path) -> None:
    """`make demo` shows both kinds: the guide's agent has no /admin and no breakers field, and its breaker still
    shows open in the failing stretch of its cycle, read from its log."""
    fleet = DemoFleet(tmp_path / "fleet", services=1, cycle_s=20.0, refresh_interval=1.0, guide=True)
    fleet.start(timeout=30)
    try:
        path = tmp_path / "demo.yaml"
        fleet.write_config(path)
        cfg, _ = load_config(path)
        guide = next(s for s in cfg.services if s.name == GUIDE_NAME)
        assert guide.control is None and guide.logs is not None and guide.logs.format == "json"

        def opened() -> dict[str, object] | None:
            snap = json.loads(run_check(cfg, as_json=True, settle_s=0.5)[0])
            row = next(s for s in snap["services"] if s["name"] == GUIDE_NAME)
            return row if row["breakers"].get("anthropic") == "open" else None

        row = wait_for(opened, 40, "the guide agent's breaker open in its failing stretch", step=1.0)
        assert row["spend_today_usd"] > 0 and "tools failed (5 min)" in row["log_events"], row
        pid = fleet.pid_of(GUIDE_NAME)
    finally:
        fleet.stop()
    assert pid is not None and not psutil.pid_exists(pid)


def test_without_a_ledger_spend_is_estimated_from_its_token_counter(tmp_path: Path) -> None:
    """No `ledger:` reads the guide agent: its spend is estimated from agent_tokens_total and the price table, and
    comes to what its cost records say, to the cent, when the prices agree; it is never the ledger's spend. A
    model the table cannot price is named, not counted as free."""
    provider = Provider()
    with guide_agent(tmp_path, provider) as (port, ledger, _log):
        head = f"refresh_interval: 1.0\nservices:\n  - name: guide\n    health: {{url: 'http://127.0.0.1:{port}/health'}}\n"
        metrics = f"    metrics: {{url: 'http://127.0.0.1:{port}/metrics'"
        priced, _ = parse_config(
            head + metrics + ", prices: {claude-sonnet: {input_per_mtok: 3.0, output_per_mtok: 15.0}}}\n",
            "guide.yaml", {},
        )  # fmt: skip
        with polling(priced) as polled:
            wait_for(
                lambda: (v := polled.view()) is not None and v.spend_estimate and v.spend_estimate.usd,
                30,
                "an estimate",
            )
            provider.mode = "fail"  # no more calls: the estimate must come to the records, to the cent

            def estimate() -> float | None:
                v = polled.view()
                return round(v.spend_estimate.usd, 2) if v is not None and v.spend_estimate is not None else None

            wait_for(lambda: estimate() == round(ledger_usd(ledger), 2), 15, "the estimate equal to the records")
            v = polled.view()
            assert v is not None and v.spend_estimate is not None and v.spend_today_usd is None
            assert v.spend_estimate.whole_day and v.spend_estimate.unpriced == ()
            assert polled.snaps[-1][1].spend_today_usd is None and polled.snaps[-1][1].spend is None
        row = json.loads(run_check(priced, as_json=True, settle_s=0.5)[0])
        assert row["services"][0]["spend_today_usd"] is None
        assert row["services"][0]["spend_estimate"]["usd"] == pytest.approx(ledger_usd(ledger), abs=0.005)
        assert row["spend_estimate_usd"] == pytest.approx(ledger_usd(ledger), abs=0.005)
        unpriced, _ = parse_config(head + metrics + "}\n", "guide.yaml", {})  # genai-prices has no "claude-sonnet"
        est = json.loads(run_check(unpriced, as_json=True, settle_s=0.5)[0])["services"][0]["spend_estimate"]
        assert est["unpriced_models"] == ["claude-sonnet"] and est["usd"] == 0.0, est
        assert est["models"]["claude-sonnet"]["input_tokens"] > 0
