"""The overview's row model without a widget: order, filter, marks, cells, and STALE by its clock alone."""

from __future__ import annotations

from dataclasses import replace

from agentops_tui.presentation import Palette
from agentops_tui.widgets.service_rows import RowModel
from probes.model import Status
from probes.view import FleetSnapshot, ServiceView
from tests.fixtures.fleet import view


def snap(*views: ServiceView) -> FleetSnapshot:
    return FleetSnapshot(services=views, daily_budget_usd=None, spend_today_usd=None, at=0.0)


def model_of(*views: ServiceView, now: list[float] | None = None) -> RowModel:
    clock = now if now is not None else [0.0]
    model = RowModel(Palette(), lambda: clock[0])
    assert model.take(snap(*views)) is None  # new services: the rows are built
    model.rebuild()
    return model


FLEET = (
    view("ok", Status.OK, "healthy"),
    view("warn", Status.WARN, "p95 12s >= 10s"),
    view("crit", Status.CRIT, "health: connection refused"),
)


def test_worst_first_then_config_order_then_by_name() -> None:
    model = model_of(*FLEET, view("a-ok", Status.OK, "healthy"))
    assert model.rows == ["crit", "warn", "ok", "a-ok"]
    assert model.cycle_sort() == "config" and model.resort(force=True)
    assert model.rows == ["ok", "warn", "crit", "a-ok"]
    model.cycle_sort()
    assert model.resort() and model.rows == ["a-ok", "crit", "ok", "warn"]
    assert model.row_of["ok"] == 2


def test_a_changed_view_is_reported_only_when_it_is_shown() -> None:
    model = model_of(*FLEET)
    model.set_filter("refused")
    model.rebuild()
    assert model.rows == ["crit"]
    newer = replace(FLEET[2], latency_p95_s=9.0)
    assert model.take(snap(FLEET[0], FLEET[1], newer)) == ["crit"]
    assert model.take(snap(replace(FLEET[0], cpu_percent=50.0), FLEET[1], newer)) == []  # filtered out
    assert model.take(snap(replace(FLEET[0], reason="refused too"), FLEET[1], newer)) is None  # now it matches


def test_cells_are_made_again_only_when_they_read_or_look_different() -> None:
    model = model_of(*FLEET)
    model.take(snap(replace(FLEET[0], history=()), FLEET[1], FLEET[2]))  # a field no cell shows
    assert model.update_cells("ok") is False
    model.take(snap(replace(FLEET[0], latency_p95_s=14.0), FLEET[1], FLEET[2]))
    assert model.update_cells("ok") is True
    assert dict(zip(model.columns, (c.plain for c in model.texts["ok"]), strict=True))["p95"] == "14s"


def test_time_alone_turns_a_row_stale_and_back() -> None:
    now = [0.0]
    model = model_of(*FLEET, now=now)
    assert model.restale() == [] and model.statuses() == [Status.OK, Status.WARN, Status.CRIT]
    now[0] = 7.0  # past three 2 s intervals since `updated` (0)
    assert sorted(model.restale()) == ["crit", "ok", "warn"]
    assert model.shown["ok"][0] is Status.STALE and model.statuses() == [Status.STALE] * 3
    assert model.texts["ok"][0].plain == "◌ STALE"
    model.take(snap(*(replace(v, updated=7.0) for v in FLEET)))
    assert model.update_cells("ok") and model.shown["ok"] == (Status.OK, "healthy")


def test_a_row_off_screen_takes_its_status_when_drawn() -> None:
    now = [0.0]
    model = model_of(*FLEET, now=now)
    model.pending.add("ok")
    now[0] = 7.0
    assert "ok" not in model.restale()  # not drawn now: nothing to do until it is
    assert model.update_cells("ok") and model.shown["ok"][0] is Status.STALE and "ok" not in model.pending


def test_marks_are_targets_in_config_order_and_are_used_up() -> None:
    model = model_of(*FLEET)
    assert model.targets("warn") == ["warn"] and model.targets(None) == []
    model.toggle_mark("crit")
    model.toggle_mark("ok")
    assert model.targets("warn") == ["ok", "crit"]
    model.update_cells("ok")
    assert model.texts["ok"][1].plain == "✓ ok"
    model.set_filter("crit")
    model.rebuild()
    assert model.unmark(["ok", "crit"]) == ["crit"]  # only shown rows change their cells
    assert model.marked == set()


def test_the_filter_matches_every_word_in_name_kind_status_or_reason() -> None:
    model = model_of(*FLEET, view("proxy", Status.WARN, "slow", kind="proxy"))
    for words, rows in (("WARN", ["warn", "proxy"]), ("proxy warn", ["proxy"]), ("refused crit", ["crit"]),
                        ("", ["crit", "warn", "proxy", "ok"])):  # fmt: skip
        model.set_filter(words)
        model.rebuild()
        assert model.rows == rows, words
