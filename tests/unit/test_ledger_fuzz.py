"""10,000 appends interleaved with rename rotation, copytruncate, truncation and partial writes: exact totals.

The writer calls the reader where a real poll could happen. Two things need a poll at a given point, as with
`tail -F`: before a copytruncate or truncation (lines not read by then are in the copy, or gone), and between
two rename rotations (a file rotated twice between polls is never seen). The README says so.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
from pathlib import Path

import pytest

from probes.files.tail import LineTail
from probes.sources.ledger.probe import LedgerProbe

N = 10_000


def line(i: int) -> bytes:
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    rec = {"timestamp": now, "service": f"s{i % 3}", "model": "m", "input_tokens": 10, "output_tokens": 2,
           "cost_usd": (i % 100 + 1) / 1024, "task_id": f"t{i // 5}", "task_type": "x"}  # fmt: skip
    return (json.dumps(rec) + "\n").encode()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzz_exact_totals(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    path = tmp_path / "ledger.jsonl"
    probe = LedgerProbe(str(path), 2, 1)
    probe.read_budget_s = 60
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    expected = 0.0
    polled_since_rotation = True
    counts = {"rotate": 0, "copytruncate": 0, "truncate": 0, "partial": 0}

    def poll() -> None:
        nonlocal polled_since_rotation
        probe.read()
        polled_since_rotation = True

    for i in range(N):
        data = line(i)
        expected += (i % 100 + 1) / 1024
        if rng.random() < 0.2:  # a partial write, a poll in between
            cut = rng.randrange(1, len(data))
            os.write(fd, data[:cut])
            counts["partial"] += 1
            if rng.random() < 0.7:
                poll()
            os.write(fd, data[cut:])
        else:
            os.write(fd, data)
        if rng.random() < 0.25:
            poll()
        roll = rng.random()
        if roll < 0.01:  # rename-and-create; the writer still appends to the old fd before it reopens
            if not polled_since_rotation:
                poll()
            os.rename(path, tmp_path / f"ledger.{i}")
            for _ in range(rng.randrange(0, 3)):
                i_extra = N + counts["rotate"] * 10 + _
                os.write(fd, line(i_extra))
                expected += (i_extra % 100 + 1) / 1024
            if rng.random() < 0.5:
                poll()
            os.close(fd)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            polled_since_rotation = False
            counts["rotate"] += 1
        elif roll < 0.016:  # copytruncate: the logrotate copy, then truncate in place
            poll()
            shutil.copyfile(path, tmp_path / f"ledger.ct.{i}")
            os.truncate(path, 0)
            counts["copytruncate"] += 1
        elif roll < 0.02:  # a plain truncation
            poll()
            os.truncate(path, 0)
            counts["truncate"] += 1
    os.close(fd)
    for _ in range(4):  # old files close after two idle polls
        r = probe.read()
    total_records = r.records
    assert r.bad_lines == 0
    assert r.summary is not None
    assert total_records == r.summary.today.calls
    assert r.summary.today.usd == pytest.approx(expected, abs=1e-9)
    assert total_records >= N and all(v > 3 for v in counts.values()), counts
    assert probe.tail.old == []  # rotated-away files were finished and closed


def test_partial_last_line_of_a_rotated_file_counts_as_bad(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    first = line(1)
    path.write_bytes(first + line(2)[:10])
    tail = LineTail(str(path))
    batches, _ = tail.poll()
    assert b"".join(b.data for b in batches) == first
    os.rename(path, tmp_path / "l.1")
    path.write_bytes(line(3))
    for _ in range(3):
        tail.poll()
    assert tail.dropped_partial == 1 and tail.old == []


def test_truncated_and_regrown_past_the_offset_is_noticed(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    path.write_bytes(line(1))
    tail = LineTail(str(path))
    tail.poll()
    new = line(2) + line(3)
    path.write_bytes(new)  # truncate-and-rewrite, longer than before, between two polls
    batches, _ = tail.poll()
    assert b"".join(b.data for b in batches) == new
    assert tail.truncations == 1
