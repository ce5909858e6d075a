"""CPU and memory of local processes, all services in one thread hop per poll.

On Linux one read of /proc/PID/stat gives CPU time, state, start time (a reused pid is a new process) and RSS:
about a fifth of what psutil's calls cost per process, which adds up at 200 services every 2 s. The stat file
stays open between polls and is read again from offset 0 (as top does), which saves the /proc path lookup; once
its process is gone the read fails, so a pid reused by another process is never read through the old file.
Elsewhere (macOS) psutil does it.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time

import psutil

from probes.config import ProcessConfig
from probes.files.safe import NotRegularFile, open_regular
from probes.model import ProbeError, ProcessResult

LINUX = sys.platform.startswith("linux") and os.path.exists("/proc/self/stat")
CLK_TCK = os.sysconf("SC_CLK_TCK") if LINUX else 100
PAGE = os.sysconf("SC_PAGE_SIZE") if LINUX else 4096
KEEP_OPEN = 256  # stat files kept open at most: a big fleet must not use up the descriptors HTTP polling needs


def read_pid(cfg: ProcessConfig) -> int | ProbeError:
    """The PID the config names now: its pidfile read again (a restarted process has a new one), else `pid:`."""
    pid = cfg.pid
    if cfg.pidfile:
        try:
            fd = open_regular(cfg.pidfile)
            try:
                pid = int(os.read(fd, 32).strip() or b"0")
            finally:
                os.close(fd)
        except NotRegularFile as exc:
            return ProbeError("refused", f"pidfile: {exc}")
        except (OSError, ValueError):
            return ProbeError("refused", "no readable pidfile")
    return pid or ProbeError("refused", "no pid")


class ProcessProbe:
    """Reads every configured pidfile and samples its process; the CPU baseline is kept between polls."""

    key = "process"

    def __init__(self, targets: dict[str, ProcessConfig], interval: float, timeout: float) -> None:
        self.targets = targets
        self.interval = interval
        self.timeout = timeout
        self._procs: dict[str, psutil.Process] = {}
        self._ticks: dict[str, tuple[int, int, float, float]] = {}  # name -> (pid, start time, CPU s, when)
        self._stat_fds: dict[int, int] = {}  # pid -> open /proc/PID/stat
        self._pids: dict[str, tuple[tuple[int, ...], int]] = {}  # pidfile -> (its stat when read, the pid in it)
        self._lock = threading.Lock()  # close() may come while a poll still runs on its worker thread

    def close(self) -> None:
        with self._lock:
            for fd in self._stat_fds.values():
                os.close(fd)
            self._stat_fds.clear()

    async def collect(self) -> dict[str, ProcessResult]:
        return await asyncio.to_thread(self._sample_all)

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> dict[str, ProcessResult]:
        return {name: ProcessResult(at=at, error=error) for name in self.targets}

    def _sample_all(self) -> dict[str, ProcessResult]:
        at = time.time()
        with self._lock:
            out = {name: self._sample(name, cfg, at) for name, cfg in self.targets.items()}
            if len(self._stat_fds) > len(self.targets):  # files of processes no service points at any more
                live = {r.pid for r in out.values() if r.error is None}
                for pid in [p for p in self._stat_fds if p not in live]:
                    os.close(self._stat_fds.pop(pid))
        return out

    def _sample(self, name: str, cfg: ProcessConfig, at: float) -> ProcessResult:
        pid = self._pid(cfg)
        if isinstance(pid, ProbeError):
            return ProcessResult(at=at, error=pid)
        if LINUX:
            return self._sample_proc(name, pid, at)
        return self._sample_psutil(name, pid, at)

    def _pid(self, cfg: ProcessConfig) -> int | ProbeError:
        """The pidfile read again only when its stat changed: one stat a poll instead of five calls. The stamp is
        taken before the read, so a write that races the read shows as a change next time."""
        if not cfg.pidfile:
            return read_pid(cfg)
        try:
            st = os.stat(cfg.pidfile)
        except OSError:
            return read_pid(cfg)  # its error says why
        stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        hit = self._pids.get(cfg.pidfile)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        pid = read_pid(cfg)
        if isinstance(pid, int):
            self._pids[cfg.pidfile] = (stamp, pid)
        return pid

    def _sample_proc(self, name: str, pid: int, at: float) -> ProcessResult:
        try:
            fields = self._read_stat(pid).rsplit(b")", 1)[1].split()
            state, start = fields[0], int(fields[19])
            cpu_s = (int(fields[11]) + int(fields[12])) / CLK_TCK
            rss = int(fields[21]) * PAGE
        except (FileNotFoundError, ProcessLookupError):
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

    def _read_stat(self, pid: int) -> bytes:
        """/proc/PID/stat through the file kept open for `pid`; ProcessLookupError once that process is gone."""
        fd = self._stat_fds.get(pid)
        if fd is None:
            fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY)
            if len(self._stat_fds) >= KEEP_OPEN:
                try:
                    return os.pread(fd, 4096, 0)
                finally:
                    os.close(fd)
            self._stat_fds[pid] = fd
        try:
            data = os.pread(fd, 4096, 0)
        except OSError:
            os.close(self._stat_fds.pop(pid))
            raise ProcessLookupError(pid) from None
        if not data:  # the process exited and was reaped
            os.close(self._stat_fds.pop(pid))
            raise ProcessLookupError(pid)
        return data

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
