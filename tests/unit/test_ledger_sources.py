"""Each ledger source on real files: CSV with a column map, SQLite (read-only, WAL, a concurrent writer), LiteLLM."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from probes.config import LedgerConfig, ModelPrice
from probes.sources.ledger.probe import LedgerProbe


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def test_csv_with_a_column_map_and_a_header_per_file(tmp_path: Path) -> None:
    path = tmp_path / "spend.csv"
    head = "when,agent,llm,in,out,usd,job,kind\n"
    path.write_text(head + f"{now_iso()},planner,gpt-4o,100,10,0.5,j1,plan\n" + f'{now_iso()},"a,b",m,1,1,0.25,j2,x\n')
    cols = {"timestamp": "when", "service": "agent", "model": "llm", "input_tokens": "in", "output_tokens": "out",
            "cost_usd": "usd", "task_id": "job", "task_type": "kind"}  # fmt: skip
    probe = LedgerProbe(str(path), 2, 1, LedgerConfig(path=str(path), format="csv", columns=cols))
    r = probe.read()
    assert r.spend_today == {"planner": 0.5, "a,b": 0.25} and r.bad_lines == 0
    with path.open("a") as fh:
        fh.write("not,enough\n" + f"{now_iso()},planner,gpt-4o,100,10,-1,j3,plan\n")
    assert probe.read().bad_lines == 2  # a short row and a negative cost
    os.rename(path, tmp_path / "spend.csv.1")
    path.write_text(head + f"{now_iso()},planner,gpt-4o,100,10,1.0,j4,plan\n")  # the new file has its own header
    r = probe.read()
    assert r.spend_today["planner"] == 1.5 and r.records == 3


INSERT = "INSERT INTO calls (created, agent, model, prompt, completion, cost, task, kind) VALUES (?,?,?,?,?,?,?,?)"


def _writer(db: Path, rows: int, stop: threading.Event, errors: list[BaseException]) -> None:
    try:
        conn = sqlite3.connect(db, isolation_level=None)
        for i in range(rows):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(INSERT, (now_iso(), f"s{i % 2}", "gpt-4o-mini", 100, 20, 0.001 * (i % 7 + 1), f"t{i}", "x"))
            if i % 3 == 0:  # every third transaction holds two rows: both or neither are seen
                conn.execute(INSERT, (now_iso(), "other", "m", 1, 1, 0.5, "g", "x"))
            conn.execute("COMMIT")
        conn.close()
    except BaseException as exc:  # pragma: no cover - reported by the test
        errors.append(exc)
    finally:
        stop.set()


def test_sqlite_read_only_next_to_a_wal_writer(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE calls (id INTEGER PRIMARY KEY, created TEXT, agent TEXT, model TEXT, prompt INT,"
                 " completion INT, cost REAL, task TEXT, kind TEXT)")  # fmt: skip
    conn.commit()
    conn.close()
    cols = {"timestamp": "created", "service": "agent", "input_tokens": "prompt", "output_tokens": "completion",
            "cost_usd": "cost", "task_id": "task", "task_type": "kind"}  # fmt: skip
    probe = LedgerProbe(str(db), 2, 1, LedgerConfig(path=str(db), format="sqlite", table="calls", columns=cols))
    stop, errors = threading.Event(), []
    rows = 3000
    t = threading.Thread(target=_writer, args=(db, rows, stop, errors))
    t.start()
    polls = 0
    while not stop.is_set():
        r = probe.read()
        assert r.error is None, r.error
        polls += 1
    t.join()
    r = probe.read()
    assert errors == [] and polls > 1
    expected = sum(0.001 * (i % 7 + 1) for i in range(rows))
    pairs = sum(1 for i in range(rows) if i % 3 == 0)
    assert r.spend_today["s0"] + r.spend_today["s1"] == pytest.approx(expected)
    assert r.calls_today["other"] == pairs and r.records == rows + pairs and r.bad_lines == 0
    assert probe.sqlite is not None and probe.sqlite.conn is not None
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        probe.sqlite.conn.execute("DELETE FROM calls")


def test_sqlite_missing_database_is_an_error_not_a_new_file(tmp_path: Path) -> None:
    db = tmp_path / "nope.db"
    r = LedgerProbe(str(db), 2, 1, LedgerConfig(path=str(db), format="sqlite")).read()
    assert r.error is not None and not db.exists()


SPENDLOGS = [  # LiteLLM SpendLogs rows as its /spend/logs API returns them
    {"request_id": "chatcmpl-1", "call_type": "acompletion", "api_key": "88dc28d0f030c5", "spend": 0.000027,
     "total_tokens": 120, "prompt_tokens": 100, "completion_tokens": 20, "startTime": None,
     "endTime": None, "model": "gpt-4o-mini", "user": "", "session_id": "sess-a",
     "metadata": {"user_api_key_alias": "planner", "tags": []}, "cache_hit": "False", "request_tags": []},
    {"request_id": "chatcmpl-2", "call_type": "acompletion", "api_key": "88dc28d0f030c5",
     "total_tokens": 1_000_000, "prompt_tokens": 1_000_000, "completion_tokens": 0, "startTime": None,
     "model": "gpt-4o-mini", "session_id": "sess-b",
     "metadata": json.dumps({"user_api_key_alias": "writer"})},
]  # fmt: skip


def _spendlogs() -> list[dict[str, object]]:
    start = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat()  # LiteLLM stores naive UTC
    return [{**row, "startTime": start, "endTime": start} for row in SPENDLOGS]


def test_litellm_json_array_export(tmp_path: Path) -> None:
    path = tmp_path / "spendlogs.json"
    path.write_text(json.dumps(_spendlogs()))
    probe = LedgerProbe(str(path), 2, 1, LedgerConfig(path=str(path), format="litellm"))
    r = probe.read()
    assert r.error is None and r.records == 2
    assert r.spend_today["planner"] == pytest.approx(0.000027)
    assert r.spend_today["writer"] == pytest.approx(0.15)  # no spend: priced from tokens by genai-prices
    assert r.summary is not None
    assert r.summary.today.reported_usd == pytest.approx(0.000027)
    assert r.summary.today.computed_usd == pytest.approx(0.15)
    path.write_text(json.dumps(_spendlogs()[:1]))  # a new export replaces the old one
    assert probe.read().spend_today == {"planner": pytest.approx(0.000027)}


def test_litellm_json_lines_with_a_price_override(tmp_path: Path) -> None:
    path = tmp_path / "spendlogs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _spendlogs()))
    cfg = LedgerConfig(path=str(path), format="litellm", prices={"gpt-4o-mini": ModelPrice(1.0, 2.0)})
    r = LedgerProbe(str(path), 2, 1, cfg).read()
    assert r.spend_today["writer"] == pytest.approx(1.0)  # the override wins over the table
