"""The audit journal is append-only, private, and its tail survives garbage."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from agentops_tui.actions.journal import TAIL_BYTES, Journal, JournalError
from probes.paths import default_journal_path


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
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # as root the default is system-wide (tests/unit/test_paths.py)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert default_journal_path() == tmp_path / "state" / "agentops-tui" / "audit.jsonl"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_journal_path() == tmp_path / "home" / ".local" / "state" / "agentops-tui" / "audit.jsonl"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/dir")  # the XDG spec says to ignore relative paths
    assert default_journal_path() == tmp_path / "home" / ".local" / "state" / "agentops-tui" / "audit.jsonl"


def test_a_symlink_at_the_journal_path_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("precious\n")
    path = tmp_path / "audit.jsonl"
    path.symlink_to(target)
    journal = Journal(path)
    with pytest.raises(JournalError, match="symbolic link"):
        journal.write({"phase": "requested"})
    with pytest.raises(JournalError, match="symbolic link"):
        journal.tail()
    assert target.read_text() == "precious\n"


def test_a_fifo_at_the_journal_path_is_refused_without_hanging(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    os.mkfifo(path, 0o600)
    journal = Journal(path)
    with pytest.raises(JournalError, match="not a regular file"):
        journal.write({"phase": "requested"})
    with pytest.raises(JournalError, match="not a regular file"):
        journal.tail()


def test_loose_modes_of_our_own_file_and_directory_are_tightened(tmp_path: Path) -> None:
    directory = tmp_path / "shared"
    directory.mkdir()
    directory.chmod(0o777)
    path = directory / "audit.jsonl"
    path.write_text('{"old": true}\n')
    path.chmod(0o666)
    Journal(path).write({"new": True})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert path.read_text() == '{"old": true}\n{"new": true}\n'


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give files to another user")
def test_a_journal_others_can_rewrite_is_refused(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs.jsonl"
    theirs.write_text("")
    os.chown(theirs, 65534, 65534)
    with pytest.raises(JournalError, match="owned by uid 65534"):
        Journal(theirs).write({"phase": "requested"})
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    os.chown(open_dir, 65534, 65534)
    open_dir.chmod(0o777)
    with pytest.raises(JournalError, match="writable by other users"):
        Journal(open_dir / "audit.jsonl").write({"phase": "requested"})
    assert theirs.read_text() == "" and list(open_dir.iterdir()) == []
    sticky = tmp_path / "sticky"  # like /tmp: others cannot replace a file they do not own
    sticky.mkdir()
    os.chown(sticky, 65534, 65534)
    sticky.chmod(0o1777)
    Journal(sticky / "audit.jsonl").write({"phase": "requested"})


def test_a_torn_line_does_not_swallow_the_next_record(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    journal = Journal(path)
    journal.write({"n": 1})
    with open(path, "ab") as fh:
        fh.write(b'{"n": 2, "phase": "sta')  # the disk filled up in the middle of a record
    journal.write({"n": 3, "phase": "started"})
    journal.write({"n": 4})
    read = journal.read_tail()
    assert [r["n"] for r in read.records] == [1, 3, 4]
    assert read.skipped == 1
    assert path.read_bytes().endswith(b'"sta\n{"n": 3, "phase": "started"}\n{"n": 4}\n')


def test_unreadable_lines_are_skipped_and_counted_whatever_they_hold(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    journal = Journal(path)
    journal.write({"n": 1})
    with open(path, "ab") as fh:
        fh.write(b"[" * 200_000 + b"]" * 200_000 + b"\n")  # RecursionError in json.loads
        fh.write(b'{"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"\n")
        fh.write(b"\xff\xfe garbage\n[1, 2]\n\n")
    journal.write({"n": 2})
    read = journal.read_tail()
    assert [r["n"] for r in read.records] == [1, 2]
    assert read.skipped == 4  # two too deep, one not UTF-8, one not an object; the blank line is not counted
    assert [r["n"] for r in journal.tail()] == [1, 2]
