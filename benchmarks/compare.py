"""One command, one table: agentops-tui next to the programs a user would otherwise run on the same fleet.

The equal-work rule: a peer gets exactly the dashboard's work, never less. On the demo fleet at 50 and 200
services (benchmarks/peers.py):
- Prometheus scrapes the /metrics URLs the dashboard scrapes, at the dashboard's metrics interval (2 s by default)
  and timeout; the dashboard also polls each health URL, reads the ledgers, samples processes, evaluates alerts
  and draws, none of which Prometheus does;
- glances, only its `ports` plugin, sends a HEAD to each health and metrics URL every 2 s (at most 255 URLs: its
  limit, named in the row).
One more row shows the other side of the rule: the dashboard given only Prometheus's work (a config of each
service's metrics URL and nothing else, peers.metrics_only_config), so what the rest of its work costs is plain.
Windows alternate (dashboard, dashboard on metrics alone, Prometheus, glances, then again) so all see the same
machine; CPU % of one core (utime + stime of the process from /proc) and RSS, each the median of `--runs` windows
after a warm-up. The ratio rows (dashboard / peer) print first.

Then: start to first painted frame and key press to repaint (p50/p95: `j` sent through a tmux control client,
the pane captured after each piece of output until the selected service's name shows) at 200 services; two
floors no code of ours is in (benchmarks/floors.py: the bare keep-alive GETs of the 50-service fleet's URLs
every 2 s, and an idle Textual app); one full poll cycle of 500 HTTP health endpoints that each answer after
50 ms; the ledger (ledger_load.py), Docker (docker_sweep.py) and systemd (systemd_poll.py) benchmarks, the last
two need root and the test bed's dockerd.

    python benchmarks/compare.py [--seconds 60] [--runs 3] [--warmup 10] [--sizes 50,200] [--glances PATH]
                                 [--skip-others] [--skip-ledger] [--skip-docker] [--skip-systemd]

Prometheus is Debian's (`apt-get install prometheus`); glances is looked for on PATH, then in
benchmarks/.peers/bin (`python -m venv benchmarks/.peers && benchmarks/.peers/bin/pip install glances requests`:
without requests its ports plugin cannot fetch URLs). A missing peer is a row that says so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from dashboard_cpu import Tmux, cpu_window, demo_fleet  # noqa: E402
from floors import http_floor, idle_app_command  # noqa: E402
from peers import Prometheus, glances_exe, glances_ports_command, metrics_only_config, wait_until  # noqa: E402

Row = tuple[str, str, str]


def dashboard_exe() -> str:
    exe = shutil.which("agentops-tui") or str(Path(sys.executable).parent / "agentops-tui")
    return exe if os.path.exists(exe) else f"{sys.executable} -m agentops_tui.cli"


def wait_screen(tm: Tmux, ok: Callable[[str], bool], timeout: float, step: float = 0.002) -> float | None:
    """Seconds until the captured screen satisfies `ok`, or None."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if ok(tm.screen()):
            return time.perf_counter() - t0
        time.sleep(step)
    return None


def first_frame(cfg: Path) -> float | None:
    """Start to the table header on screen (median of 3 starts)."""
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        tm = Tmux(f"{dashboard_exe()} --config {cfg}")
        try:
            got = wait_screen(tm, lambda s: "STATUS" in s and "SERVICE" in s, 20.0)
            if got is not None:
                times.append(time.perf_counter() - t0)
        finally:
            tm.close()
    return statistics.median(times) if times else None


