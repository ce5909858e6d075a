"""The ledger tail: today's spend per service, complete lines only, rotation and garbage survived."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from probes.config import LedgerConfig
from probes.files.tail import CHUNK, LineTail
from probes.sources.ledger.probe import LedgerProbe
from probes.sources.ledger.rotated import is_rotation_of


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


def test_summed_lines_land_in_the_same_hours_as_records_one_by_one(tmp_path: Path) -> None:
    """The fast path sums by local hour from each line's own offset (+05:30, Z, -03:00, none); the same records
    given one by one (a string cost keeps them off the fast path) give the same hours, days and tasks."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    zones = [dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone.utc, dt.timezone(dt.timedelta(hours=-3))]
    fast, slow = [], []
    for i in range(400):
        when = (now - dt.timedelta(minutes=7 * i)).astimezone(zones[i % 3])
        ts = when.isoformat().replace("+00:00", "Z") if i % 3 == 1 else when.isoformat()
        if i % 10 == 0:
            ts = when.astimezone().replace(tzinfo=None).isoformat()  # naive: local time
        fields = {"timestamp": ts, "service": f"s{i % 4}", "model": "m", "input_tokens": i,
                  "output_tokens": 1, "cost_usd": 0.01 * (i % 5), "task_id": f"t{i % 9}", "task_type": "x"}  # fmt: skip
        fast.append(json.dumps(fields))
        slow.append(json.dumps({**fields, "cost_usd": str(fields["cost_usd"])}))
    books = []
    for name, lines in (("fast", fast), ("slow", slow)):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("\n".join(lines) + "\n")
        probe = LedgerProbe(str(path), 2, 1)
        r = probe.read()
        assert r.records == 400 and r.bad_lines == 0
        hours = {k: [round(v, 9) for v in b] for k, b in probe.book.hours.items()}
        days = {k: [round(v, 9) for v in b] for k, b in probe.book.days.items()}
        tasks = {k: (round(t.usd, 9), t.calls) for k, t in probe.book.tasks.items()}
        books.append((hours, days, tasks, {k: round(v, 9) for k, v in r.spend_today.items()}))
    f_hours, f_days, f_tasks, f_today = books[0]
    s_hours, s_days, s_tasks, s_today = books[1]
    assert f_today == s_today and f_tasks == s_tasks and f_days == s_days
    assert {k: v[2:] for k, v in f_hours.items()} == {k: v[2:] for k, v in s_hours.items()}  # calls and tokens
    assert {k: v[0] + v[1] for k, v in f_hours.items()} == {k: v[0] + v[1] for k, v in s_hours.items()}


def rewrite(path: Path, data: str) -> None:
    """Replace the file as some writers do: the whole content into a temp file, then rename over the old one."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(data)
    os.replace(tmp, path)


def test_a_rewrite_through_a_temp_file_continues_where_it_was(tmp_path: Path) -> None:
    """Same content plus new lines under a new inode: a rewrite, read on from the old offset, not counted again."""
    path = tmp_path / "ledger.jsonl"
    probe = LedgerProbe(str(path), 2, 1)
    lines: list[str] = []
    for i in range(300):
        lines.append(rec(f"s{i % 3}", 0.5))
        rewrite(path, "".join(lines))
        if i % 4 != 3:  # sometimes two rewrites between polls
            r = probe.read()
            assert r.records == len(lines), i
    r = probe.read()
    assert r.records == 300 and r.bad_lines == 0
    assert sum(r.spend_today.values()) == 150.0
    assert probe.tail.old == [] and probe.tail.rotations == 0


def test_a_rewrite_of_a_big_ledger_is_told_from_a_rotation_by_its_bytes(tmp_path: Path) -> None:
    """Over a MiB the prefix is compared in samples; a rotation to a longer file that differs inside is new data."""
    path = tmp_path / "ledger.jsonl"
    first = [rec("a", 0.001) for _ in range(8000)]  # about 1.5 MB
    path.write_text("".join(first))
    probe = LedgerProbe(str(path), 2, 1)
    probe.read_budget_s = 60
    assert probe.read().records == 8000
    rewrite(path, "".join(first) + rec("a", 1.0))
    assert probe.read().records == 8001
    other = [rec("b", 0.002) for _ in range(9000)]  # a new file, longer than the old offset: a rotation
    os.rename(path, tmp_path / "ledger.jsonl.1")
    path.write_text("".join(other))
    r = probe.read()
    assert r.records == 17001 and probe.tail.rotations == 1


def test_a_csv_rewrite_keeps_its_header(tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    rows = ["timestamp,service,model,cost_usd\n"]
    probe = LedgerProbe(str(path), 2, 1, LedgerConfig(path=str(path), format="csv"))
    for _ in range(20):
        rows.append(f"{now},a,m,0.25\n")
        rewrite(path, "".join(rows))
        probe.read()
    r = probe.read()
    assert (r.records, r.bad_lines, r.spend_today) == (20, 0, {"a": 5.0})


def test_an_over_long_line_is_skipped_a_budget_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    line = rec("a", 1.0).encode()
    path.write_bytes(b"\0" * (40 * CHUNK) + b"\n" + line)
    tail = LineTail(str(path))
    polls, got = 0, b""
    while True:
        batches, more = tail.poll(CHUNK)
        polls += 1
        got += b"".join(b.data for b in batches)
        assert tail.cur is not None and tail.cur.offset <= polls * 2 * CHUNK  # never the whole run in one poll
        if not more:
            break
    assert polls >= 20 and got == b"\x00\n" + line


def test_rotated_file_names() -> None:
    for name in ("spend.jsonl.1", "spend.jsonl-20261126", "spend.jsonl.2026-11-26", "spend.jsonl.2026-11-26_06-25",
                 "spend.1.jsonl", "spend-20261126.jsonl"):  # fmt: skip
        assert is_rotation_of(name, "spend.jsonl"), name
    for name in ("spend.jsonl", "spend.jsonl.bak", "spend.jsonl.tmp", "spend.jsonl.1x", "other.jsonl.1", "spend.1"):
        assert not is_rotation_of(name, "spend.jsonl"), name


def test_what_was_read_of_rotated_files_is_forgotten_at_midnight(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    path.write_text(rec("a", 1.0))
    (tmp_path / "ledger.jsonl.1").write_text(rec("a", 2.0))
    now = [dt.datetime.now().timestamp()]
    probe = LedgerProbe(str(path), 2, 1, clock=lambda: now[0])
    r = probe.read()
    assert r.notes == ("also read ledger.jsonl.1 (written today)",) and r.spend_today == {"a": 3.0}
    now[0] += 86400
    assert probe.read().notes == ()
