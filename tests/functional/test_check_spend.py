"""`check` and the spend it reports: a ledger it could not finish reading is flagged, never a confident total, and
the files rotated away earlier today are read too (or named when they cannot be)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
import time
from pathlib import Path

from tests.functional.test_cli import run_cli


def records(n: int, cost: float, service: str = "solo") -> bytes:
    now = dt.datetime.now().astimezone().isoformat()
    rec = {"timestamp": now, "service": service, "model": "m", "input_tokens": 1, "output_tokens": 1}
    return b"".join((json.dumps({**rec, "cost_usd": cost, "task_id": f"t{i}"}) + "\n").encode() for i in range(n))


def config(tmp_path: Path, ledger: Path, budget: str = "") -> Path:
    cfg = tmp_path / "spend.yaml"
    cfg.write_text(f"refresh_interval: 2\n{budget}services:\n  - name: solo\n    ledger: {{path: '{ledger}'}}\n")
    return cfg


def nul_run_then_records(tmp_path: Path, gb: int = 2) -> Path:
    """`gb` GB of NUL bytes (sparse), a line end, then 100 records of $0.01."""
    path = tmp_path / "spend.jsonl"
    with path.open("wb") as fh:
        fh.truncate(gb * 1024**3)
        fh.seek(0, os.SEEK_END)
        fh.write(b"\n" + records(100, 0.01))
    return path


def test_a_ledger_not_read_within_the_time_is_flagged_not_a_confident_zero(tmp_path: Path) -> None:
    cfg = config(tmp_path, nul_run_then_records(tmp_path, gb=16))  # more than any machine reads in 0.2 s
    out = run_cli("check", "--config", str(cfg), "--json", "--settle", "0", "--ledger-time", "0.2", timeout=60)
    snap = json.loads(out.stdout)
    row = snap["services"][0]
    assert (out.returncode, row["status"], row["spend_partial"], snap["spend_partial"]) == (3, "UNKNOWN", True, True)
    assert re.fullmatch(r"ledger: read [\d.]+ [KMG]B of 16\.0 GB in [\d.]+s; spend incomplete", row["reason"]), row
    assert snap["spend_notes"] == [f"{tmp_path / 'spend.jsonl'}: {row['reason'][len('ledger: ') :]}"]
    table = run_cli("check", "--config", str(cfg), "--settle", "0", "--ledger-time", "0.2", timeout=60)
    assert table.returncode == 3
    assert "spend today: $0.00 (incomplete)" in table.stdout
    assert re.search(r"of 16\.0 GB in [\d.]+s; spend incomplete", table.stdout), table.stdout


def test_with_its_default_time_check_reads_it_all_or_says_it_did_not(tmp_path: Path) -> None:
    out = run_cli("check", "--config", str(config(tmp_path, nul_run_then_records(tmp_path))), "--json", timeout=90)
    row = json.loads(out.stdout)["services"][0]
    if row["spend_partial"]:
        assert row["status"] == "UNKNOWN" and row["reason"].endswith("spend incomplete")
    else:
        assert (row["status"], row["spend_today_usd"]) == ("OK", 1.0)


def test_a_partial_read_makes_an_unbroken_budget_unknown(tmp_path: Path) -> None:
    cfg = config(tmp_path, nul_run_then_records(tmp_path, gb=16), budget="budgets: {daily_usd: 5}\n")
    out = run_cli("check", "--config", str(cfg), "--json", "--settle", "0", "--ledger-time", "0.2", timeout=60)
    budget = json.loads(out.stdout)["budget"]
    assert out.returncode == 3
    assert budget["status"] == "UNKNOWN" and budget["reason"].startswith("spend incomplete")


def test_check_reads_the_files_rotated_away_today(tmp_path: Path) -> None:
    ledger = tmp_path / "spend.jsonl"
    ledger.write_bytes(records(1, 0.25))
    (tmp_path / "spend.jsonl.1").write_bytes(records(2, 0.25))  # rotated this morning
    (tmp_path / "spend.jsonl-20260101").write_bytes(records(1, 0.125))  # dateext naming
    old = tmp_path / "spend.jsonl.2"
    old.write_bytes(records(4, 100.0))
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))  # last written before today: not read
    (tmp_path / "spend.jsonl.bak").write_bytes(records(1, 100.0))  # not a rotation's name: not read
    out = run_cli("check", "--config", str(config(tmp_path, ledger)), "--json", "--settle", "0", timeout=60)
    snap = json.loads(out.stdout)
    row = snap["services"][0]
    assert (out.returncode, row["status"], row["spend_today_usd"], row["spend_partial"]) == (0, "OK", 0.875, False)
    assert snap["spend_notes"] == [f"{ledger}: also read spend.jsonl-20260101, spend.jsonl.1 (written today)"]


def test_a_compressed_file_rotated_today_is_named_and_flags_the_spend(tmp_path: Path) -> None:
    ledger = tmp_path / "spend.jsonl"
    ledger.write_bytes(records(1, 0.25))
    with gzip.open(tmp_path / "spend.jsonl.1.gz", "wb") as fh:
        fh.write(records(2, 0.25))
    out = run_cli("check", "--config", str(config(tmp_path, ledger)), "--json", "--settle", "0", timeout=60)
    snap = json.loads(out.stdout)
    row = snap["services"][0]
    assert (row["spend_today_usd"], row["spend_partial"], snap["spend_partial"]) == (0.25, True, True)
    assert row["status"] == "UNKNOWN"
    assert row["reason"] == "ledger: spend.jsonl.1.gz was written today and is not read (compressed); spend incomplete"
