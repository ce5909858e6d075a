"""The one way tests wait: poll a check until it gives something truthy.

Every bound here only stops a hung test; it is never a timing goal (timing goals are benchmarks that print
figures). `ignore` names exceptions that mean "not yet" (a restarting agent refusing connections, say).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class Deadline:
    """A bound for a loop that does its own waiting (a select on a terminal, say): true while time is left."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def __bool__(self) -> bool:
        return time.monotonic() < self.end

    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())


def _try(check: Callable[[], T], ignore: tuple[type[BaseException], ...]) -> T | None:
    try:
        return check()
    except ignore:
        return None


def poll(
    check: Callable[[], T], timeout: float, *, step: float = 0.2, ignore: tuple[type[BaseException], ...] = ()
) -> T | None:
    """check() once it is truthy; its last (falsy) answer, or None, when `timeout` passed first."""
    deadline = Deadline(timeout)
    while True:
        result = _try(check, ignore)
        if result or not deadline:
            return result
        time.sleep(step)


def wait_for(
    check: Callable[[], T | None],
    timeout: float,
    what: str,
    *,
    step: float = 0.2,
    ignore: tuple[type[BaseException], ...] = (),
) -> T:
    """check()'s first truthy answer; AssertionError naming `what` when `timeout` passed first."""
    result = poll(check, timeout, step=step, ignore=ignore)
    if not result:
        raise AssertionError(f"not within {timeout:g} s: {what}")
    return result


async def apoll(
    check: Callable[[], T],
    timeout: float,
    *,
    step: float = 0.2,
    ignore: tuple[type[BaseException], ...] = (),
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> T | None:
    """poll() for a coroutine: `sleep` lets a Textual test pass `pilot.pause`, so the app runs meanwhile."""
    deadline = Deadline(timeout)
    while True:
        result = _try(check, ignore)
        if result or not deadline:
            return result
        await sleep(step)


async def await_for(
    check: Callable[[], T | None],
    timeout: float,
    what: str,
    *,
    step: float = 0.2,
    ignore: tuple[type[BaseException], ...] = (),
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> T:
    """wait_for() for a coroutine."""
    result = await apoll(check, timeout, step=step, ignore=ignore, sleep=sleep)
    if not result:
        raise AssertionError(f"not within {timeout:g} s: {what}")
    return result


async def agather(
    fetch: Callable[[], Awaitable[T]], done: Callable[[T], object], timeout: float, step: float = 0.2
) -> T:
    """Await fetch() until done(result) or `timeout`; the last result either way (the caller asserts on it)."""
    deadline = Deadline(timeout)
    while True:
        result = await fetch()
        if done(result) or not deadline:
            return result
        await asyncio.sleep(step)