class Control:
    """A tmux control-mode client (`tmux -C`) on one session.

    Keys and screen captures go through it as commands, so timing a key costs no process per step; and the
    program's output arrives as `%output` lines the moment tmux receives it, so the screen is read only after
    the program has written something, not in a busy loop that competes with it for the CPU.
    """

    def __init__(self, session: str) -> None:
        self.proc = subprocess.Popen(
            ["tmux", "-C", "attach-session", "-t", session], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin, self.fd = self.proc.stdin, self.proc.stdout.fileno()
        self.buf = b""
        self.outputs = 0
        self._reply(time.perf_counter() + 5.0)  # the attach command's own (empty) reply

    def _line(self, deadline: float) -> bytes | None:
        while b"\n" not in self.buf:
            left = deadline - time.perf_counter()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                raise RuntimeError("the tmux control client exited")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        if line.startswith(b"%output "):
            self.outputs += 1
        return line

    def command(self, cmd: str, timeout: float = 5.0) -> list[str]:
        """Run one tmux command; its reply lines (notifications that arrive meanwhile are counted, not kept)."""
        self.stdin.write(cmd.encode() + b"\n")
        return self._reply(time.perf_counter() + timeout, cmd)

    def _reply(self, deadline: float, cmd: str = "attach") -> list[str]:
        body: list[str] = []
        inside = False
        while (line := self._line(deadline)) is not None:
            if line.startswith((b"%end ", b"%error ")) and inside:
                return body
            if inside:
                body.append(line.decode(errors="replace"))
            elif line.startswith(b"%begin "):
                inside = True
        raise TimeoutError(cmd)

    def wait_output(self, deadline: float) -> bool:
        """Block until the program writes something (an `%output` notification), or the deadline."""
        seen = self.outputs
        while self.outputs == seen:
            if self._line(deadline) is None:
                return False
        return True

    def drain(self) -> None:
        while self._line(time.perf_counter() + 0.001) is not None:
            pass

    def close(self) -> None:
        self.stdin.close()
        self.proc.terminate()
        self.proc.wait(5)


def key_to_repaint(cfg: Path, names: list[str], presses: int = 100) -> list[float]:
    """Press `j` and time until the trend panel names the next service (the selection really moved).

    Through a tmux control client: the key is sent, and after each piece of output the program writes, the pane
    is captured and checked; the time is taken when a capture first shows the name.
    """
    tm = Tmux(f"{dashboard_exe()} --config {cfg}")
    ctl = Control(tm.name)
    out = []
    try:
        time.sleep(8)  # warm: probes running, first snapshots in
        ctl.command(f"send-keys -t {tm.name} s")  # config order (the default, worst first, moves rows around)
        time.sleep(2)  # the "sorted by" toast has gone
        for i in range(1, min(presses, len(names) - 1) + 1):
            want = f" {names[i]}  "
            ctl.drain()
            t0 = time.perf_counter()
            ctl.command(f"send-keys -t {tm.name} j")
            deadline = t0 + 3.0
            while ctl.wait_output(deadline):
                if want in "\n".join(ctl.command(f"capture-pane -p -t {tm.name}")[-7:]):
                    out.append(time.perf_counter() - t0)
                    break
            time.sleep(0.2)
    finally:
        ctl.close()
        tm.close()
    return out


SLOW_SERVER = """
import asyncio, sys
async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\\r\\n\\r\\n")
            await asyncio.sleep(0.05)
            body = b'{"status": "ok"}'
            head = b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n"
            writer.write(head + b"Content-Length: %d\\r\\n\\r\\n%s" % (len(body), body))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    print(srv.sockets[0].getsockname()[1], flush=True)
    await srv.serve_forever()
asyncio.run(main())
"""


def poll_cycle(endpoints: int = 500, cycles: int = 5, concurrency: int = 100) -> tuple[float, float, int]:
    """(median, max) seconds of one full poll of `endpoints` health URLs answering after 50 ms; and how many OK."""
    from probes.config.load import parse_config
    from probes.http.client import make_client
    from probes.runtime.factory import build_probes
    from probes.runtime.scheduler import Scheduler

    server = subprocess.Popen([sys.executable, "-c", SLOW_SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        services = "".join(
            f"  - name: ep{i:03d}\n    health: {{url: 'http://127.0.0.1:{port}/health/{i}', timeout: 1.5}}\n"
            for i in range(endpoints)
        )
        cfg, _ = parse_config(f"refresh_interval: 2\nconcurrency: {concurrency}\nservices:\n{services}", "<bench>")

        async def run() -> tuple[list[float], int]:
            sched = Scheduler(cfg)
            client = make_client(cfg.concurrency)
            probes = build_probes(cfg, client)
            times = []
            try:
                for i in range(cycles + 1):
                    t0 = time.perf_counter()
                    await asyncio.gather(*(sched.poll(p) for p in probes))
                    if i:  # the first cycle opens the connections
                        times.append(time.perf_counter() - t0)
            finally:
                await client.close()
            ok = sum(1 for v in sched.state.snapshot().services if v.status.value == "OK")
            return times, ok

        times, ok = asyncio.run(run())
        return statistics.median(times), max(times), ok
    finally:
        server.terminate()
        server.wait(5)


def script_figures(script: str, *argv: str) -> dict[str, float]:
    """Run another benchmark of this directory; the figures of its last JSON line."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *argv], capture_output=True, text=True, cwd=ROOT
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{script} failed: {tail[:60]}")
    figures: dict[str, float] = json.loads(lines[-1])
    return figures


def ledger_row() -> Row:
    big = script_figures("ledger_load.py", "--records", "1000000")
    return (
        "ledger: 1,000,000-record JSONL",
        f"load {big['load_s']:.2f} s",
        f"1k append {big['append_ms_median']:.1f} ms; RSS {big['peak_rss_mb']:.0f} MB",
    )


def docker_row(seconds: float) -> Row:
    """benchmarks/docker_sweep.py: a private dockerd with 50 containers (root)."""
    d = script_figures("docker_sweep.py", "--seconds", f"{seconds:g}")
    return (
        f"docker: {d['containers']:.0f} containers, one sweep",
        f"{d['cold_ms']:.0f} / {d['warm_ms']:.0f} ms",
        f"cold / warm; engine +{d['engine_extra_pct']:.2f}% CPU",
    )


def systemd_row() -> Row:
    """benchmarks/systemd_poll.py: a real systemd in a container, polled over D-Bus (root)."""
    d = script_figures("systemd_poll.py")
    return (
        f"systemd: {d['units']:.0f} units over D-Bus, one poll",
        f"{d['by_name_ms']:.1f} ms median",
        f"by pattern {d['by_pattern_ms']:.1f} ms; cold {d['cold_ms']:.0f} ms",
    )


def optional_row(label: str, make: Callable[[], Row]) -> Row:
    """A benchmark that needs what this machine may lack (root, a testbed): its failure is a row saying so."""
    try:
        return make()
    except RuntimeError as exc:
        return (label, "not measured", str(exc)[:36])


def side_by_side(cfg: Path, n: int, args: argparse.Namespace, tmp: Path) -> list[Row]:
    """The dashboard, Prometheus and glances' ports plugin on one fleet, windows alternating (same load for all).

    The ratio rows come first; each program's own row (CPU, RSS) after them.
    """
    exe = glances_exe(args.glances)
    glances = glances_ports_command(exe, cfg, tmp / f"glances{n}", 2.0) if exe else None
    got: dict[str, list[tuple[float, float, float]]] = {"dash": [], "prom": [], "glances": [], "same": []}
    same = metrics_only_config(cfg, tmp / f"metrics-only{n}.yaml")
    for _ in range(args.runs):
        got["dash"].append(in_tmux(f"{dashboard_exe()} --config {cfg}", args))
        got["same"].append(in_tmux(f"{dashboard_exe()} --config {same}", args))
        figures, targets = prometheus_window(cfg, args, tmp / f"prom{n}-{len(got['prom'])}")
        got["prom"].append(figures)
        if glances is not None:
            got["glances"].append(in_tmux(glances[0], args))
    med = {k: statistics.median(r[0] for r in v) for k, v in got.items() if v}
    rows = [(f"dashboard / Prometheus, {n} services", f"{med['dash']:.2f}% / {med['prom']:.2f}%",
             f"{med['dash'] / med['prom']:.2f}x; {targets} /metrics URLs")]  # fmt: skip
    rows.append((f"dashboard on Prometheus's work alone / Prometheus, {n} services",
                 f"{med['same']:.2f}% / {med['prom']:.2f}%",
                 f"{med['same'] / med['prom']:.2f}x; metrics URLs only"))  # fmt: skip
    if glances is not None:
        note = f"{glances[1]} URLs" + ("" if glances[1] == glances[2] else f" of {glances[2]} (its limit)")
        rows.append((f"dashboard / glances ports, {n} services", f"{med['dash']:.2f}% / {med['glances']:.2f}%",
                     f"{med['dash'] / med['glances']:.2f}x; {note}"))  # fmt: skip
    else:
        rows.append((f"glances ports, {n} services", "not installed", "see --help"))
    labels = {"dash": f"agentops-tui, {n} services", "prom": f"prometheus, {n} services",
              "glances": f"glances ports plugin, {n} services",
              "same": f"agentops-tui, metrics URLs only, {n} services"}  # fmt: skip
    details = [(labels[k], f"{med[k]:.2f}% CPU", rss_figures(v)) for k, v in got.items() if v]
    return rows + details


def prometheus_window(cfg: Path, args: argparse.Namespace, workdir: Path) -> tuple[tuple[float, float, float], int]:
    """One window of a fresh Prometheus, once it has scraped every target; and how many targets it has."""
    prom = Prometheus(cfg, workdir)
    try:
        if not wait_until(lambda: prom.up() == prom.targets, 30):
            raise RuntimeError(f"Prometheus did not scrape its {prom.targets} targets")
        time.sleep(args.warmup)
        return cpu_window(prom.pid, args.seconds), prom.targets
    finally:
        prom.close()


def rss_figures(runs: list[tuple[float, float, float]]) -> str:
    return f"RSS {statistics.median(r[1] for r in runs):.1f} / {max(r[2] for r in runs):.1f} MB"


def in_tmux(command: str, args: argparse.Namespace, env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """One window of a program in a fresh tmux session, after the warm-up."""
    tm = Tmux(command, env)
    try:
        time.sleep(args.warmup)
        return cpu_window(tm.pid, args.seconds)
    finally:
        tm.close()


def fleet_rows(n: int, args: argparse.Namespace, tmp: Path) -> tuple[list[Row], list[Row]]:
    """(ratio rows, other rows) of one demo fleet of `n` services."""
    (tmp / str(n)).mkdir()
    with demo_fleet(tmp / str(n), n - 1, 2.0) as cfg:  # n - 1 agents plus the model proxy
        both = side_by_side(cfg, n, args, tmp)
        ratios, rows = both[:2], both[2:]
        if n == 50:
            floor, urls = http_floor(cfg)
            rows.append(
                ("floor: bare GETs, 50 services, 2 s", f"{floor:.2f}% CPU", f"{urls} URLs, no parsing (floors.py)")
            )
            return ratios, rows
        ff = first_frame(cfg)
        rows.append((f"start to first frame, {n} services", "-" if ff is None else f"{ff:.2f} s", "median of 3"))
        from probes.config.load import load_config

        lat = key_to_repaint(cfg, [s.name for s in load_config(cfg)[0].services])
        if lat:
            q = statistics.quantiles(lat, n=20)
            rows.append((f"key to repaint, {n} services", f"p50 {statistics.median(lat) * 1000:.0f} ms",
                         f"p95 {q[18] * 1000:.0f} ms ({len(lat)} presses)"))  # fmt: skip
        return ratios, rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0, help="CPU window per run")
    ap.add_argument("--runs", type=int, default=3, help="windows per program; the median is reported")
    ap.add_argument("--warmup", type=float, default=10.0)
    ap.add_argument("--glances", help="path of the glances executable")
    ap.add_argument("--sizes", default="50,200", help="fleet sizes (services), comma-separated")
    ap.add_argument("--skip-others", action="store_true", help="only the side-by-side rows and floors")
    ap.add_argument("--skip-ledger", action="store_true")
    ap.add_argument("--skip-docker", action="store_true", help="skip benchmarks/docker_sweep.py (needs root)")
    ap.add_argument("--skip-systemd", action="store_true", help="skip benchmarks/systemd_poll.py (needs root)")
    args = ap.parse_args()
    if not shutil.which("tmux"):
        raise SystemExit("tmux is needed (apt-get install tmux)")
    ratios: list[Row] = []
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="agentops-compare-") as tmp:
        for n in (int(x) for x in args.sizes.split(",")):
            r, o = fleet_rows(n, args, Path(tmp))
            ratios += r
            rows += o
        rows.append(("floor: idle Textual app", *program_row(idle_app_command(Path(tmp)), args)))
    if not args.skip_others:
        rows += other_rows(args)
    print(f"\n{os.cpu_count()} CPUs, python {sys.version.split()[0]}, {args.runs} x {args.seconds:g} s windows\n")
    print(f"| {'what':<40} | {'figure':<18} | {'also':<36} |")
    print(f"|{'-' * 42}|{'-' * 20}|{'-' * 38}|")
    for what, fig, also in ratios + rows:
        print(f"| {what:<40} | {fig:<18} | {also:<36} |")
    return 0


def program_row(command: str, args: argparse.Namespace) -> tuple[str, str]:
    runs = [in_tmux(command, args) for _ in range(args.runs)]
    return f"{statistics.median(r[0] for r in runs):.2f}% CPU", rss_figures(runs)


def other_rows(args: argparse.Namespace) -> list[Row]:
    """The 500-endpoint cycle, then the ledger, Docker and systemd benchmarks."""
    med, worst, ok = poll_cycle()
    rows = [
        ("poll cycle, 500 endpoints x 50 ms", f"{med:.3f} s median", f"max {worst:.3f} s; {ok}/500 OK; 100 at once")
    ]
    if not args.skip_ledger:
        rows.append(optional_row("ledger", ledger_row))
    if not args.skip_docker:
        rows.append(optional_row("docker", lambda: docker_row(args.seconds)))
    if not args.skip_systemd:
        rows.append(optional_row("systemd", systemd_row))
    return rows


if __name__ == "__main__":
    sys.exit(main())
