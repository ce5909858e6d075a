"""A demo agent process: ``python -m agentops_tui.demo.agent --agent NAME PORT PIDFILE [--agent ...] ...``.

One process hosts one or several simulated agents (each with its own port and registry) so a 200-agent
benchmark fleet needs only a handful of processes. Calls are simulated (latency is recorded, not slept), but the
named agents also POST each call to the model-proxy stand-in, so that hop and its breaker are real.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from typing import Any

from agentops_tui.demo import schedule
from agentops_tui.demo.breaker import Breaker
from agentops_tui.demo.ledger import LedgerWriter, ledger_record
from agentops_tui.demo.pricing import ANTHROPIC_FALLBACK, cost_usd, profile_for, provider
from agentops_tui.demo.runtime import run_process
from agentops_tui.demo.service import Call, SimService
from agentops_tui.demo.taskqueue import QueueClient

PROXY_TIMEOUT_S = 0.5
HALF_OPEN_PASS = 0.25  # share of anthropic calls let through while the scheduled breaker is half-open
_NO_PROXY_ENV = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never HTTP_PROXY


def post_json(url: str, payload: dict[str, Any], timeout: float) -> tuple[int, dict[str, Any]]:
    """POST JSON and return (status, decoded body); raises OSError when the server cannot be reached."""
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with _NO_PROXY_ENV.open(request, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        body = json.loads(raw)
    except ValueError:
        body = {}
    return status, body if isinstance(body, dict) else {}


class SimAgent(SimService):
    """One simulated agent: Poisson call arrivals, scheduled faults, proxy hop, ledger lines."""

    def __init__(
        self,
        name: str,
        epoch: float,
        cycle_s: float,
        rate: float,
        ledger: LedgerWriter | None,
        proxy_url: str | None,
        proxy_every: int,
        queue_port: int | None = None,
    ) -> None:
        super().__init__(name, ("anthropic", "openai", "model_proxy"))
        self.queue = QueueClient(queue_port, name) if queue_port else None
        self.tasks_taken = 0
        self.epoch, self.cycle_s, self.rate = epoch, cycle_s, rate
        self.ledger = ledger
        self.proxy_url = proxy_url.rstrip("/") + "/v1/chat/completions" if proxy_url else None
        self.proxy_every = max(1, proxy_every)
        self.profile = profile_for(name)
        self.rng = random.Random()
        self.next_arrival = time.time() + self.rng.uniform(0, 1.0 / rate if rate > 0 else 1.0)
        self.proxy_breaker = Breaker()
        self.proxy_ok = True
        self.proxy_latency_ms: float | None = None
        self.calls = 0
        self.task_id, self.task_type, self.task_left = "", "", 0
        self._starts: deque[float] = deque()  # for the hard per-minute throttle

    def breakers(self, now: float) -> dict[str, str]:
        return {
            "anthropic": schedule.breaker_state(self.name, now, self.epoch, self.cycle_s),
            "openai": "closed",
            "model_proxy": self.proxy_breaker.state(now),
        }

    def checks(self, now: float) -> dict[str, Any]:
        ok = self.proxy_ok and self.proxy_breaker.state(now) == "closed"
        return {"model_proxy": {"ok": ok, "latency_ms": self.proxy_latency_ms}}

    def tick(self, now: float) -> None:
        rate = self.effective_rate(self.rate)
        if self.draining or rate <= 0:
            self.next_arrival = max(self.next_arrival, now)
        else:
            self.next_arrival = max(self.next_arrival, now - 2.0)  # after a stall, no burst of catch-up calls
            while self.next_arrival <= now:
                if self._may_start(now):
                    self._start_call(now)
                self.next_arrival += self.rng.expovariate(rate)
        super().tick(now)

    def _may_start(self, now: float) -> bool:
        """Hard cap for /admin/throttle: at most max_rpm calls started in any 60 s."""
        while self._starts and self._starts[0] <= now - 60.0:
            self._starts.popleft()
        if self.max_rpm is not None and len(self._starts) >= self.max_rpm:
            return False
        self._starts.append(now)
        return True

    def _start_call(self, now: float) -> None:
        if self.task_left <= 0:
            task = self.queue.take() if self.queue is not None else None  # pull the next task from the queue
            if task is not None:
                self.tasks_taken += 1
            # With the queue empty or down the agent makes up its own task, so its call rate (and the fault
            # schedule the demo is built on) does not depend on the queue.
            self.task_id = f"{self.name}-{uuid.uuid4().hex[:10]}"
            self.task_type = self.rng.choice(self.profile.task_types)
            self.task_left = self.rng.randint(1, 4)
        self.task_left -= 1
        model = self._route(self.profile.pick_model(self.rng), now)
        n_in, n_out = self.profile.tokens(self.rng, schedule.spend_multiplier(self.name, now, self.epoch, self.cycle_s))
        if schedule.LATENCY_SPIKE in schedule.active_faults(self.name, now, self.epoch, self.cycle_s):
            latency = self.rng.uniform(12.0, 20.0)
        else:
            latency = min(60.0, 0.8 * math.exp(self.rng.gauss(0.0, 0.45)))
        ok = self.rng.random() >= schedule.error_probability(self.name, now, self.epoch, self.cycle_s)
        self.calls += 1
        if self.proxy_url and (self.calls - 1) % self.proxy_every == 0:
            answer = self._via_proxy(model, n_in, n_out, latency, ok)
            if answer is None:
                # Unreachable, throttled or breaker open: the call fails fast and nothing is billed. It counts
                # as an error in /metrics but not in health's error rate, so a dead proxy reads "degraded"
                # (breaker open) rather than "unhealthy".
                self.metrics.observe_call(model, False, max(0.001, time.time() - now), 0, 0)
                return
            ok, n_in, n_out = answer
        if not ok:
            n_out = 0  # a failed call is billed for its prompt only
        call = Call(model, ok, latency, n_in, n_out, cost_usd(model, n_in, n_out), self.task_id, self.task_type)
        self.begin(now, call)

    def _route(self, model: str, now: float) -> str:
        """Skip anthropic while its scheduled breaker is open (and mostly while half-open)."""
        if provider(model) != "anthropic":
            return model
        state = schedule.breaker_state(self.name, now, self.epoch, self.cycle_s)
        if state == "open" or (state == "half_open" and self.rng.random() >= HALF_OPEN_PASS):
            return ANTHROPIC_FALLBACK[model]
        return model

    def _via_proxy(self, model: str, n_in: int, n_out: int, latency: float, ok: bool) -> tuple[bool, int, int] | None:
        """Send the call through the proxy; (ok, input, output tokens), or None when it never reached a model."""
        assert self.proxy_url is not None
        start = time.time()
        if not self.proxy_breaker.allow(start):
            self.proxy_ok = False
            return None
        payload = {
            "model": model,
            "messages": [{"role": "user", "content": f"{self.task_type} step for {self.task_id}"}],
            "max_tokens": n_out,
            "demo": {"caller": self.name, "latency_s": round(latency, 3), "fail": not ok, "prompt_tokens": n_in},
        }
        try:
            status, body = post_json(self.proxy_url, payload, PROXY_TIMEOUT_S)
        except OSError:
            status, body = 0, {}
        self.proxy_latency_ms = round((time.time() - start) * 1000.0, 1)
        if status not in (200, 429, 502):  # unreachable, timed out, draining, broken: the hop failed
            self.proxy_breaker.failure(time.time())
            self.proxy_ok = False
            return None
        self.proxy_breaker.success()
        self.proxy_ok = True
        if status == 429:  # the proxy is throttled: rejected before any model saw it
            return None
        usage = body.get("usage") if status == 200 else None
        if isinstance(usage, dict):
            n_in = int(usage.get("prompt_tokens", n_in))
            n_out = int(usage.get("completion_tokens", n_out))
        return status == 200, n_in, n_out

    def finish(self, at: float, call: Call) -> None:
        super().finish(at, call)
        if self.ledger is not None and (call.input_tokens or call.output_tokens):
            self.ledger.append(
                ledger_record(
                    at, self.name, call.model, call.input_tokens, call.output_tokens, call.task_id, call.task_type
                )
            )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m agentops_tui.demo.agent", description=__doc__)
    p.add_argument(
        "--agent", nargs=3, action="append", required=True, metavar=("NAME", "PORT", "PIDFILE"),
        help="an agent to host; PORT 0 picks a free port (repeatable)",
    )  # fmt: skip
    p.add_argument("--ledger", required=True, help="shared cost ledger (JSON lines, appended)")
    p.add_argument("--epoch", type=float, required=True, help="fault schedule epoch (time.time())")
    p.add_argument("--cycle-s", type=float, default=120.0, help="fault schedule cycle in seconds")
    p.add_argument("--rate", type=float, default=2.0, help="simulated calls per second per agent")
    p.add_argument("--proxy-url", default=None, help="model-proxy base URL, e.g. http://127.0.0.1:8000")
    p.add_argument("--proxy-every", type=int, default=1, help="send every Nth call through the proxy")
    p.add_argument("--queue-port", type=int, default=None, help="the demo task queue's port (first agent only)")
    p.add_argument("--parent-pid", type=int, default=None, help="exit when this process is no longer our parent")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ledger = LedgerWriter(args.ledger)
    hosted: list[tuple[SimService, int, str]] = []
    for i, (name, port, pidfile) in enumerate(args.agent):
        queue_port = args.queue_port if i == 0 else None
        agent = SimAgent(
            name, args.epoch, args.cycle_s, args.rate, ledger, args.proxy_url, args.proxy_every, queue_port
        )
        hosted.append((agent, int(port), pidfile))
    names = [name for name, _, _ in args.agent]

    def crash_check(now: float, uptime_s: float) -> bool:
        return any(schedule.should_crash(n, now, args.epoch, args.cycle_s, uptime_s) for n in names)

    try:
        return run_process(hosted, args.parent_pid, 0.1 if len(hosted) == 1 else 0.25, crash_check)
    finally:
        ledger.close()


if __name__ == "__main__":
    raise SystemExit(main())
