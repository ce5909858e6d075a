"""The demo's janitor: ``python -m agentops_tui.demo.janitor WORKDIR``, its stdin a pipe the fleet's process holds.

A fleet that made its own temporary directory must leave nothing behind however its process ends, SIGKILL and a
closed terminal included, when no code of its own runs. The janitor is the one process that outlives it: it
blocks on its stdin until the pipe's other end closes (the fleet stopped, or its process died, whichever way),
then ends every process still running from WORKDIR (the children end themselves on their parent's death; this
is the backstop) and removes WORKDIR. It lives in its own session, so a terminal's hangup does not reach it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import psutil

PREFIX = "agentops-demo-"  # only a directory the demo made itself is ever removed
TERM_GRACE_S = 3.0


def demo_processes(workdir: str) -> list[psutil.Process]:
    """The fleet's children: demo modules (not this one) whose command line names the work directory. An
    operator's `tail -f WORKDIR/logs/...` names it too and is left alone."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error):
            args = proc.info["cmdline"] or ()
            ours = any(arg.startswith("agentops_tui.demo.") for arg in args)
            if ours and proc.pid != os.getpid() and any(workdir in arg for arg in args):
                found.append(proc)
    return found


def sweep(workdir: Path) -> None:
    """SIGTERM what still runs from workdir, SIGKILL it after TERM_GRACE_S, then remove workdir."""
    left = demo_processes(str(workdir))
    for proc in left:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(left, timeout=TERM_GRACE_S)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=TERM_GRACE_S)
    for _ in range(3):  # a child may still write its log while it dies
        shutil.rmtree(workdir, ignore_errors=True)
        if not workdir.exists():
            return
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not Path(args[0]).name.startswith(PREFIX):
        print(
            f"usage: python -m agentops_tui.demo.janitor /tmp/{PREFIX}XXXX (stdin: the fleet's pipe)", file=sys.stderr
        )
        return 2
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)  # a Ctrl-C or hangup meant for the dashboard must not stop the cleanup
    while os.read(0, 4096):
        pass
    sweep(Path(args[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
