"""Who is running: the `--version` line, and the check that the `probes` package imported is this project's.

An unrelated project on PyPI is also named `probes`. Installed into the same environment, or earlier on
PYTHONPATH, it would shadow ours and every command would die deep in an import. The command line imports this
module before anything of `probes`, so that case ends with one line naming the other package and what to do.
"""

from __future__ import annotations

import argparse
import platform
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any

DIST = "agentops-tui"
BROKEN_INSTALL = 3
"""Exit code when `probes` is not ours: nothing was checked (UNKNOWN, as `check` says it)."""


def version_line() -> str:
    """`agentops-tui 0.1.0 (Textual 8.2.8, Python 3.11.7)`, from the installed metadata: no Textual module loads."""
    return f"{DIST} {_version(DIST)} (Textual {_version('textual')}, Python {platform.python_version()})"


class VersionAction(argparse.Action):
    """`--version`: the line is made only when asked, since reading the metadata costs every start ~8 ms."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        kwargs.setdefault("help", "print the versions of agentops-tui, Textual and Python, and exit")
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(version_line())
        parser.exit()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def foreign_probes() -> str | None:
    """Why the importable `probes` is not ours (where it is), or None when it is ours."""
    try:
        import probes
    except ImportError as exc:
        return f"the 'probes' package cannot be imported ({exc})"
    if getattr(probes, "PROJECT", None) == DIST:
        return None
    where = getattr(probes, "__file__", None) or ", ".join(getattr(probes, "__path__", []))
    return f"the 'probes' package imported from {where} is not agentops-tui's"


def require_our_probes() -> None:
    """Exit with one line when another project's `probes` shadows ours."""
    problem = foreign_probes()
    if problem is None:
        return
    print(
        f"agentops-tui: {problem} (another project of that name comes first on the import path): take it off "
        "PYTHONPATH, or install agentops-tui in a venv of its own (pipx install .); sharing a venv with it, "
        "`pip uninstall probes` and then reinstall agentops-tui",
        file=sys.stderr,
    )
    raise SystemExit(BROKEN_INSTALL)


require_our_probes()
