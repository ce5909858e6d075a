"""A big JSON-lines backlog is summed by worker processes: same totals as one process, nothing lost if one dies."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
from pathlib import Path

import pytest

import probes.sources.ledger.probe
from probes.files.tail import CHUNK
from probes.sources.ledger.probe import LedgerProbe
from probes.spend.pool import FoldWorker


def write_ledger(path: Path, n: int) -> None:
    """Today's records across services, models and tasks (fewer than MAX_TASKS: no prune, whose survivors depend
    on the order chunks come back in), plus a few odd lines for the record-by-record path."""
    now = dt.datetime.now().astimezone()
    with path.open("w") as fh:
        for i in range(n):
            ts = (now - dt.timedelta(seconds=(n - i) * 0.3)).isoformat()
            rec = {
                "timestamp": ts, "service": f"svc{i % 5}", "model": f"m{i % 3}", "input_tokens": 100 + i % 7,
                "output_tokens": 10 + i % 5, "cost_usd": 0.001 * (1 + i % 4), "task_id": f"t{i // 30}",
                "task_type": "plan",
            }  # fmt: skip
            if i % 1000 == 0:
                rec["cost_usd"] = str(rec["cost_usd"])  # a string cost: not the fast path, still a record
            fh.write(json.dumps(rec) + "\n")
            if i % 5000 == 0:
                fh.write("{not json\n")


def totals(probe: LedgerProbe) -> tuple[object, ...]:
    r = probe.read()
    s = r.summary
    assert s is not None
    tasks = {k: (round(t.usd, 9), t.calls) for k, t in probe.book.tasks.items()}
    spend = {k: round(v, 9) for k, v in r.spend_today.items()}
    return r.records, r.bad_lines, spend, r.calls_today, tasks


@pytest.fixture
def big(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.jsonl"
    write_ledger(path, 80_000)
    assert path.stat().st_size > 3 * CHUNK  # several chunks, so workers get some
    return path


def test_workers_give_the_same_totals_as_one_process(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = LedgerProbe(str(big), 2.0, 1.0)
    serial.read_budget_s = 600
    expected = totals(serial)
    monkeypatch.setattr(probes.sources.ledger.probe, "PARALLEL_MIN_BYTES", 1)
    sent = []
    orig = FoldWorker.send
    monkeypatch.setattr(FoldWorker, "send", lambda self, data: (sent.append(len(data)), orig(self, data))[1])
    parallel = LedgerProbe(str(big), 2.0, 1.0)
    parallel.read_budget_s = 600
    assert totals(parallel) == expected
    assert expected[0] == 80_000 and expected[1] == 16  # every record counted once; the junk lines counted bad
    assert sent, "no chunk went to a worker"
    assert parallel._pool is None  # workers are gone once the backlog is read


def test_a_worker_that_dies_loses_nothing(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = LedgerProbe(str(big), 2.0, 1.0)
    serial.read_budget_s = 600
    expected = totals(serial)
    monkeypatch.setattr(probes.sources.ledger.probe, "PARALLEL_MIN_BYTES", 1)
    orig = FoldWorker.send

    def send_then_die(self: FoldWorker, data: bytes) -> None:
        orig(self, data)
        if self.proc.poll() is None:  # chunks may still be queued for a worker that is already dead
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    monkeypatch.setattr(FoldWorker, "send", send_then_die)
    parallel = LedgerProbe(str(big), 2.0, 1.0)
    parallel.read_budget_s = 600
    assert totals(parallel) == expected
