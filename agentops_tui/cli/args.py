"""Argument types shared by the subcommands: each refuses what would run a fleet or a wait on nonsense."""

from __future__ import annotations

import argparse
import math

MAX_DEMO_AGENTS = 1000
MAX_SETTLE_S = 600.0


def positive(text: str) -> float:
    """A finite number above 0 (`nan` passes every `<= 0` check and would run a fleet on a schedule of nans)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, got {text!r}")
    return value


def settle(text: str) -> float:
    """Seconds check waits between its two scrapes: `inf` waited forever."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= MAX_SETTLE_S:
        raise argparse.ArgumentTypeError(f"must be a number of seconds from 0 to {MAX_SETTLE_S:g}, got {text!r}")
    return value


def agents(text: str) -> int:
    if not (text.isdigit() and 1 <= int(text) <= MAX_DEMO_AGENTS):
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_DEMO_AGENTS}, got {text!r}")
    return int(text)


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < 3600:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds between 0 and 3600")
    return value
