"""The Nagios plugin output of `check`, against the Nagios Plugin Development Guidelines' own examples and rules
(https://nagios-plugins.org/doc/guidelines.html#AEN200): `'label'=value[UOM];[warn];[crit];[min];[max]`."""

from __future__ import annotations

import pytest

from agentops_tui.plugin_output import Perf, perfdata, plugin_text, quote_label, status_word, threshold
from probes.model import Status


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("writer", "writer"),
        ("writer_p95", "writer_p95"),
        ("my agent_p95", "'my agent_p95'"),  # a space: quoted
        ("a=b", "'a=b'"),  # an equals sign: quoted
        ("o'brien", "'o''brien'"),  # a single quote: doubled, and the label quoted
        ("pipe|name", "pipe¦name"),  # a pipe would end the perfdata: shown as a broken bar
        ("esc\x1b[2Jname", "escname"),  # control sequences stripped
        ("tab\tname", "'tab name'"),
    ],
)
def test_labels_are_quoted_where_the_guidelines_say(name: str, quoted: str) -> None:
    assert quote_label(name) == quoted


@pytest.mark.parametrize(
    ("perf", "text"),
    [
        # the guidelines' own shapes: value and UOM, then warn;crit;min;max with trailing empty fields dropped
        (Perf("time", 0.002, "s", None, None, 0), "time=0.002s;;;0"),
        (Perf("size", 2953, "B", None, None, 0), "size=2953B;;;0"),
        (Perf("writer_p95", 1.8, "s", 10, 30, 0), "writer_p95=1.8s;10;30;0"),
        (Perf("writer_err", 24, "%", 5, 25, 0, 100), "writer_err=24%;5;25;0;100"),
        (Perf("spend_today", 11.62, "", 40, 50, 0), "spend_today=11.62;40;50;0"),
        (Perf("writer_tasks", 3, "", None, None, 0), "writer_tasks=3;;;0"),
        (Perf("c", 12345, "c"), "c=12345c"),
        (Perf("writer_p95", None, "s", 10, 30, 0), "writer_p95=U;10;30;0"),  # undetermined: U, no unit
        (Perf("x", 1 / 3, "", None, None), "x=0.333333"),  # no float noise, no exponent
        (Perf("x", 1e-9, ""), "x=0"),
        (Perf("x", 12_000_000.0, ""), "x=12000000"),
        (Perf("load", 0.5, "", "10:", "@5:20"), "load=0.5;10:;@5:20"),  # ranges as the guidelines write them
        (Perf("temp", -3.5, "", "~:10", "-10:"), "temp=-3.5;~:10;-10:"),
    ],
)
def test_perfdata_follows_the_format(perf: Perf, text: str) -> None:
    assert perfdata([perf]) == text


def test_a_unit_outside_the_guidelines_list_is_refused() -> None:
    for uom in ("s", "ms", "us", "%", "B", "KB", "MB", "TB", "c", ""):
        Perf("x", 1, uom)
    with pytest.raises(ValueError, match="unit"):
        Perf("x", 1, "usd")


@pytest.mark.parametrize("rng", ["10", "10:", "~:10", "10:20", "@10:20", "@~:0.5", "-1:1"])
def test_threshold_ranges_in_the_guidelines_syntax_pass(rng: str) -> None:
    assert threshold(rng) == rng


@pytest.mark.parametrize("rng", ["ten", "10;20", "1 0", "@", "20:10 ", "|"])
def test_a_threshold_that_is_no_range_is_refused(rng: str) -> None:
    with pytest.raises(ValueError, match="range"):
        threshold(rng)


def test_perfdata_of_many_is_space_separated() -> None:
    assert perfdata([Perf("a b", 1, "s"), Perf("c", 2, "%", 5, 25, 0, 100)]) == "'a b'=1s c=2%;5;25;0;100"


def test_status_words_are_the_nagios_ones_and_stale_is_unknown() -> None:
    words = {s: status_word(s) for s in Status}
    assert words == {Status.OK: "OK", Status.WARN: "WARNING", Status.CRIT: "CRITICAL", Status.UNKNOWN: "UNKNOWN",
                     Status.STALE: "UNKNOWN"}  # fmt: skip


def test_plugin_text_has_no_pipe_and_one_line() -> None:
    assert plugin_text("a | b\nc\x1b[31m") == "a ¦ b c"
