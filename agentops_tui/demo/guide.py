"""An agent written the deployment guide's way, not to our conventions: the demo's second kind of agent, and the
reference the tests run as a plain process.

What it has is what the guide's agents have, and nothing of our conventions: `/health` with `checks`
(`model_proxy`, `memory_store`, `last_inference_age_s`) and `status` healthy or degraded, no `breakers` field;
`/metrics` with the guide's five metric names; structured JSON log lines on stderr (`timestamp`, `level`,
`event`, `agent_id`, then fields); a cost tracker persisting records with no `service` and no `task_type`; a
circuit breaker that only logs (`circuit_opened`, with the function's name as its `service`); SIGTERM finishing the
current task before exiting. No /admin endpoints.

Its model provider is a URL (`--provider`): the demo's model proxy (an OpenAI-shaped answer), or a test's server
that fails (5xx) or rate-limits (429). In the demo (`--cycle-s`) its provider fails for a stretch of each cycle,
so its breaker opens, and it is rate-limited for another: both only in its log, as the guide's agents say them.

    python -m agentops_tui.demo.guide --port P --provider URL --ledger FILE [--cycle-s S] 2>agent.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest

from agentops_tui.demo.runtime import remove_pidfile, set_parent_death_signal, write_pidfile

PRICE = {"input": 3.0, "output": 15.0}  # USD per million tokens (a standard tier)
MODEL = "claude-sonnet"


def log(level: str, event: str, **context: Any) -> None:
    entry = {"timestamp": datetime.now(timezone.utc).isoformat(), "level": level, "event": event,
             "agent_id": os.getenv("AGENT_ID", "default"), **context}  # fmt: skip
    print(json.dumps(entry), file=sys.stderr, flush=True)


class Metrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        ProcessCollector(registry=r)  # process_start_time_seconds and the rest, as the guide's default registry has
        self.requests = Counter("agent_requests_total", "LLM calls", ["model", "status"], registry=r)
        self.tokens = Counter("agent_tokens_total", "Tokens", ["model", "direction"], registry=r)
        self.latency = Histogram("agent_request_duration_seconds", "Latency", ["model"], registry=r)
        self.active = Gauge("agent_active_tasks", "Tasks in progress", registry=r)
        self.cost = Gauge("agent_cost_estimate_hourly", "USD per hour", registry=r)


class CircuitOpenError(Exception):
    pass


class CircuitBreaker:
    def __init__(self, failure_threshold: int = 5, recovery_timeout: float = 60.0) -> None:
        self.failure_threshold, self.recovery_timeout = failure_threshold, recovery_timeout
        self.failures, self.state, self.last_failure_time = 0, "closed", 0.0

    def call(self, func: Any, *args: Any) -> Any:
        if self.state == "open":
            if time.time() - self.last_failure_time > self.recovery_timeout:
                self.state = "half-open"
            else:
                raise CircuitOpenError("Circuit breaker is open")
        try:
            result = func(*args)
        except Exception:
            self.failures += 1
            self.last_failure_time = time.time()
            if self.failures >= self.failure_threshold and self.state != "open":
                self.state = "open"
                log("error", "circuit_opened", failures=self.failures, service=func.__name__)
            raise
        if self.state == "half-open":
            self.state, self.failures = "closed", 0
        return result


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited, retry after {retry_after}s")
        self.retry_after = retry_after


FAILING = (0.55, 0.70)
"""The stretch of each demo cycle in which its provider fails (the breaker opens, then half-opens and closes)."""
LIMITED = (0.80, 0.86)
"""And the stretch in which it is rate-limited."""


def in_window(window: tuple[float, float], epoch: float, cycle_s: float | None) -> bool:
    if not cycle_s:
        return False
    phase = ((time.time() - epoch) % cycle_s) / cycle_s
    return window[0] <= phase < window[1]


class Agent:
    def __init__(self, provider: str, ledger: str, interval: float, recovery: float) -> None:
        self.provider, self.ledger, self.interval = provider, ledger, interval
        self.epoch, self.cycle_s = time.time(), 0.0
        self.provider_health = provider.rsplit("/", 1)[0] + "/ping"
        self.parent_pid: int | None = None
        self.metrics = Metrics()
        self.breaker = CircuitBreaker(recovery_timeout=recovery)
        self.running = True
        self.started = self.last_inference = time.time()
        self.costs: list[tuple[float, float]] = []
        self.provider_ok = True
        self.task = 0

    def anthropic(self, prompt: str) -> dict[str, int]:
        """One call to the model provider (the breaker logs this function's name as the failing service)."""
        if in_window(LIMITED, self.epoch, self.cycle_s):
            raise RateLimited(30)
        fail = in_window(FAILING, self.epoch, self.cycle_s)
        body = {"model": MODEL, "messages": [{"role": "user", "content": prompt}], "max_tokens": 300,
                "demo": {"fail": fail, "caller": "guide-agent", "prompt_tokens": 1200}}  # fmt: skip
        request = urllib.request.Request(self.provider, json.dumps(body).encode(), {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=2) as resp:
                answer = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 429:
                raise RateLimited(int(exc.headers.get("Retry-After", "30"))) from None
            raise
        usage = answer.get("usage", answer)  # OpenAI-shaped (the demo's proxy) or plain counts
        return {"input_tokens": int(usage.get("prompt_tokens", usage.get("input_tokens", 0))),
                "output_tokens": int(usage.get("completion_tokens", usage.get("output_tokens", 0)))}  # fmt: skip

    def record(self, tin: int, tout: int, task_id: str) -> float:
        cost = (tin * PRICE["input"] + tout * PRICE["output"]) / 1e6
        rec = {"timestamp": datetime.now(timezone.utc).isoformat(), "model": MODEL, "input_tokens": tin,
               "output_tokens": tout, "cost_usd": cost, "task_id": task_id}  # fmt: skip
        with open(self.ledger, "a") as fh:
            fh.write(json.dumps(rec) + "\n")
        return cost

    def step(self) -> None:
        self.task += 1
        task_id = f"task-{self.task}"
        self.metrics.active.set(1)
        t0 = time.time()
        try:
            usage = self.breaker.call(self.anthropic, task_id)
        except RateLimited as exc:
            self.metrics.requests.labels(MODEL, "error").inc()
            log("warn", "rate_limited", provider="anthropic", retry_after_s=exc.retry_after)
        except CircuitOpenError:
            self.metrics.requests.labels(MODEL, "error").inc()
        except Exception as exc:
            self.metrics.requests.labels(MODEL, "error").inc()
            log("error", "tool_failed", tool="model_call", error=str(exc)[:200])
        else:
            self.metrics.requests.labels(MODEL, "success").inc()
            self.metrics.latency.labels(MODEL).observe(time.time() - t0)
            self.metrics.tokens.labels(MODEL, "input").inc(usage["input_tokens"])
            self.metrics.tokens.labels(MODEL, "output").inc(usage["output_tokens"])
            self.costs.append((time.time(), self.record(usage["input_tokens"], usage["output_tokens"], task_id)))
            self.last_inference = time.time()
            log("info", "task_completed", task_id=task_id, model=MODEL)
        finally:
            self.metrics.active.set(0)
        recent = [c for at, c in self.costs if at > time.time() - 60]
        self.metrics.cost.set(sum(recent) * 60)

    def check_model_proxy(self) -> bool:
        if in_window(FAILING, self.epoch, self.cycle_s):
            return False
        try:
            with urllib.request.urlopen(self.provider_health, timeout=1):
                return True
        except (OSError, urllib.error.URLError):
            return False

    def health(self) -> dict[str, Any]:
        checks = {"model_proxy": self.check_model_proxy(), "memory_store": True,
                  "last_inference_age_s": time.time() - self.last_inference}  # fmt: skip
        healthy = checks["model_proxy"] and checks["memory_store"] and checks["last_inference_age_s"] < 300
        return {
            "status": "healthy" if healthy else "degraded",
            "checks": checks,
            "uptime_s": time.time() - self.started,
        }

    def run(self) -> None:
        while self.running:
            self.step()
            time.sleep(self.interval)
            if self.parent_pid is not None and os.getppid() != self.parent_pid:
                break  # the demo is gone
        log("info", "completing_current_task", task_id=f"task-{self.task}")
        log("info", "shutdown_complete")


def serve(agent: Agent, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/health":
                body, ctype = json.dumps(agent.health()).encode(), "application/json"
            elif self.path == "/metrics":
                body, ctype = generate_latest(agent.metrics.registry), "text/plain; version=0.0.4"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--provider", required=True, help="the model provider's URL (POST)")
    ap.add_argument("--provider-health", help="a URL whose answer says the provider is up (default: its /ping)")
    ap.add_argument("--ledger", required=True)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--recovery", type=float, default=60.0)
    ap.add_argument("--cycle-s", type=float, default=0.0, help="the demo's cycle: its provider fails for part of it")
    ap.add_argument("--epoch", type=float, default=0.0)
    ap.add_argument("--pidfile")
    ap.add_argument("--parent-pid", type=int)
    args = ap.parse_args()
    agent = Agent(args.provider, args.ledger, args.interval, args.recovery)
    agent.cycle_s, agent.epoch, agent.parent_pid = args.cycle_s, args.epoch or time.time(), args.parent_pid
    agent.provider_health = args.provider_health or agent.provider_health

    def shutdown(signum: int, frame: object) -> None:
        log("info", "shutdown_requested", signal=signum)
        agent.running = False

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    signal.signal(signal.SIGHUP, shutdown)
    set_parent_death_signal()
    server = serve(agent, args.port)
    if args.pidfile:
        write_pidfile(args.pidfile)
    print(f"READY guide-agent={server.server_address[1]}", flush=True)  # the demo's supervisor waits for it
    log("info", "agent_started", port=server.server_address[1])
    agent.run()
    server.shutdown()
    if args.pidfile:
        remove_pidfile(args.pidfile)


if __name__ == "__main__":
    main()
