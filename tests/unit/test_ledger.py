"""The ledger tail: today's spend per service, complete lines only, rotation and garbage survived."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from probes.ledger import LedgerProbe


def rec(service: str, cost: float, when: dt.datetime | None = None) -> str:
    when = when or dt.datetime.now(dt.timezone.utc)
    return json.dumps({"timestamp": when.isoformat(), "service": service, "model": "m", "input_tokens": 1,
                       "output_tokens": 1, "cost_usd": cost, "task_id": "t", "task_type": "x"}) + "\n"  # fmt: skip


def test_sums_today_per_service_and_skips_other_days(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    yesterday = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)
    path.write_text(rec("a", 1.0) + rec("b", 0.5) + rec("a", 0.25) + rec("a", 9.0, yesterday))
    r = LedgerProbe(str(path), 2, 1).read()
    assert r.spend_today == {"a": 1.25, "b": 0.5}
    assert r.calls_today == {"a": 2, "b": 1}
    assert r.records == 4 and r.bad_lines == 0


def test_partial_line_waits_for_its_end(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    line = rec("a", 2.0)
    path.write_text(rec("a", 1.0) + line[:20])
    probe = LedgerProbe(str(path), 2, 1)
    assert probe.read().spend_today == {"a": 1.0}
    with path.open("a") as fh:
        fh.write(line[20:])
    assert probe.read().spend_today == {"a": 3.0}


def test_garbage_lines_are_counted_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    path.write_text("not json\n[1]\n" + '{"timestamp": "yesterday"}\n' + rec("a", 1.0))
    r = LedgerProbe(str(path), 2, 1).read()
    assert r.spend_today == {"a": 1.0} and r.bad_lines == 3


def test_rotation_and_truncation_keep_what_was_counted(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    path.write_text(rec("a", 1.0) + rec("a", 1.0))
    probe = LedgerProbe(str(path), 2, 1)
    assert probe.read().spend_today == {"a": 2.0}
    os.rename(path, tmp_path / "ledger.jsonl.1")
    path.write_text(rec("a", 5.0))
    assert probe.read().spend_today == {"a": 7.0}  # the new file's records are new spend
    path.write_text("")
    assert probe.read().spend_today == {"a": 7.0}  # truncation empties the file, not the day
    with path.open("a") as fh:
        fh.write(rec("a", 0.5))
    assert probe.read().spend_today == {"a": 7.5}


def test_missing_file_is_an_error_result(tmp_path: Path) -> None:
    r = LedgerProbe(str(tmp_path / "nope.jsonl"), 2, 1).read()
    assert r.error is not None and r.error.kind == "refused"


def test_deleted_then_recreated_file_recovers(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    path.write_text(rec("a", 1.0))
    probe = LedgerProbe(str(path), 2, 1)
    assert probe.read().spend_today == {"a": 1.0}
    path.unlink()
    gone = probe.read()
    assert gone.error is not None and gone.spend_today == {"a": 1.0}  # totals kept while the file is away
    path.write_text(rec("a", 0.5) + rec("b", 0.25))
    back = probe.read()
    assert back.error is None and back.spend_today == {"a": 1.5, "b": 0.25}
