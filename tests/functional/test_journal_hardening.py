"""The audit journal under hostile content and a full disk: the dashboard starts, the `a` screen shows what it can
read and how many lines it skipped, and the storm guard still counts the restarts around a torn line."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentops_tui.actions.journal import Journal, JournalError
from agentops_tui.actions.layer import ActionLayer
from agentops_tui.actions.model import ActionRequest, Refusal
from agentops_tui.app import make_app
from agentops_tui.screens.journal import JournalScreen
from probes.config import ActionsConfig, CommandConfig, FleetConfig, ServiceConfig
from tests.functional.test_secrets import screen_text

SIZE = (140, 30)


def restart_started(service: str, ts: float | int) -> dict[str, object]:
    return {"id": "x", "service": service, "action": "restart", "phase": "started", "ts": ts, "time": "t"}


def fleet(journal: Path) -> FleetConfig:
    svc = ServiceConfig(name="svc", command=CommandConfig(restart=["true"]))
    return FleetConfig(services=[svc], actions=ActionsConfig(journal=str(journal), restart_limit=2))


def test_hostile_journal_content_never_stops_the_layer_and_the_guard_still_counts(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    now = time.time()
    with open(path, "w") as fh:
        fh.write(json.dumps(restart_started("svc", now - 10)) + "\n")
        fh.write("[" * 200_000 + "]" * 200_000 + "\n")  # a RecursionError for json.loads
        fh.write(json.dumps(restart_started("svc", 10**400)) + "\n")  # a ts no float can hold
        fh.write('{"service": "svc", "action": "restart", "phase": "sta')  # torn by a full disk
    path.chmod(0o600)
    journal = Journal(path)
    journal.write(restart_started("svc", now - 5))  # starts on a fresh line: not glued to the torn one
    layer = ActionLayer(fleet(path), journal, lambda name: None)
    refused = layer.plan(ActionRequest("svc", "restart"))
    assert isinstance(refused, Refusal) and "restarted 2 times" in refused.reason, refused
    assert journal.read_tail().skipped == 2


async def test_the_journal_screen_shows_odd_records_and_counts_the_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    good = {"time": "2026-01-01T00:00:00", "service": "svc", "action": "restart", "phase": "failed", "error": "boom"}
    odd = {"service": ["odd"], "action": 7, "phase": None, "params": [1, 2], "before": "x", "after": 5,
           "error": {"e": 1}, "time": 12}  # fmt: skip
    path.write_text(json.dumps(good) + "\n" + json.dumps(odd) + "\n" + "{" * 100_000 + "\n" + "not json\n")
    path.chmod(0o600)
    app = make_app(fleet(path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause(0.5)
        assert isinstance(app.screen, JournalScreen)
        shown = screen_text(app)
        assert "2 unreadable lines skipped" in shown and "boom" in shown, shown
        assert "2 lines" in shown


@contextlib.contextmanager
def small_tmpfs(tmp_path: Path, size: str) -> Iterator[Path]:
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(mount)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_a_really_full_disk_refuses_the_action_and_the_next_record_is_whole(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path, "64k") as mount:
        path = mount / "audit.jsonl"
        journal = Journal(path)
        journal.write(restart_started("svc", time.time()))
        filler = mount / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        with contextlib.suppress(OSError):
            while True:  # fill the disk up to its last byte
                os.write(fd, b"f" * 512)
        os.close(fd)
        free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
        with pytest.raises(JournalError):  # a record bigger than what is left: torn, or not written at all
            journal.write({**restart_started("svc", time.time()), "pad": "p" * (free + 8192)})
        filler.unlink()
        journal.write(restart_started("after", time.time()))
        read = journal.read_tail()
        assert [r["service"] for r in read.records] == ["svc", "after"], path.read_bytes()[-300:]
        assert read.skipped <= 1
