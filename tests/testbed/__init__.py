"""Real components for the tests: find, start and stop them; a missing one skips locally and fails under CI=true.

Daemons that a session starts are stopped by PID when the session ends. A daemon that is already answering (started
by `python -m tests.testbed up docker` on a developer machine, say) is reused and left running.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest

from tests import waiting

IN_CI = os.environ.get("CI") == "true"


def missing(what: str) -> NoReturn:
    """A component the test needs is not here: a failure under CI, a one-line skip elsewhere."""
    if IN_CI:
        pytest.fail(f"testbed: {what} (CI=true: a missing component fails the run)", pytrace=False)
    pytest.skip(f"testbed: {what}")


def binary(name: str) -> str:
    """Path of an installed program, or `missing()`."""
    for cand in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
        if cand and os.access(cand, os.X_OK):
            return cand
    missing(f"{name} is not installed (run `bash scripts/testbed-install` as root)")


def wait_for(ready: Callable[[], bool], timeout: float, what: str, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Poll `ready` until it is true; fail with the reason if the process died or time ran out."""

    def ready_or_dead() -> bool:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before it was ready")
        return ready()

    if not waiting.poll(ready_or_dead, timeout, step=0.1):
        raise RuntimeError(f"{what} not ready within {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def spawn(argv: list[str], log: Path) -> subprocess.Popen[bytes]:
    """Start a daemon in its own session with its output in `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)  # fmt: skip
