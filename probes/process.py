"""CPU and memory of local processes, all services in one thread hop per poll.

On Linux one read of /proc/PID/stat gives CPU time, state, start time (a reused pid is a new process) and RSS:
about a fifth of what psutil's calls cost per process, which adds up at 200 services every 2 s. Elsewhere
(macOS) psutil does it.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import psutil

from probes.config import ProcessConfig
from probes.model import ProbeError, ProcessResult

LINUX = sys.platform.startswith("linux") and os.path.exists("/proc/self/stat")
CLK_TCK = os.sysconf("SC_CLK_TCK") if LINUX else 100
PAGE = os.sysconf("SC_PAGE_SIZE") if LINUX else 4096


class ProcessProbe:
    """Reads every configured pidfile and samples its process; psutil keeps the CPU baseline between polls."""

    key = "process"

    def __init__(self, targets: dict[str, ProcessConfig], interval: float, timeout: float) -> None:
        self.targets = targets
        self.interval = interval
        self.timeout = timeout
        self._procs: dict[str, psutil.Process] = {}
        self._ticks: dict[str, tuple[int, int, float, float]] = {}  # name -> (pid, start time, CPU s, when)

    async def collect(self) -> dict[str, ProcessResult]:
        return await asyncio.to_thread(self._sample_all)

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> dict[str, ProcessResult]:
        return {name: ProcessResult(at=at, error=error) for name in self.targets}

    def _sample_all(self) -> dict[str, ProcessResult]:
        at = time.time()
        return {name: self._sample(name, cfg, at) for name, cfg in self.targets.items()}

    def _sample(self, name: str, cfg: ProcessConfig, at: float) -> ProcessResult:
        pid = self._pid(cfg)
        if isinstance(pid, ProbeError):
            return ProcessResult(at=at, error=pid)
        if LINUX:
            return self._sample_proc(name, pid, at)
        return self._sample_psutil(name, pid, at)

    def _pid(self, cfg: ProcessConfig) -> int | ProbeError:
        pid = cfg.pid
        if cfg.pidfile:
            try:
                with open(cfg.pidfile, "rb") as fh:
                    pid = int(fh.read(32).strip() or b"0")
            except (OSError, ValueError):
                return ProbeError("refused", "no readable pidfile")
        return pid or ProbeError("refused", "no pid")

    def _sample_proc(self, name: str, pid: int, at: float) -> ProcessResult:
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                fields = fh.read(4096).rsplit(b")", 1)[1].split()
            state, start = fields[0], int(fields[19])
            cpu_s = (int(fields[11]) + int(fields[12])) / CLK_TCK
            rss = int(fields[21]) * PAGE
        except FileNotFoundError:
            state, start, cpu_s, rss = b"X", 0, 0.0, 0
        except (OSError, ValueError, IndexError) as exc:
            return ProcessResult(at=at, pid=pid, error=ProbeError("error", type(exc).__name__))
        if state in (b"Z", b"X"):
            self._ticks.pop(name, None)
            return ProcessResult(at=at, pid=pid, error=ProbeError("refused", f"process {pid} is not running"))
        now = time.monotonic()
        prev = self._ticks.get(name)
        self._ticks[name] = (pid, start, cpu_s, now)
        cpu = None
        if prev is not None and prev[:2] == (pid, start) and now > prev[3]:
            cpu = round(100.0 * (cpu_s - prev[2]) / (now - prev[3]), 1)
        return ProcessResult(at=at, pid=pid, cpu_percent=cpu, rss_bytes=rss)

    def _sample_psutil(self, name: str, pid: int, at: float) -> ProcessResult:
        proc = self._procs.get(name)
        try:
            if proc is None or proc.pid != pid:
                proc = psutil.Process(pid)
                proc.cpu_percent(None)  # first call only sets the baseline
                self._procs[name] = proc
                cpu = None
            else:
                cpu = proc.cpu_percent(None)
            rss = proc.memory_info().rss
            if not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE:
                raise psutil.NoSuchProcess(pid)
        except psutil.NoSuchProcess:
            self._procs.pop(name, None)
            return ProcessResult(at=at, pid=pid, error=ProbeError("refused", f"process {pid} is not running"))
        except psutil.Error as exc:
            return ProcessResult(at=at, pid=pid, error=ProbeError("error", type(exc).__name__))
        return ProcessResult(at=at, pid=pid, cpu_percent=cpu, rss_bytes=rss)
