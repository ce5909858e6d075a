"""What every subcommand does with a config: load it (warnings to stderr, compose projects expanded), or draw it."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

from probes.config import FleetConfig
from probes.config.load import load_config
from probes.config.trust import ALLOW_FLAG


def load(path: Path, allow_insecure_config: bool = False) -> FleetConfig:
    cfg, warnings = load_config(path)
    for w in warnings:
        print(f"agentops-tui: warning: {w}", file=sys.stderr)
    if cfg.untrusted and allow_insecure_config:
        print(f"agentops-tui: warning: running the commands of {path} anyway ({ALLOW_FLAG})", file=sys.stderr)
        cfg = replace(cfg, untrusted=None)
    if any(s.docker is not None and s.docker.compose_project and not s.docker.compose_service for s in cfg.services):
        from probes.sources.docker.compose import expand_compose

        cfg, notes = expand_compose(cfg)
        for n in notes:
            print(f"agentops-tui: note: {n}", file=sys.stderr)
    return cfg


NO_TERMINAL_EXIT = 2
INSTEAD = (
    "  agentops-tui check     the fleet's status once: a table, --json, or Nagios exit codes (0/1/2/3)\n"
    "  agentops-tui logs NAME a service's log lines\n"
    "  or open it where there is a terminal: ssh -t HOST agentops-tui, or inside tmux/screen"
)


def terminal_problem() -> str | None:
    """Why the dashboard cannot be drawn here (and what to run instead), or None. Drawing into a pipe or a
    file, or onto a terminal that says TERM=dumb, would write screenfuls of escape sequences nobody can read."""
    if not sys.stdout.isatty():
        return f"agentops-tui: stdout is not a terminal, so the dashboard cannot be drawn. Instead:\n{INSTEAD}"
    if not sys.stdin.isatty():
        return f"agentops-tui: stdin is not a terminal, so the dashboard cannot read keys. Instead:\n{INSTEAD}"
    if os.environ.get("TERM") == "dumb":
        return (f"agentops-tui: TERM=dumb: this terminal cannot draw the dashboard; set TERM to what it is "
                f"(e.g. TERM=xterm-256color), or:\n{INSTEAD}")  # fmt: skip
    return None


def run_dashboard(cfg: FleetConfig, badges: tuple[str, ...] = ()) -> int:
    from agentops_tui.themes import check_theme

    check_theme(cfg)
    problem = terminal_problem()
    if problem:
        print(problem, file=sys.stderr)
        return NO_TERMINAL_EXIT
    from agentops_tui.app import make_app  # Textual only when drawing

    app = make_app(cfg, badges=badges)
    result = app.run()
    if app.return_code:  # an unhandled exception ended it (Textual printed it): a crash is never a clean quit
        return app.return_code
    return int(result or 0)
