"""Records an agent's own cost tracker writes carry no `service` field: they are the spend of the service whose
ledger reads them (read through the real probe, summed to the cent), unless another service reads that file too."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from probes.config import ledger_keys, ledger_readers
from probes.config.load import parse_config
from probes.fleet.state import FleetState
from probes.sources.ledger.probe import LedgerProbe


def guide_records(path: Path, costs: list[float]) -> None:
    """CostRecord fields as the guide's tracker persists them: timestamp, model, tokens, cost, task id."""
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    path.write_text("".join(json.dumps({"timestamp": now, "model": "claude-sonnet", "input_tokens": 1200,
                                        "output_tokens": 300, "cost_usd": c, "task_id": f"t{i}"}) + "\n"
                            for i, c in enumerate(costs)))  # fmt: skip


def state_after_read(text: str, ledger: Path) -> FleetState:
    cfg, _ = parse_config(text.replace("LEDGER", str(ledger)), "t.yaml", {})
    state = FleetState(cfg)
    state.apply(f"ledger:{ledger}", LedgerProbe(str(ledger), 2, 1).read())
    return state


def test_a_ledger_read_by_one_service_is_its_spend_to_the_cent(tmp_path: Path) -> None:
    ledger = tmp_path / "costs.jsonl"
    costs = [0.0123, 0.4567, 1.25, 0.0001] * 25
    guide_records(ledger, costs)
    state = state_after_read("services:\n  - name: agent\n    ledger: {path: LEDGER}\n", ledger)
    view = state.services["agent"].view
    assert view.spend_today_usd is not None and round(view.spend_today_usd, 2) == round(sum(costs), 2)
    assert view.calls_today == 100


def test_a_shared_ledger_gives_untagged_records_only_to_who_asks_for_them(tmp_path: Path) -> None:
    ledger = tmp_path / "costs.jsonl"
    guide_records(ledger, [2.0, 3.0])
    text = "services:\n  - name: a\n    ledger: {path: LEDGER}\n  - name: b\n    ledger: {path: LEDGER}\n"
    state = state_after_read(text, ledger)
    assert [state.services[n].view.spend_today_usd for n in "ab"] == [0.0, 0.0]  # whose they are is unknown
    state = state_after_read(text.replace("{path: LEDGER}\n  - name: b", "{path: LEDGER, service: ''}\n  - name: b"),
                             ledger)  # fmt: skip
    assert [state.services[n].view.spend_today_usd for n in "ab"] == [5.0, 0.0]


def test_keys_and_reader_agree() -> None:
    cfg, _ = parse_config(
        "services:\n  - name: a\n    ledger: {path: /one}\n  - name: b\n    ledger: {path: /two, service: bee}\n"
        "  - name: c\n    ledger: {path: /two}\n", "t.yaml", {},
    )  # fmt: skip
    assert [ledger_keys(cfg, s) for s in cfg.services] == [("a", ""), ("bee",), ("c",)]
    assert [ledger_readers(cfg).get(v) for v in ("a", "", "bee", "c", "zed")] == ["a", "a", "b", "c", None]


def test_the_fleets_model_tiers_reach_the_spend_screen(tmp_path: Path) -> None:
    ledger = tmp_path / "costs.jsonl"
    guide_records(ledger, [1.0, 2.0])
    text = "model_tiers: {standard: [claude-sonnet*]}\nservices:\n  - name: agent\n    ledger: {path: LEDGER}\n"
    snap = state_after_read(text, ledger).snapshot()
    assert snap.spend is not None and [(t.name, t.usd) for t in snap.spend.tiers] == [("standard", 3.0)]
