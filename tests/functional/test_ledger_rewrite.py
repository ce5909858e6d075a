"""A writer process that rewrites its ledger through a temp file and a rename, one line more each time, while the
probe polls: every record is counted once (before, 2,000 writes were counted as about 300,000 records)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from probes.sources.ledger.probe import LedgerProbe

WRITER = """
import datetime as dt, json, os, sys, time
path, lines = sys.argv[1], []
for i in range(int(sys.argv[2])):
    now = dt.datetime.now().astimezone().isoformat()
    lines.append(json.dumps({"timestamp": now, "service": "s", "model": "m", "cost_usd": 0.25, "task_id": str(i)}))
    with open(path + ".tmp", "w") as fh:
        fh.write("\\n".join(lines) + "\\n")
    os.replace(path + ".tmp", path)
    time.sleep(0.002)
"""


def test_a_ledger_rewritten_by_rename_in_a_loop_counts_each_record_once(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    path.write_text("")
    probe = LedgerProbe(str(path), 2, 1)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), "1500"])
    polls = 0
    while writer.poll() is None:
        probe.read()
        polls += 1
        time.sleep(0.01)
    assert writer.wait() == 0
    r = probe.read()
    assert (r.records, r.bad_lines, r.spend_today) == (1500, 0, {"s": 375.0})
    assert polls > 10 and probe.tail.rewrites > 10  # it was read while being rewritten, many times over
