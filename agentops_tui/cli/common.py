"""What every subcommand does with a config: load it (warnings to stderr, compose projects expanded), or draw it."""

from __future__ import annotations

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


def run_dashboard(cfg: FleetConfig, badges: tuple[str, ...] = ()) -> int:
    from agentops_tui.app import make_app  # Textual only when drawing
    from agentops_tui.themes import check_theme

    check_theme(cfg)
    app = make_app(cfg, badges=badges)
    result = app.run()
    if app.return_code:  # an unhandled exception ended it (Textual printed it): a crash is never a clean quit
        return app.return_code
    return int(result or 0)
