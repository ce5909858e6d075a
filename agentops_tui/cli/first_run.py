"""No config found and no subcommand: never start the demo's processes unasked.

On a box without a terminal (a cron job, ssh host cmd, a CI step) the dashboard cannot be used anyway, and
seven demo processes appearing on a production server would be a surprise: say where configs are looked for
and exit 3 (UNKNOWN, as `check`). On a terminal, say the same and ask before opening the demo (Enter: yes).
"""

from __future__ import annotations

import argparse
import sys

from agentops_tui.cli.config import no_config_text

NO_CONFIG = 3
QUESTION = "Open the built-in demo fleet (agents on loopback, stopped when you quit)? [Y/n] "


def interactive() -> bool:
    """Both ends are a terminal: someone is there to answer and to see the dashboard."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def no_config(args: argparse.Namespace, demo_argv: list[str]) -> int:
    """The answer to `agentops-tui` with no config: the demo only after a yes on a terminal."""
    text = no_config_text(args.config).replace("CONFIG UNKNOWN - ", "agentops-tui: ", 1)
    print(f"{text}\n`agentops-tui config paths` lists every place; `agentops-tui config check` validates a file.",
          file=sys.stderr)  # fmt: skip
    if not interactive():
        return NO_CONFIG
    try:
        answer = input(QUESTION).strip().lower()
    except EOFError:
        answer = "n"
    if answer not in ("", "y", "yes"):
        return NO_CONFIG
    from agentops_tui.cli import demo, parser

    return demo.run(parser().parse_args(demo_argv))
