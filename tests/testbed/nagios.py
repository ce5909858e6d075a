"""Nagios Core 4 (Debian's `nagios4`) in the foreground with a config of its own in a temporary directory: one
host, services whose check_command runs a given program; what Nagios made of each check is read back from its
status.dat (current_state, plugin_output, long_plugin_output, performance_data)."""

from __future__ import annotations

import grp
import os
import pwd
import shlex
import subprocess
import time
from pathlib import Path

from tests import waiting
from tests.testbed import binary, spawn, stop

OBJECTS = """\
define timeperiod {{
    timeperiod_name  always
    alias            always
{days}
}}
define command {{
    command_name  noop
    command_line  /bin/true
}}
define contact {{
    contact_name                   nobody
    host_notifications_enabled     0
    service_notifications_enabled  0
    host_notification_period       always
    service_notification_period    always
    host_notification_options      n
    service_notification_options   n
    host_notification_commands     noop
    service_notification_commands  noop
}}
define host {{
    host_name              agents
    address                127.0.0.1
    max_check_attempts     1
    check_period           always
    contacts               nobody
    notification_period    always
    notification_interval  0
}}
define service {{
    name                   generic-service
    register               0
    max_check_attempts     1
    check_interval         3600
    retry_interval         3600
    check_period           always
    contacts               nobody
    notification_period    always
    notification_interval  0
}}
"""

SERVICE = """\
define command {{
    command_name  {name}
    command_line  {script}
}}
define service {{
    use                    generic-service
    host_name              agents
    service_description    {name}
    check_command          {name}
}}
"""

DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")


class Nagios:
    """nagios4 checking `services` (description -> argv): each check forced once at start through the external
    command file (the next one is an hour away); `checked()` waits for them, `status()` reads status.dat."""

    def __init__(self, workdir: Path, services: dict[str, list[str]], objects: str = "", more: tuple[str, ...] = ()):
        """`objects`: more object definitions as written (host `agents`, template `generic-service`), defining
        the services named in `more`."""
        self.dir = Path(workdir)
        self.services = services
        self.objects = objects
        self.names = [*services, *more]
        self.proc: subprocess.Popen[bytes] | None = None

    def write_config(self) -> Path:
        d = self.dir
        (d / "spool").mkdir(parents=True, exist_ok=True)
        (d / "rw").mkdir(exist_ok=True)
        days = "\n".join(f"    {day}  00:00-24:00" for day in DAYS)
        objects = [OBJECTS.format(days=days)]
        for name, argv in self.services.items():
            script = d / f"{name}.sh"  # `;` starts a comment in Nagios object files: the command goes in a script
            script.write_text(f"#!/bin/sh\nexec {shlex.join(argv)}\n")
            script.chmod(0o755)
            objects.append(SERVICE.format(name=name, script=script))
        (d / "objects.cfg").write_text("".join([*objects, self.objects]))
        user, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
        main = {
            "log_file": d / "nagios.log", "cfg_file": d / "objects.cfg", "status_file": d / "status.dat",
            "temp_file": d / "nagios.tmp", "temp_path": d, "lock_file": d / "nagios.lock",
            "check_result_path": d / "spool", "object_cache_file": d / "objects.cache",
            "precached_object_file": d / "objects.precache", "command_file": d / "rw" / "nagios.cmd",
            "state_retention_file": d / "retention.dat", "retain_state_information": 0,
            "use_retained_scheduling_info": 0, "nagios_user": user, "nagios_group": group, "interval_length": 1,
            "max_service_check_spread": 1, "max_host_check_spread": 1, "check_result_reaper_frequency": 1,
            "status_update_interval": 1, "execute_host_checks": 0, "enable_notifications": 0, "use_syslog": 0,
            "service_check_timeout": 120, "query_socket": d / "nagios.qh", "check_external_commands": 1,
            "illegal_macro_output_chars": "`~$&|'\"<>",
        }  # fmt: skip
        cfg = d / "nagios.cfg"
        cfg.write_text("".join(f"{k}={v}\n" for k, v in main.items()))
        return cfg

    def start(self) -> None:
        nagios = binary("nagios4")
        cfg = self.write_config()
        check = subprocess.run([nagios, "-v", str(cfg)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nagios4 -v refused the config:\n{check.stdout}{check.stderr}")
        self.proc = spawn([nagios, str(cfg)], self.dir / "nagios.out")
        if not waiting.poll(self._force_checks, 30, step=0.1):
            raise RuntimeError(f"nagios4 opened no command file within 30 s: see {self.dir / 'nagios.out'}")

    def _force_checks(self) -> bool:
        """Ask for every check now through the external command file, instead of waiting for Nagios to spread
        the first checks over a minute; False until Nagios reads the file."""
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"nagios4 exited with {self.proc.returncode}: see {self.dir / 'nagios.out'}")
        try:
            fd = os.open(self.dir / "rw" / "nagios.cmd", os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # not there yet, or no reader yet (ENXIO)
            return False
        now = int(time.time())
        lines = "".join(f"[{now}] SCHEDULE_FORCED_SVC_CHECK;agents;{name};{now}\n" for name in self.names)
        try:
            os.write(fd, lines.encode())
        finally:
            os.close(fd)
        return True

    def checked(self, timeout: float) -> dict[str, dict[str, str]]:
        """Every service's status once Nagios has checked them all (the bound only stops a hung test)."""
        if not waiting.poll(lambda: self._all_checked(), timeout, step=0.25):
            log = (self.dir / "nagios.log").read_text(errors="replace") if (self.dir / "nagios.log").exists() else ""
            raise RuntimeError(f"nagios4 did not check every service within {timeout:.0f} s; its log:\n{log}")
        return self.status()

    def _all_checked(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"nagios4 exited with {self.proc.returncode}: see {self.dir / 'nagios.out'}")
        st = self.status()
        return set(st) == set(self.names) and all(s.get("has_been_checked") == "1" for s in st.values())

    def status(self) -> dict[str, dict[str, str]]:
        """servicestatus blocks of status.dat by service_description (values as Nagios wrote them)."""
        path = self.dir / "status.dat"
        if not path.exists():
            return {}
        out: dict[str, dict[str, str]] = {}
        block: dict[str, str] | None = None
        for line in path.read_text(errors="replace").splitlines():
            line = line.strip()
            if line == "servicestatus {":
                block = {}
            elif line == "}" and block is not None:
                out[block.get("service_description", "")] = block
                block = None
            elif block is not None and "=" in line:
                key, _, value = line.partition("=")
                block[key] = value
        return out

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, grace=10.0)
            self.proc = None
