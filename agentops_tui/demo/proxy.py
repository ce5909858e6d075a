"""The model-proxy stand-in: ``python -m agentops_tui.demo.proxy --port PORT --pidfile PATH``.

It answers OpenAI-shaped ``POST /v1/chat/completions`` in a few milliseconds, and LiteLLM's liveness, readiness
and Prometheus shapes (:mod:`agentops_tui.demo.litellm_shapes`), so the dashboard reads it as a LiteLLM proxy.
The calling agent tells it, in a demo-only ``demo`` field, what latency and outcome the simulated upstream model
had; the proxy reports those in its own metrics, so its p95 and error rate follow the fleet's faults the way a
real gateway's would. It writes no ledger lines (the agents do). Draining makes it refuse completions (503),
throttling answers 429.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from collections import deque
from typing import Any

from agentops_tui.demo.litellm_shapes import LIVELINESS, READINESS, LiteLLMMetrics
from agentops_tui.demo.pricing import PRICES, cost_usd
from agentops_tui.demo.runtime import run_process
from agentops_tui.demo.service import Call, SimService

NAME = "model-proxy"
COMPLETIONS = "/v1/chat/completions"


def _error(code: int, kind: str, message: str) -> tuple[int, dict[str, Any]]:
    return code, {"error": {"message": message, "type": kind, "code": code}}


class ModelProxy(SimService):
    """Gateway in front of the (simulated) model providers."""

    backlog_tasks = 200  # it carries the whole fleet's in-flight calls

    def __init__(self, name: str = NAME) -> None:
        super().__init__(name, ("anthropic", "openai"))
        self._accepted: deque[float] = deque()
        self.upstream_latency_ms: float | None = None
        self.litellm = LiteLLMMetrics(self.metrics.registry)

    def handle_get(self, path: str) -> tuple[int, bytes, str] | None:
        """LiteLLM's liveness and readiness endpoints (its costly /health is never offered here)."""
        if path == "/health/liveliness":
            return 200, LIVELINESS, "application/json"
        if path == "/health/readiness":
            return 200, json.dumps(READINESS).encode(), "application/json"
        return None

    def tick(self, now: float) -> None:
        super().tick(now)
        self.litellm.in_flight.set(self.active_tasks())

    def finish(self, at: float, call: Call) -> None:
        super().finish(at, call)
        self.litellm.observe(call.model, call.caller or "no key", call.ok, call.latency_s, call.input_tokens,
                             call.output_tokens, call.cost_usd)  # fmt: skip

    def breakers(self, now: float) -> dict[str, str]:
        return {"anthropic": "closed", "openai": "closed"}

    def checks(self, now: float) -> dict[str, Any]:
        rate = self.error_rate(now)
        return {"upstream": {"ok": rate is None or rate < 0.25, "latency_ms": self.upstream_latency_ms}}

    def _throttled(self, now: float) -> bool:
        with self.lock:
            while self._accepted and self._accepted[0] <= now - 60.0:
                self._accepted.popleft()
            if self.max_rpm is not None and len(self._accepted) >= self.max_rpm:
                return True
            self._accepted.append(now)
            return False

    def handle_post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if path != COMPLETIONS:
            return None
        now = time.time()
        if self.draining:
            return _error(503, "unavailable", "proxy is draining")
        if self._throttled(now):
            return _error(429, "rate_limit", "proxy throttled (max_requests_per_minute)")
        raw_demo = body.get("demo")
        demo: dict[str, Any] = raw_demo if isinstance(raw_demo, dict) else {}
        model = str(body.get("model") or "gpt-4o-mini")
        try:
            latency = min(60.0, max(0.001, float(demo.get("latency_s", 0.005))))
            messages = body.get("messages") or []
            estimate = sum(len(str(m.get("content", ""))) for m in messages if isinstance(m, dict)) // 4 + 8
            prompt_tokens = max(1, int(demo.get("prompt_tokens") or estimate))
            completion_tokens = max(1, int(body.get("max_tokens") or 64))
        except (TypeError, ValueError):
            return _error(400, "invalid_request_error", "bad request body")
        fail = bool(demo.get("fail"))
        output = 0 if fail else completion_tokens
        cost = cost_usd(model, prompt_tokens, output) if model in PRICES else 0.0
        caller = str(demo.get("caller") or "")[:64]  # the agent: what a LiteLLM key alias would say
        self.begin(now, Call(model, not fail, latency, prompt_tokens, output, cost, caller=caller))
        self.upstream_latency_ms = round(latency * 1000.0, 1)
        if fail:
            return _error(502, "upstream_error", "upstream model error (simulated)")
        return 200, {
            "id": f"chatcmpl-demo-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(now),
            "model": model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "(demo reply)"}, "finish_reason": "stop"}
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m agentops_tui.demo.proxy", description=__doc__)
    p.add_argument("--name", default=NAME)
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--pidfile", required=True)
    p.add_argument("--parent-pid", type=int, default=None, help="exit when this process is no longer our parent")
    args = p.parse_args(argv)
    return run_process([(ModelProxy(args.name), args.port, args.pidfile)], args.parent_pid, 0.1)


if __name__ == "__main__":
    raise SystemExit(main())
