"""launchd probe: `launchctl print` for every configured job, run concurrently (bounded), each with a timeout and
an output cap; `launchctl list` once per poll when a service names a label prefix.

There is no launchd API short of private XPC, and `launchctl print` is documented as "not API", so its text is
parsed leniently (probes.sources.launchd.parse) and anything odd becomes UNKNOWN with the reason, never an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

from probes.config import LaunchdConfig
from probes.model import LaunchdJob, LaunchdResult, ProbeError
from probes.sources.launchd.parse import parse_list, parse_print
from probes.text.sanitize import clean

MAX_OUTPUT = 256 * 1024  # bytes read from one launchctl call; `print` of one job is a few KiB
PARALLEL = 8  # launchctl processes at once
MAX_JOBS = 50  # jobs one label prefix may match
NOT_FOUND = 113  # launchctl's exit code for "Could not find service"


def domain_target(domain: str, uid: int | None = None) -> str:
    """gui -> gui/UID (the dashboard's user), user -> user/UID; gui/501, user/501 and system as given."""
    uid = os.getuid() if uid is None else uid
    if domain in ("gui", "user"):
        return f"{domain}/{uid}"
    return domain


class LaunchctlError(Exception):
    def __init__(self, error: ProbeError) -> None:
        super().__init__(error.message)
        self.error = error


async def launchctl(*args: str, timeout: float, program: str = "launchctl") -> tuple[int, bytes, bytes]:
    """Run launchctl with a timeout, reading at most MAX_OUTPUT bytes of each stream; raises LaunchctlError."""
    try:
        proc = await asyncio.create_subprocess_exec(
            program, *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
    except FileNotFoundError as exc:
        raise LaunchctlError(ProbeError("error", "launchctl not found (launchd is macOS only)")) from exc
    except OSError as exc:
        raise LaunchctlError(ProbeError("error", clean(f"launchctl: {exc}", 200))) from exc
    try:
        out, err = await asyncio.wait_for(asyncio.gather(_read(proc.stdout), _read(proc.stderr)), timeout)
        code = await asyncio.wait_for(proc.wait(), max(0.1, timeout / 4))
    except (asyncio.TimeoutError, asyncio.CancelledError) as exc:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        with contextlib.suppress(asyncio.TimeoutError, ProcessLookupError, asyncio.CancelledError):
            await asyncio.wait_for(proc.wait(), 2.0)
        if isinstance(exc, asyncio.CancelledError):
            raise
        raise LaunchctlError(ProbeError("timeout", f"launchctl {args[0]} gave no answer within {timeout:g}s")) from exc
    return code, out, err


async def _read(stream: asyncio.StreamReader | None) -> bytes:
    """Read to the end but keep at most MAX_OUTPUT bytes (so the child never blocks on a full pipe)."""
    if stream is None:
        return b""
    buf = bytearray()
    while chunk := await stream.read(65536):
        if len(buf) < MAX_OUTPUT:
            buf += chunk[: MAX_OUTPUT - len(buf)]
    return bytes(buf)


class LaunchdProbe:
    """Polls every launchd service of the fleet in one probe (key "launchd"); results per service name."""

    key = "launchd"

    def __init__(self, targets: dict[str, LaunchdConfig], interval: float, timeout: float) -> None:
        self.targets = targets
        self.interval = interval
        self.timeout = timeout
        self.call_timeout = max(0.1, timeout * 0.9)
        self._sem = asyncio.Semaphore(PARALLEL)

    async def collect(self) -> dict[str, LaunchdResult]:
        at = time.time()
        listed: list[str] | ProbeError | None = None
        if any(cfg.label_prefix for cfg in self.targets.values()):
            listed = await self._list()
        names = list(self.targets)
        results = await asyncio.gather(*(self._service(self.targets[n], listed, at) for n in names))
        return dict(zip(names, results, strict=True))

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> dict[str, LaunchdResult]:
        return {name: LaunchdResult(at=at, error=error) for name in self.targets}

    async def _list(self) -> list[str] | ProbeError:
        try:
            code, out, err = await launchctl("list", timeout=self.call_timeout)
        except LaunchctlError as exc:
            return exc.error
        if code != 0:
            return ProbeError("error", clean(f"launchctl list: exit {code}: {err.decode('utf-8', 'replace')}", 200))
        return [job.label for job in parse_list(out.decode("utf-8", "replace"))]

    async def _service(self, cfg: LaunchdConfig, listed: list[str] | ProbeError | None, at: float) -> LaunchdResult:
        labels: list[str] = [cfg.label] if cfg.label else []
        if cfg.label_prefix:
            if isinstance(listed, ProbeError):
                return LaunchdResult(at=at, error=listed)
            labels += sorted(lb for lb in listed or [] if lb.startswith(cfg.label_prefix) and lb not in labels)
            if not labels:
                return LaunchdResult(at=at, error=ProbeError("refused", f"no job label starts with {cfg.label_prefix}"))
        domain = domain_target(cfg.domain)
        jobs = await asyncio.gather(*(self._print(label, f"{domain}/{label}") for label in labels[:MAX_JOBS]))
        for job in jobs:
            if isinstance(job, ProbeError):
                return LaunchdResult(at=at, error=job)
        return LaunchdResult(at=at, jobs=tuple(j for j in jobs if isinstance(j, LaunchdJob)))

    async def _print(self, label: str, target: str) -> LaunchdJob | ProbeError:
        async with self._sem:
            try:
                code, out, err = await launchctl("print", target, timeout=self.call_timeout)
            except LaunchctlError as exc:
                return exc.error
        if code == NOT_FOUND:
            return LaunchdJob(label=clean(label, 256), target=clean(target, 300), loaded=False)
        if code != 0:
            text = clean(err.decode("utf-8", "replace") or out.decode("utf-8", "replace"), 200)
            return ProbeError("error", f"launchctl print {clean(target, 200)}: exit {code}: {text}")
        job = parse_print(out.decode("utf-8", "replace"), label, target)
        if not job.state:
            return ProbeError("garbage", f"launchctl print {clean(target, 200)}: no state in its output")
        return job
