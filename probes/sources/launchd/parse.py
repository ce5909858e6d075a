"""Parsers for `launchctl print` and `launchctl list` output (documented as "not API": parse leniently).

`launchctl print DOMAIN/LABEL` prints `TARGET = {` then tab-indented `key = value` lines and nested `{ }` blocks.
Environment blocks carry API keys: their values never leave this module (only names, with masked values).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from probes.model import LaunchdJob
from probes.text.sanitize import clean

MASK = "********"
ENV_BLOCKS = ("environment", "inherited environment", "default environment")
_SIGNAL = re.compile(r"^\s*([A-Za-z ]+)?:?\s*(\d+)\s*$")


def _int(text: str) -> int | None:
    m = re.match(r"^\s*(-?\d+)", text)
    return int(m.group(1)) if m else None


def parse_print(text: str, label: str, target: str) -> LaunchdJob:
    """The fields we use from `launchctl print` output; unknown lines are ignored, environments masked."""
    top, blocks = _sections(text)
    env = []
    for block in ENV_BLOCKS[:1]:  # the job's own environment; inherited/default ones are the user's session
        for entry in blocks.get(block, [])[:200]:
            name = entry.partition("=>")[0].strip()
            if name:
                env.append((clean(name, 128), MASK))
    last_exit, last_signal, never = _last_exit(top)
    props = top.get("properties", "")
    stdout = top.get("stdout path")
    stderr = top.get("stderr path")
    return LaunchdJob(
        label=clean(label, 256),
        target=clean(target, 300),
        state=clean(top.get("state", ""), 64),
        pid=_int(top.get("pid", "")),
        runs=_int(top.get("runs", "")),
        last_exit=last_exit,
        last_signal=last_signal,
        never_exited=never,
        program=clean(top.get("program", ""), 512),
        arguments=tuple(clean(a, 256) for a in blocks.get("arguments", [])[:64]),
        stdout_path=clean(stdout, 1024) if stdout else None,
        stderr_path=clean(stderr, 1024) if stderr else None,
        keepalive="keepalive" in props,
        environment=tuple(env),
    )


def _sections(text: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The job's own `key = value` lines (the first of each key), and the lines of each block nested in it."""
    top: dict[str, str] = {}
    blocks: dict[str, list[str]] = {}
    stack: list[str] = []
    for raw in text.splitlines()[:5000]:
        line = raw.strip()
        if not line:
            continue
        if line == "}":
            if stack:
                stack.pop()
            continue
        if line.endswith("{"):
            key = line[:-1].rstrip().rstrip("=").strip()
            stack.append(key)
            continue
        if len(stack) == 1:
            key, sep, value = line.partition(" = ")
            if sep:
                top.setdefault(key.strip(), value.strip())
        elif len(stack) == 2:
            blocks.setdefault(stack[1], []).append(line)
    return top, blocks


def _last_exit(top: dict[str, str]) -> tuple[int | None, int | None, bool]:
    """(last exit code, signal that ended the last run, never exited) as launchctl says them."""
    last_exit: int | None = None
    last_signal: int | None = None
    never = False
    raw_exit = top.get("last exit code", "")
    if "never exited" in raw_exit:
        never = True
    elif raw_exit:
        code = _int(raw_exit)
        if code is not None and code < 0:
            last_signal = -code
        else:
            last_exit = code
    sig = top.get("last terminating signal")
    if sig:
        m = _SIGNAL.match(sig)
        if m:
            last_signal, last_exit, never = int(m.group(2)), None, False
    return last_exit, last_signal, never


@dataclass(frozen=True)
class ListedJob:
    """One row of `launchctl list`: pid None when not running; a negative status is the killing signal."""

    label: str
    pid: int | None
    status: int | None


def parse_list(text: str) -> list[ListedJob]:
    """Rows of `launchctl list` (`PID<TAB>Status<TAB>Label`), the header and odd lines skipped."""
    out: list[ListedJob] = []
    for line in text.splitlines()[:20000]:
        parts = line.split("\t")
        if len(parts) != 3 or parts[2] == "Label":
            continue
        pid, status, label = (p.strip() for p in parts)
        if not label:
            continue
        out.append(
            ListedJob(clean(label, 256), _int(pid) if pid != "-" else None, _int(status) if status != "-" else None)
        )
    return out
