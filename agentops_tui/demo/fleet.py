"""The built-in demo fleet: real agent and proxy processes on 127.0.0.1, plus the config that points at them.

``DemoFleet`` seeds today's ledger, starts the model proxy (agents need its port), then every agent process,
and keeps them running through the scheduled faults (see :mod:`agentops_tui.demo.schedule`). Nothing here
imports Textual: the fleet also runs headless (``run_fleet_only``) and in tests.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from agentops_tui.demo import schedule
from agentops_tui.demo.janitor import PREFIX as JANITOR_PREFIX
from agentops_tui.demo.ledger import seed_ledger
from agentops_tui.demo.proxy import COMPLETIONS
from agentops_tui.demo.roster import (
    GUIDE_NAME,
    PROXY_NAME,
    QUEUE_NAME,
    SEED_FRACTION,
    ProcSpec,
    agent_names,
    assign_ports,
    daily_budget,
    description,
    plan_processes,
    queue_rate,
)
from agentops_tui.demo.runtime import STOP_SIGNALS, TOKEN_ENV, stop_on_signals
from agentops_tui.demo.supervisor import Child, Supervisor

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # so children import this very copy of the package
CONFIG_HEADER = (
    "# agentops-tui demo fleet, written by DemoFleet.write_config.\n"
    "# Ports, paths and the admin token are only valid while that fleet runs.\n"
)
CONTROL_ACTIONS = ("drain", "resume", "throttle", "restart")


class DemoFleet:
    """Supervised demo services; build, start(), use, stop()."""

    def __init__(
        self,
        workdir: Path | None = None,
        services: int = 5,
        cycle_s: float = 120.0,
        base_port: int = 0,
        refresh_interval: float = 2.0,
        guide: bool = False,
    ) -> None:
        if services < 1:
            raise ValueError("a demo fleet needs at least one agent")
        if cycle_s <= 0:
            raise ValueError("cycle_s must be > 0")
        self.owns_workdir = workdir is None  # a temporary directory of its own, removed however the fleet ends
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix=JANITOR_PREFIX)).resolve()
        self.services = services
        self.cycle_s = float(cycle_s)
        self.base_port = base_port
        self.refresh_interval = float(refresh_interval)
        self.epoch = time.time()
        self.ledger_path = self.workdir / "ledger.jsonl"
        self.guide_ledger = self.workdir / "guide-costs.jsonl"  # its own records, with no service field
        self.log_dir = self.workdir / "logs"
        self.pid_dir = self.workdir / "pids"
        self.daily_budget_usd = daily_budget(services)
        self._agents = agent_names(services)
        self._guide = [GUIDE_NAME] if guide else []  # an agent written the guide's way, beside ours
        self._specs = plan_processes(services)
        if guide:
            self._specs.append(ProcSpec(GUIDE_NAME, "guide", [GUIDE_NAME]))
        assign_ports(self._specs, self.service_names(), base_port)
        self._proc_of = {name: spec.key for spec in self._specs for name in spec.names}
        self._supervisor: Supervisor | None = None
        self._proxy_url = ""
        self._stopped = False
        self._janitor: subprocess.Popen[bytes] | None = None
        self._admin_token = secrets.token_urlsafe(32)  # /admin/* needs it; it is written into the config
        self._janitor_pipe = -1

    # --- lifecycle --------------------------------------------------------------------------------------------
    def start(self, timeout: float = 20.0) -> None:
        """Seed the ledger, spawn every child and wait for all READY lines; RuntimeError on any failure."""
        if self._supervisor is not None:
            raise RuntimeError("DemoFleet.start() called twice")
        for path in (self.workdir, self.log_dir, self.pid_dir):
            path.mkdir(parents=True, exist_ok=True)
        self.epoch = time.time()
        seed_ledger(self.ledger_path, self._agents, self.daily_budget_usd * SEED_FRACTION, self.epoch)
        children = {spec.key: Child(spec, self.log_dir / f"{spec.key}.log") for spec in self._specs}
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p)
        env[TOKEN_ENV] = self._admin_token
        atexit.register(self.stop)
        if self.owns_workdir:
            self._start_janitor(env)
        self._supervisor = Supervisor(children, self._argv, env, self.log_dir / "supervisor.log")
        deadline = time.monotonic() + timeout
        try:
            self._supervisor.launch([PROXY_NAME, QUEUE_NAME])
            self._supervisor.wait_ready([PROXY_NAME, QUEUE_NAME], timeout)
            self._proxy_url = f"http://127.0.0.1:{self.port_of(PROXY_NAME)}"
            agents = [spec.key for spec in self._specs if spec.kind in ("agent", "guide")]
            self._supervisor.launch(agents)
            self._supervisor.wait_ready(agents, max(1.0, deadline - time.monotonic()))
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop every child (SIGTERM, SIGKILL after 3 s) and remove an own work directory. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        if self._supervisor is not None:
            self._supervisor.stop()
        if self.owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        if self._janitor is not None:
            os.close(self._janitor_pipe)  # the janitor finds nothing left, and exits
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._janitor.wait(timeout=10)

    def _start_janitor(self, env: dict[str, str]) -> None:
        """The process that cleans up after this one if it dies without stop() (see demo.janitor)."""
        read_end, self._janitor_pipe = os.pipe()  # not inheritable: only the janitor holds the read end
        try:
            self._janitor = subprocess.Popen(
                [sys.executable, "-m", "agentops_tui.demo.janitor", str(self.workdir)],
                stdin=read_end, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                start_new_session=True,
            )  # fmt: skip
        finally:
            os.close(read_end)

    def _argv(self, spec: ProcSpec) -> list[str]:
        parent = ["--parent-pid", str(os.getpid())]
        if spec.kind == "guide":
            live = f"{self._proxy_url}/health/liveliness"
            return [
                sys.executable, "-m", "agentops_tui.demo.guide", "--port", str(spec.ports[GUIDE_NAME]),
                "--provider", self._proxy_url + COMPLETIONS, "--provider-health", live,
                "--ledger", str(self.guide_ledger), "--pidfile", str(self.pidfile(GUIDE_NAME)),
                "--cycle-s", repr(self.cycle_s), "--epoch", repr(self.epoch), "--interval", "0.5", *parent,
            ]  # fmt: skip
        if spec.kind in ("proxy", "queue"):
            pidfile = str(self.pidfile(spec.names[0]))
            port = str(spec.ports[spec.names[0]])
            module = "agentops_tui.demo.proxy" if spec.kind == "proxy" else "agentops_tui.demo.taskqueue"
            rate = ["--rate", repr(queue_rate(self.services))] if spec.kind == "queue" else []
            return [sys.executable, "-m", module, "--port", port, "--pidfile", pidfile, *rate, *parent]
        argv = [sys.executable, "-m", "agentops_tui.demo.agent"]
        for name in spec.names:
            argv += ["--agent", name, str(spec.ports[name]), str(self.pidfile(name))]
        return [
            *argv, "--ledger", str(self.ledger_path), "--epoch", repr(self.epoch), "--cycle-s", repr(self.cycle_s),
            "--rate", repr(spec.rate), "--proxy-url", self._proxy_url, "--proxy-every", str(spec.proxy_every),
            *(["--queue-port", str(self.port_of(QUEUE_NAME))] if spec.key == spec.names[0] else []), *parent,
        ]  # fmt: skip

    # --- queries and actions ----------------------------------------------------------------------------------
    def service_names(self) -> list[str]:
        """Agents in display order, then the model proxy and the task queue."""
        return [*self._agents, *self._guide, PROXY_NAME, QUEUE_NAME]

    def _spec(self, name: str) -> ProcSpec:
        if name not in self._proc_of:
            raise KeyError(f"no demo service named {name!r}")
        return next(s for s in self._specs if s.key == self._proc_of[name])

    def port_of(self, name: str) -> int:
        """The service's port (0 before start() when ports are ephemeral)."""
        spec = self._spec(name)
        if self._supervisor is None:
            return spec.ports[name]
        with self._supervisor.lock:
            return spec.ports[name]

    def pid_of(self, name: str) -> int | None:
        """PID of the process hosting ``name`` while it runs, else None."""
        self._spec(name)
        return None if self._supervisor is None else self._supervisor.pid(self._proc_of[name])

    def admin_headers(self) -> dict[str, str]:
        """The header every /admin/* call needs (the config written for the dashboard has it)."""
        return {"Authorization": f"Bearer {self._admin_token}"}

    def pidfile(self, name: str) -> Path:
        return self.pid_dir / f"{name}.pid"

    def kill(self, name: str, restart: bool = False) -> None:
        """SIGKILL the process hosting ``name``; with restart=False the supervisor leaves it down."""
        self._spec(name)
        if self._supervisor is None:
            raise RuntimeError("the fleet is not started")
        self._supervisor.kill(self._proc_of[name], restart)

    def child_pids(self) -> list[int]:
        """Every PID any child ever had (tests use it to check that nothing outlives stop())."""
        if self._supervisor is None:
            return []
        with self._supervisor.lock:
            return [pid for child in self._supervisor.children.values() for pid in child.pids]

    # --- config -----------------------------------------------------------------------------------------------
    def config_dict(self) -> dict[str, Any]:
        """The app config pointing at this fleet (call after start() when ports are ephemeral)."""
        return {
            "refresh_interval": self.refresh_interval,
            "daily_budget_usd": self.daily_budget_usd,
            "services": [self._service_entry(name) for name in self.service_names()],
        }

    def _queue_entry(self, timeout: float) -> dict[str, Any]:
        from agentops_tui.demo import taskqueue as tq

        return {
            "name": QUEUE_NAME,
            "kind": "queue",
            "description": description(QUEUE_NAME),
            "process": {"pidfile": str(self.pidfile(QUEUE_NAME))},
            "queue": {
                "redis_url": f"redis://127.0.0.1:{self.port_of(QUEUE_NAME)}/0", "keys": [tq.TASKS],
                "enqueued_counter": tq.ENQUEUED, "dequeued_counter": tq.DEQUEUED, "timestamp_field": "enqueued_at",
                "worker_client_prefix": tq.WORKER_PREFIX, "depth_limit": 25, "timeout": timeout,
            },
            "alerts": {"queue_stalled": {"for_s": 20.0}},
        }  # fmt: skip

    def _guide_entry(self, base: str, timeout: float) -> dict[str, Any]:
        """The guide's agent: its health, metrics, cost records and log, and none of our conventions (no /admin)."""
        return {
            "name": GUIDE_NAME, "kind": "agent", "description": description(GUIDE_NAME),
            "health": {"url": f"{base}/health", "timeout": timeout},
            "metrics": {"url": f"{base}/metrics", "timeout": timeout},
            "process": {"pidfile": str(self.pidfile(GUIDE_NAME))},
            "ledger": {"path": str(self.guide_ledger)},
            "logs": {"path": str(self.log_dir / f"{GUIDE_NAME}.log"), "format": "json"},
        }  # fmt: skip

    def _service_entry(self, name: str) -> dict[str, Any]:
        base = f"http://127.0.0.1:{self.port_of(name)}"
        timeout = min(1.0, self.refresh_interval / 2)  # a probe's timeout must stay below its interval
        if name == QUEUE_NAME:
            return self._queue_entry(timeout)
        if name == GUIDE_NAME:
            return self._guide_entry(base, timeout)
        entry: dict[str, Any] = {
            "name": name,
            "kind": "proxy" if name == PROXY_NAME else "agent",
            "description": description(name),
            "health": {"url": f"{base}/health", "timeout": timeout},
            "metrics": {"url": f"{base}/metrics", "timeout": timeout},
            "process": {"pidfile": str(self.pidfile(name))},
        }
        if name == PROXY_NAME:  # read as a LiteLLM proxy; its spend is already in the agents' ledger
            del entry["health"], entry["metrics"]
            entry = {**entry, "litellm": {"url": base, "spend": False, "timeout": timeout}}
        if name != PROXY_NAME:
            entry["ledger"] = {"path": str(self.ledger_path)}
        entry["control"] = {
            "base_url": base,
            "headers": self.admin_headers(),
            **{action: {"method": "POST", "path": f"/admin/{action}"} for action in CONTROL_ACTIONS},
        }
        return entry

    def write_config(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = CONFIG_HEADER + yaml.safe_dump(self.config_dict(), sort_keys=False)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds the fleet's admin token
        with os.fdopen(fd, "w") as fh:
            os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
            fh.write(text)


def fault_summary(cycle_s: float) -> list[str]:
    """Human lines describing the fault schedule, for the headless banner."""
    lines = [
        f"  {w.agent:<11} {w.kind:<18} {w.start * cycle_s:5.0f}-{w.end * cycle_s:4.0f} s of every {cycle_s:.0f} s"
        for w in schedule.FAULT_WINDOWS.values()
    ]
    lines.append(f"  {schedule.RUNAWAY_AGENT:<11} runaway spend      token use ramps 1x-{schedule.SPEND_RAMP_MAX:.0f}x")
    return lines


def run_fleet_only(
    workdir: Path | None,
    write_config: Path | None,
    services: int,
    cycle_s: float,
    base_port: int,
    refresh_interval: float,
) -> int:
    """Run the fleet headless until SIGTERM, SIGINT or SIGHUP (call from the main thread); returns the exit code.
    Without a workdir the fleet makes a temporary one, removed on every way out."""
    fleet = DemoFleet(workdir, services, cycle_s, base_port, refresh_interval, guide=True)
    done = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    stop_on_signals(done)
    try:
        try:
            fleet.start()
        except RuntimeError as exc:
            print(f"demo fleet failed to start: {exc}", file=sys.stderr)
            return 1
        config_path = Path(write_config) if write_config is not None else fleet.workdir / "agentops-demo.yaml"
        fleet.write_config(config_path)
        print(f"demo fleet: {services} agents + {PROXY_NAME} + {QUEUE_NAME}, workdir {fleet.workdir}")
        for name in fleet.service_names():
            print(f"  {name:<14} http://127.0.0.1:{fleet.port_of(name)}  pid {fleet.pid_of(name)}")
        print(f"ledger {fleet.ledger_path}, daily budget ${fleet.daily_budget_usd:.2f}")
        print("fault schedule:", *fault_summary(fleet.cycle_s), sep="\n")
        print(f"config {config_path.resolve()}")
        print("running; Ctrl-C or SIGTERM stops the fleet", flush=True)
        done.wait()
        return 0
    finally:
        fleet.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
