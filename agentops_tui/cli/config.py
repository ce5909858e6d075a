"""`agentops-tui config check|show|paths|schema`: the config validated, shown or located, with nothing started.

Exit codes as `check`'s (Nagios): 0 valid, 1 valid with warnings, 3 no config or an invalid one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from probes import paths
from probes.config.load import ConfigError, load_config

OK, WARNING, UNKNOWN = 0, 1, 3
EPILOG = """exit codes (as `agentops-tui check`): 0 valid, 1 valid with warnings (printed), 3 no config found or an
invalid one (each problem as FILE:LINE: key.path: what is wrong).
config lookup: --config, $AGENTOPS_TUI_CONFIG, $XDG_CONFIG_HOME/agentops-tui/config.yaml (~/.config when unset or
relative), /etc/agentops-tui/config.yaml."""


def add(sub: Any) -> None:
    c = sub.add_parser("config", help="check, show or locate the config without starting anything",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    verbs = c.add_subparsers(dest="config_command", required=True, metavar="{check,show,paths,schema}")
    for name, text in (
        ("check", "validate the config; exit 0 valid, 1 warnings, 3 invalid or missing"),
        ("show", "print the effective config (defaults filled in, ${VAR}s expanded) as YAML, secrets masked"),
        ("paths", "print every path used: the config lookup, the journal, the state dir, the app log"),
        ("schema", "print the config's JSON Schema (for editors: see the README)"),
    ):
        v = verbs.add_parser(name, help=text, description=text, epilog=EPILOG,
                             formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
        if name != "schema":
            v.add_argument("--config", dest="config_file", help="config file")
    c.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.config_command == "schema":
        from probes.config.schema import SCHEMA_PATH

        print(SCHEMA_PATH.read_text(encoding="utf-8"), end="")
        return OK
    explicit = getattr(args, "config_file", None) or args.config
    if args.config_command == "paths":
        print(paths_text(explicit, getattr(args, "log_file", None), getattr(args, "debug", False)))
        return OK
    path = paths.find_config(explicit)
    if path is None:
        print(no_config_text(explicit))
        return UNKNOWN
    try:
        cfg, warnings = load_config(path)
        if cfg.theme is not None:  # Textual's theme names only when a theme is named: checking loads Textual
            from agentops_tui.themes import check_theme

            check_theme(cfg)
    except ConfigError as exc:
        print(f"CONFIG INVALID - {exc.file}: {len(exc.problems)} problem(s)")
        print(exc.render())
        return UNKNOWN
    if args.config_command == "show":
        from probes.text.effective import effective_yaml

        for w in warnings:
            print(f"agentops-tui: warning: {w}", file=sys.stderr)
        print(f"# effective config of {path} (secrets masked)")
        print(effective_yaml(cfg), end="")
        return OK
    state = "WARNING" if warnings else "OK"
    print(f"CONFIG {state} - {path}: {len(cfg.services)} service(s), {len(warnings)} warning(s)")
    for w in warnings:
        print(f"warning: {w}")
    return WARNING if warnings else OK


def no_config_text(explicit: str | None) -> str:
    """One status line, then where configs are looked for (what `config paths` says)."""
    lines = ["CONFIG UNKNOWN - no config file found; looked for:"]
    lines += [f"  {c.origin:<22} {c.path}" for c in paths.config_candidates(explicit)]
    lines.append("try the built-in demo with `agentops-tui demo`, or see config.example.yaml")
    return "\n".join(lines)


def paths_text(explicit: str | None, log_file: str | None, debug: bool) -> str:
    """Every file agentops-tui reads or writes, and why that one."""
    chosen = paths.find_config(explicit)
    lines = ["config (lookup order):"]
    for c in paths.config_candidates(explicit):
        mark = "chosen" if c.path == chosen else ("exists" if c.exists else "missing")
        lines.append(f"  {c.origin:<22} {c.path}  [{mark}]")
    if chosen is None:
        lines.append("  (none found: the dashboard opens only with a config; `agentops-tui demo` for the demo)")
    journal, why = _journal(chosen)
    lines.append(f"journal:  {journal}  [{why}]")
    lines.append(f"state:    {paths.state_home()}")
    log = paths.app_log_path(log_file, debug)
    lines.append(f"app log:  {log if log else 'none (give --log-file PATH or --debug)'}")
    return "\n".join(lines)


def _journal(config: Path | None) -> tuple[Path, str]:
    if config is not None:
        try:
            cfg, _ = load_config(config)
        except ConfigError:
            cfg = None
        if cfg is not None and cfg.actions.journal:
            return Path(cfg.actions.journal), f"actions.journal in {config}"
    if paths.journal_state_dir() == paths.SYSTEM_STATE_DIR:
        return paths.default_journal_path(), "system-wide: running as root or under sudo"
    return paths.default_journal_path(), "per user: $XDG_STATE_HOME"
