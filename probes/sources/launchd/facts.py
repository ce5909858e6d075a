"""A launchd job's facts for the detail view; its environment is shown by variable name with the value masked
(it carries API keys)."""

from __future__ import annotations

from probes.model import LaunchdResult

MAX_JOBS_SHOWN = 20


def launchd_facts(r: LaunchdResult) -> list[tuple[str, str]]:
    if r.error is not None:
        return [("launchd", r.error.message)]
    out: list[tuple[str, str]] = []
    for j in r.jobs[:MAX_JOBS_SHOWN]:
        p = f"{j.label} " if len(r.jobs) > 1 else ""
        out.append((f"{p}job", f"{j.target}: {j.state if j.loaded else 'not loaded'}"))
        if j.pid:
            out.append((f"{p}pid", str(j.pid)))
        if j.runs is not None:
            out.append((f"{p}runs", str(j.runs)))
        if j.last_exit_text:
            out.append((f"{p}last exit", j.last_exit_text))
        if j.program:
            out.append((f"{p}program", j.program))
        for name, path in (("stdout", j.stdout_path), ("stderr", j.stderr_path)):
            if path:
                out.append((f"{p}{name}", path))
        if j.environment:
            out.append((f"{p}environment", ", ".join(f"{k}={v}" for k, v in j.environment)))
    return out
