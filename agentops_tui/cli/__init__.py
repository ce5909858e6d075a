"""Command line: `agentops-tui` (dashboard), `agentops-tui demo`, `agentops-tui check`, `agentops-tui logs`.

Each subcommand is one module here with `add(sub)` (its parser; `set_defaults(run=...)`) and `run(args)`.
Textual is imported only by the commands that draw, so `check` and `demo --fleet-only` start fast and run
where no terminal exists.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace

from agentops_tui.cli import identity  # first: one line, not a traceback, when another project's `probes` is found
from agentops_tui.cli.helptext import EPILOG
from probes.config import FleetConfig
from probes.config.load import ConfigError
from probes.paths import find_config


def parser() -> argparse.ArgumentParser:
    from agentops_tui.cli import check, completion, config, demo, help_cmd, logs

    p = argparse.ArgumentParser(
        prog="agentops-tui",
        description="Terminal dashboard for LLM agents run as services. With no config, offers the built-in demo "
        "on a terminal (`agentops-tui demo` opens it).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action=identity.VersionAction)
    p.add_argument("--config", help="config file (default: $AGENTOPS_TUI_CONFIG, the XDG config path, then /etc)")
    p.add_argument("--log-file", metavar="PATH", help="write the application log here (probe errors, actions)")
    p.add_argument("--debug", action="store_true", help="log at debug level (to --log-file, else the state dir)")
    p.add_argument("--read-only", action="store_true", help="disable every action (restart, throttle, drain)")
    p.add_argument(
        "--allow-insecure-config",
        action="store_true",
        help="run the config's commands even when other users can change the file or its directory",
    )
    p.add_argument("--theme", type=theme, help="Textual theme (wins over theme: in the config and the one last picked)")
    sub = p.add_subparsers(dest="command")
    for command in (demo, check, logs, config, help_cmd, completion):
        command.add(sub)
    return p


def theme(name: str) -> str:
    """--theme: one of Textual's themes (the list is loaded only when --theme is given)."""
    from agentops_tui.themes import theme_names, unknown

    if name not in theme_names():
        raise argparse.ArgumentTypeError(unknown(name))
    return name


def with_theme(cfg: FleetConfig, args: argparse.Namespace) -> FleetConfig:
    """--theme wins over the config's `theme:`."""
    return replace(cfg, theme=args.theme) if getattr(args, "theme", None) else cfg


def dashboard(args: argparse.Namespace) -> int:
    """No subcommand: the dashboard on the config found, else the demo fleet."""
    from agentops_tui.cli.common import load, run_dashboard
    from agentops_tui.cli.first_run import no_config

    path = find_config(args.config)
    if path is None:
        return no_config(args, ["--read-only"] * args.read_only + ["demo"])
    cfg = load(path, args.allow_insecure_config)
    if args.read_only:
        cfg = replace(cfg, read_only=True)
    return run_dashboard(with_theme(cfg, args))


def _log_to(args: argparse.Namespace) -> bool:
    """The application log as --log-file/--debug ask (see agentops_tui.applog); False when it cannot be opened."""
    from agentops_tui.applog import setup
    from probes.paths import app_log_path

    path = app_log_path(args.log_file, args.debug)
    try:
        setup(path, args.debug)
    except OSError as exc:
        print(f"agentops-tui: cannot write the log file {path}: {exc.strerror or exc}", file=sys.stderr)
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    p = parser()
    if "_ARGCOMPLETE" in os.environ:  # the shell asks for completions (agentops-tui completion SHELL)
        from agentops_tui.cli.completion import complete

        complete(p)
    args, unknown = p.parse_known_args(argv)
    if unknown:  # what parse_args does, but a subcommand may answer it its own way (check: UNKNOWN, exit 3)
        getattr(args, "usage_error", p.error)(f"unrecognized arguments: {' '.join(unknown)}")
    if not _log_to(args):
        return 2
    try:
        return int(args.run(args)) if hasattr(args, "run") else dashboard(args)
    except ConfigError as exc:
        print(f"agentops-tui: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
