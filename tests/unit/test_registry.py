"""The registry: every backend is declared once, and the factory and the fleet state take whatever it lists."""

from __future__ import annotations

import dataclasses
from typing import Any

from probes.backend import Backend, Manager, Row, per_name
from probes.config import FleetConfig, LaunchdConfig, ServiceConfig
from probes.fleet.state import FleetState
from probes.model import LaunchdResult, ProbeError, Status, Verdict
from probes.registry import BACKENDS
from probes.runtime.factory import build_probes


def test_every_backend_is_a_config_key_and_a_source_name() -> None:
    keys = {f.name for f in dataclasses.fields(ServiceConfig)}
    names = [b.name for b in BACKENDS]
    assert len(set(names)) == len(names) and set(names) <= keys


class _Probe:
    key = "launchd"
    interval = 2.0
    timeout = 1.0

    async def collect(self) -> dict[str, LaunchdResult]:
        return {}

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> dict[str, LaunchdResult]:
        return {}


def test_a_backend_declared_once_is_polled_routed_and_judged_on_its_row() -> None:
    """A service-manager backend written here, not in the fleet: its probe is made, its result reaches its row,
    and its verdict, facts and pid are the row's."""

    def take(row: Row, r: LaunchdResult) -> None:
        row.managed["launchd"] = r

    stand_in = Backend(
        "launchd",
        lambda cfg, shared: [_Probe()],
        per_name(LaunchdResult, take),
        rank=7,
        manager=Manager(
            lambda r: Verdict(Status.WARN, "stand-in says so"), lambda r: [("job", "a fact")], lambda r: (4242, None)
        ),
    )
    backends = tuple(stand_in if b.name == "launchd" else b for b in BACKENDS)
    cfg = FleetConfig(services=[ServiceConfig(name="a", launchd=LaunchdConfig(label="x"))])
    assert [type(p) for p in build_probes(cfg, None, backends=backends)] == [_Probe]  # type: ignore[arg-type]
    state = FleetState(cfg, backends=backends)
    assert state.apply("launchd", {"a": LaunchdResult(at=0.0)}) == ["a"]
    view = state.snapshot().services[0]
    assert (view.status, view.reason, view.pid) == (Status.WARN, "stand-in says so", 4242)
    assert view.native == (("job", "a fact"),) and view.sources == ("launchd",)


def test_the_factory_asks_each_backend_once_for_the_whole_fleet() -> None:
    asked: list[str] = []

    def probes(name: str) -> Any:
        return lambda cfg, shared: asked.append(name) or []

    backends = tuple(dataclasses.replace(b, probes=probes(b.name)) for b in BACKENDS)
    cfg = FleetConfig(services=[ServiceConfig(name=f"s{i}") for i in range(3)])
    assert build_probes(cfg, None, backends=backends) == []  # type: ignore[arg-type]
    assert asked == [b.name for b in BACKENDS]
