"""The audit journal is append-only, private, and its tail survives garbage."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest

from agentops_tui.actions.journal import TAIL_BYTES, Journal, JournalError, default_journal_path


def test_write_appends_one_json_line_in_a_private_file(tmp_path: Path) -> None:
    path = tmp_path / "state" / "agentops-tui" / "audit.jsonl"
    journal = Journal(path)
    journal.write({"id": "a", "phase": "requested", "params": {"max_requests_per_minute": 30}})
    journal.write({"id": "a", "phase": "started", "note": "é\x1b"})
    lines = path.read_text().splitlines()
    assert [json.loads(line)["phase"] for line in lines] == ["requested", "started"]
    assert json.loads(lines[1])["note"] == "é\x1b"  # written as JSON escapes: the file itself stays plain ASCII
    assert path.read_bytes().isascii()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700


def test_two_journals_on_one_file_keep_every_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    first, second = Journal(path), Journal(path)
    for i in range(20):  # interleaved, as two dashboards on one box would write
        first.write({"writer": 1, "n": i})
        second.write({"writer": 2, "n": i})

    def burst(journal: Journal, writer: int) -> None:
        for i in range(200):
            journal.write({"writer": writer, "n": 100 + i, "pad": "x" * 2000})

    threads = [threading.Thread(target=burst, args=(j, w)) for j, w in ((first, 1), (second, 2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = [json.loads(line) for line in path.read_text().splitlines()]  # every line is whole JSON
    assert len(records) == 2 * 220
    for writer in (1, 2):
        mine = [r["n"] for r in records if r["writer"] == writer]
        assert mine == [*range(20), *range(100, 300)]


def test_existing_lines_are_never_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text('{"old": true}\n')
    path.chmod(0o600)
    Journal(path).write({"new": True})
    assert path.read_text() == '{"old": true}\n{"new": true}\n'


def test_tail_skips_garbage_and_caps(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    journal = Journal(path)
    for i in range(10):
        journal.write({"n": i})
    with open(path, "ab") as fh:
        fh.write(b"not json\n\xff\xfe\n[1, 2]\n\n")
    journal.write({"n": 10})
    with open(path, "ab") as fh:
        fh.write(b'{"n": 11, "cut')  # a line still being written
    assert [r["n"] for r in journal.tail()] == list(range(11))
    assert [r["n"] for r in journal.tail(limit=3)] == [8, 9, 10]
    assert journal.tail(limit=0) == []


def test_tail_reads_at_most_the_last_mebibyte(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    journal = Journal(path)
    pad = "y" * 1000
    with open(path, "w") as fh:
        for i in range(3000):  # about 3 MiB
            fh.write(json.dumps({"n": i, "pad": pad}) + "\n")
    records = journal.tail(limit=100_000)
    assert records[-1]["n"] == 2999
    assert len(records) <= TAIL_BYTES // 1000
    ns = [r["n"] for r in records]
    assert ns == list(range(ns[0], 3000))  # whole records only: the cut first line is dropped


def test_missing_file_has_an_empty_tail(tmp_path: Path) -> None:
    assert Journal(tmp_path / "nope" / "audit.jsonl").tail() == []


def test_write_failure_raises_journal_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    journal = Journal(blocker / "audit.jsonl")  # its parent is a regular file: no directory can be made
    with pytest.raises(JournalError, match=r"audit\.jsonl: "):
        journal.write({"phase": "started"})


def test_default_path_follows_xdg_state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert default_journal_path() == tmp_path / "state" / "agentops-tui" / "audit.jsonl"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_journal_path() == tmp_path / "home" / ".local" / "state" / "agentops-tui" / "audit.jsonl"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/dir")  # the XDG spec says to ignore relative paths
    assert default_journal_path() == tmp_path / "home" / ".local" / "state" / "agentops-tui" / "audit.jsonl"
