"""The epilog of `check --help`: what a Nagios or Icinga admin needs to define the check without the README."""

from __future__ import annotations

EPILOG = """\
output (the Nagios plugin guidelines' format):
  first line   AGENTOPS CRITICAL - 1 crit, 2 warn of 7: writer error rate 27% >= 25%; ... | PERFDATA
               the status, the counts, the worst services' reasons (a "|" from outside shows as "¦")
  perfdata     per service 'NAME_p95'=1.8s;WARN;CRIT;0  'NAME_err'=24%;WARN;CRIT;0;100  'NAME_tasks'=3;;;0
               'NAME_spend'=2.40;WARN;CRIT;0 (USD today, from its ledger); and the fleet's
               'spend_today'=11.62;WARN;CRIT;0. WARN/CRIT are the thresholds the statuses come from (a service
               turns WARN at value >= WARN); spend lines are the daily budget times warn_at/crit_at. A number
               with no data is left out.
  long output  the table (SERVICE STATUS P95 ERR% ...), alerts, spend notes, then the thresholds used.
  --service    only those services decide the status, line and perfdata; the fleet's spend and budget are
               not checked (define one fleet check without --service for them).
  --json       the same poll as JSON: "schema": 1, "timestamp" (UTC), "status", "services", "alerts",
               "budget", "thresholds"; an error is {"schema": 1, "status": "UNKNOWN", "error": {...}}.

exit codes:
  0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (a probe failed, data is stale, or check itself could not run: a bad
  flag or value, a config error, a missing config file, an unknown --service: one line on stdout saying so).

Nagios (one check per agent; the poll takes about --settle plus the ledger read, at most ~10 s):
  define command {
      command_name  check_agentops
      command_line  /usr/local/bin/agentops-tui check --config /etc/agentops-tui/config.yaml --service '$ARG1$'
  }
  define service {
      use                  generic-service
      host_name            agents-01
      service_description  agent writer
      check_command        check_agentops!writer
  }

Icinga 2:
  object CheckCommand "agentops" {
    command = [ "/usr/local/bin/agentops-tui", "check" ]
    arguments = {
      "--config" = "$agentops_config$"
      "--service" = { value = "$agentops_services$"; repeat_key = true }
    }
    vars.agentops_config = "/etc/agentops-tui/config.yaml"
  }
  apply Service "agent-writer" {
    check_command = "agentops"
    vars.agentops_services = [ "writer" ]
    assign where host.name == "agents-01"
  }
"""
