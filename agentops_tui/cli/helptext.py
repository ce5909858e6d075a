"""The top-level `--help`'s epilog: examples, where the config is looked up, the environment, the exit codes."""

from __future__ import annotations

EPILOG = """\
examples:
  agentops-tui                                  the dashboard on the config found (below)
  agentops-tui --config fleet.yaml --read-only  the dashboard, every action disabled
  agentops-tui demo                             the built-in demo fleet on loopback, and the dashboard on it
  agentops-tui check --config fleet.yaml        poll once, print a table, exit with the Nagios code
  agentops-tui check --json                     the same as JSON
  agentops-tui logs planner level=error since=1h   a service's recent log lines that meet a query

config lookup (the first that is set or exists):
  1. --config FILE
  2. $AGENTOPS_TUI_CONFIG
  3. $XDG_CONFIG_HOME/agentops-tui/config.yaml  (XDG_CONFIG_HOME defaults to ~/.config)
  4. /etc/agentops-tui/config.yaml              (server-wide)
  With none found, `agentops-tui demo` shows the dashboard on a built-in fleet.

environment:
  AGENTOPS_TUI_CONFIG     the config file, when --config is not given
  XDG_CONFIG_HOME         where the per-user config is looked up (default ~/.config)
  XDG_STATE_HOME          where the action journal goes: agentops-tui/audit.jsonl (default ~/.local/state;
                          as root or under sudo /var/lib/agentops-tui, shared by the operators of the box)
  NO_COLOR                any value: draw without colour (Textual honours it)
  TERM                    dumb: the dashboard refuses to draw (check and logs still run)
  TEXTUAL_ANIMATIONS      none: no animation (Textual's other TEXTUAL_* settings apply too)
  DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH
                          the Docker daemon when a service's docker: block names no host
  DBUS_SYSTEM_BUS_ADDRESS, DBUS_SESSION_BUS_ADDRESS
                          the D-Bus for systemd: (system bus, or the user bus with bus: user)
  the variables a config names (token_env, password_env, ${VAR}) hold its secrets

exit codes:
  0  OK (check: every service OK; logs: lines matched)
  1  check: the worst is WARN; logs: no line matched
  2  an invalid config or argument, or no terminal to draw on; check: the worst is CRIT
  3  check: UNKNOWN, or its config or arguments are bad (Nagios); no config found (config check: invalid);
     logs: the service has no logs; another project's `probes` shadows ours (see README, Install)
  130  interrupted (Ctrl-C)
"""
