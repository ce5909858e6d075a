"""A reference agent written from the deployment guide's shapes, not from our demo: the thing we monitor.

What it has is what the guide's agents have, and nothing of our conventions: `/health` with `checks`
(`model_proxy`, `memory_store`, `last_inference_age_s`) and `status` healthy or degraded, no `breakers` field;
`/metrics` with the guide's five metric names; structured JSON log lines on stderr (`timestamp`, `level`,
`event`, `agent_id`, then fields); a cost tracker persisting records with no `service` and no `task_type`; a
circuit breaker that only logs (`circuit_opened`, with the function's name as its `service`); SIGTERM finishing the
current task before exiting. No /admin endpoints.

Its model provider is a URL (`--provider`): a test serves it and makes it fail (5xx) or rate-limit (429).

    python -m tests.guide_agent --port P --provider URL --ledger FILE [--interval S] 2>agent.jsonl
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

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

PRICE = {"input": 3.0, "output": 15.0}  # USD per million tokens (a standard tier)
MODEL = "claude-sonnet"


def log(level: str, event: str, **context: Any) -> None:
    entry = {"timestamp": datetime.now(timezone.utc).isoformat(), "level": level, "event": event,
             "agent_id": os.getenv("AGENT_ID", "default"), **context}  # fmt: skip
    print(json.dumps(entry), file=sys.stderr, flush=True)


class Metrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
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


class Agent:
    def __init__(self, provider: str, ledger: str, interval: float, recovery: float) -> None:
        self.provider, self.ledger, self.interval = provider, ledger, interval
        self.metrics = Metrics()
        self.breaker = CircuitBreaker(recovery_timeout=recovery)
        self.running = True
        self.started = self.last_inference = time.time()
        self.costs: list[tuple[float, float]] = []
        self.provider_ok = True
        self.task = 0

    def anthropic(self, prompt: str) -> dict[str, int]:
        """One call to the model provider (the breaker logs this function's name as the failing service)."""
        try:
            with urllib.request.urlopen(self.provider, data=prompt.encode(), timeout=2) as resp:
                return dict(json.loads(resp.read()))
        except urllib.error.HTTPError as exc:
            if exc.code == 429:
                raise RateLimited(int(exc.headers.get("Retry-After", "30"))) from None
            raise

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
        try:
            with urllib.request.urlopen(self.provider.rsplit("/", 1)[0] + "/ping", timeout=1):
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
    ap.add_argument("--provider", required=True)
    ap.add_argument("--ledger", required=True)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--recovery", type=float, default=60.0)
    args = ap.parse_args()
    agent = Agent(args.provider, args.ledger, args.interval, args.recovery)

    def shutdown(signum: int, frame: object) -> None:
        log("info", "shutdown_requested", signal=signum)
        agent.running = False

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    server = serve(agent, args.port)
    log("info", "agent_started", port=args.port)
    agent.run()
    server.shutdown()


if __name__ == "__main__":
    main()
