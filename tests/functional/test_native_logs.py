"""Log sources of the service managers: the journal of a unit in a real systemd, and a launchd job's output files
followed across rotation. Lines come out cleaned of control sequences."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from probes.config import LaunchdConfig, ServiceConfig, SystemdConfig
from probes.files.logs import FileLogSource
from probes.registry import native_log_source
from probes.sources.systemd.logs import JournalLogSource, message
from tests.testbed.systemd import SystemdContainer

# The first test here may build the systemd image (debootstrap, about a minute) in the session fixture.
pytestmark = pytest.mark.timeout(900)

UNIT = "issue5-logs.service"
BODY = (
    '[Service]\nExecStart=/bin/bash -c \'printf "hello\\\\033]52;c;QUJD\\\\007 \\\\033[2Jworld\\\\n"; i=0; '
    "while :; do echo tick $i; i=$((i+1)); sleep 0.3; done'\n"
)


@pytest.fixture(scope="module")
def logs_unit(systemd_container: SystemdContainer) -> SystemdContainer:
    systemd_container.write_unit(UNIT, BODY)
    systemd_container.reload()
    systemd_container.systemctl("restart", UNIT)
    return systemd_container


def journal(c: SystemdContainer) -> JournalLogSource:
    program = ("docker", "-H", c.daemon.host, "exec", c.name, "timeout", "20", "journalctl")
    return JournalLogSource(UNIT, program=program)


async def first(it: AsyncIterator[str], pred: object, timeout: float = 10.0) -> str:
    async def go() -> str:
        async for line in it:
            if pred(line):  # type: ignore[operator]
                return line
        raise AssertionError("stream ended")

    return await asyncio.wait_for(go(), timeout)


async def test_journal_tail_and_follow(logs_unit: SystemdContainer) -> None:
    src = journal(logs_unit)
    assert src.label == f"journalctl -u {UNIT}"
    await asyncio.sleep(1.0)
    lines = await src.tail(1000)
    assert "hello world" in lines  # OSC 52 and clear-screen stripped (journald stored it as bytes)
    assert any(line.startswith("tick ") for line in lines)
    assert all("\x1b" not in line and "\x07" not in line for line in lines)
    assert len(await src.tail(3)) == 3
    it = src.follow()
    last = max(int(line.split()[1]) for line in lines if line.startswith("tick "))
    newer = await first(it, lambda s: s.startswith("tick ") and int(s.split()[1]) > last)
    assert newer.startswith("tick ")
    await it.aclose()  # type: ignore[attr-defined]
    await src.close()
    assert not src._procs


def test_journal_message_shapes() -> None:
    assert message(b'{"MESSAGE": "a\\u001b[31mred"}') == "ared"
    assert message(b'{"MESSAGE": [104, 105, 27, 93, 50, 7]}') == "hi"
    assert message(b'{"MESSAGE": null}') is None
    assert message(b"not json") is None
    assert message(b"[1,2]") is None


async def test_files_follow_across_rotation(tmp_path: Path) -> None:
    out, err = tmp_path / "agent.out.log", tmp_path / "agent.err.log"
    out.write_text("old 1\nold 2\n")
    err.write_text("boom \x1b]0;title\x07here\n")
    src = FileLogSource(str(out), str(err), poll_s=0.05)
    assert await src.tail(10) == ["old 1", "old 2", "stderr: boom here"]
    seen: list[str] = []

    async def reader() -> None:
        async for line in src.follow():
            seen.append(line)
            if line == "after 2":
                return

    task = asyncio.create_task(reader())
    await asyncio.sleep(0.3)
    with out.open("a") as fh:
        fh.write("before 1\nbefore 2\n")
    await asyncio.sleep(0.3)
    with out.open("a") as fh:
        fh.write("late in old file\n")  # written to the renamed file after rotation
        os.rename(out, tmp_path / "agent.out.log.1")
        fh.flush()
        out.write_text("after 1\n")
    await asyncio.sleep(0.3)
    with out.open("a") as fh:
        fh.write("after 2\n")
    await asyncio.wait_for(task, 5)
    assert seen == ["before 1", "before 2", "late in old file", "after 1", "after 2"]
    await src.close()


def test_native_log_source_choice() -> None:
    systemd = native_log_source(ServiceConfig(name="a", systemd=SystemdConfig(unit="agent.service")))
    assert isinstance(systemd, JournalLogSource) and systemd.label == "journalctl -u agent.service"
    job = ServiceConfig(name="b", launchd=LaunchdConfig(label="com.example.b"))
    assert native_log_source(job) is None
    files = native_log_source(job, (("stdout", "/tmp/b.out"), ("stderr", "/tmp/b.err")))
    assert isinstance(files, FileLogSource) and files.label == "/tmp/b.out + /tmp/b.err"
