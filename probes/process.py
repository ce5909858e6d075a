"""CPU and memory of local processes (psutil), all services in one thread hop per poll."""

from __future__ import annotations

import asyncio
import time

import psutil

from probes.config import ProcessConfig
from probes.model import ProbeError, ProcessResult


class ProcessProbe:
    """Reads every configured pidfile and samples its process; psutil keeps the CPU baseline between polls."""

    key = "process"

    def __init__(self, targets: dict[str, ProcessConfig], interval: float, timeout: float) -> None:
        self.targets = targets
        self.interval = interval
        self.timeout = timeout
        self._procs: dict[str, psutil.Process] = {}

    async def collect(self) -> dict[str, ProcessResult]:
        return await asyncio.to_thread(self._sample_all)

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> dict[str, ProcessResult]:
        return {name: ProcessResult(at=at, error=error) for name in self.targets}

    def _sample_all(self) -> dict[str, ProcessResult]:
        at = time.time()
        return {name: self._sample(name, cfg, at) for name, cfg in self.targets.items()}

    def _sample(self, name: str, cfg: ProcessConfig, at: float) -> ProcessResult:
        pid = cfg.pid
        if cfg.pidfile:
            try:
                with open(cfg.pidfile, "rb") as fh:
                    pid = int(fh.read(32).strip() or b"0")
            except (OSError, ValueError):
                return ProcessResult(at=at, error=ProbeError("refused", "no readable pidfile"))
        if not pid:
            return ProcessResult(at=at, error=ProbeError("refused", "no pid"))
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
