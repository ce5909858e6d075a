"""The fake `launchctl` (tests/fixtures/launchd/fake_launchctl.py) put first on PATH, serving recorded output."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "launchd"
JOBS = {
    "com.example.planner": "print-planner-running.txt",
    "com.example.researcher": "print-researcher-signaled.txt",
    "com.example.coder": "print-coder-crashloop.txt",
    "com.example.indexer": "print-indexer-never.txt",
    "com.example.reporter": "print-reporter-waiting.txt",
}


class FakeLaunchctl:
    """State dir of the fake; `calls()` is every argv it received, in order."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "launchctl-state"
        self.bin = root / "bin"
        (self.dir / "print").mkdir(parents=True)
        self.bin.mkdir()
        wrapper = self.bin / "launchctl"
        wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} {FIXTURES / "fake_launchctl.py"} "$@"\n')
        wrapper.chmod(0o755)
        shutil.copy(FIXTURES / "list.txt", self.dir / "list")
        self.uid = os.getuid()
        for label, name in JOBS.items():
            self.serve(label, name)

    def serve(self, label: str, fixture: str, domain: str | None = None) -> None:
        domain = domain or f"gui/{self.uid}"
        shutil.copy(FIXTURES / fixture, self.dir / "print" / f"{domain}/{label}".replace("/", "_"))

    def unload(self, label: str, domain: str | None = None) -> None:
        domain = domain or f"gui/{self.uid}"
        (self.dir / "print" / f"{domain}/{label}".replace("/", "_")).unlink()

    def calls(self) -> list[list[str]]:
        log = self.dir / "argv.log"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def clear(self) -> None:
        (self.dir / "argv.log").unlink(missing_ok=True)

    def set_hang(self, on: bool = True) -> None:
        (self.dir / "hang").touch() if on else (self.dir / "hang").unlink(missing_ok=True)

    def fail(self, verb: str, code: int, stderr: str) -> None:
        (self.dir / f"fail-{verb}").write_text(f"{code}\n{stderr}")


def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeLaunchctl:
    """The fake first on PATH for one test (use it from a fixture)."""
    fake = FakeLaunchctl(tmp_path)
    monkeypatch.setenv("FAKE_LAUNCHCTL_DIR", str(fake.dir))
    monkeypatch.setenv("PATH", f"{fake.bin}{os.pathsep}{os.environ.get('PATH', '')}")
    return fake
