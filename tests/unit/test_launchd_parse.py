"""`launchctl print` / `launchctl list` parsing over recorded real shapes, and the status of every state."""

from __future__ import annotations

from pathlib import Path

from probes.model import LaunchdResult, ProbeError, Status
from probes.sources.launchd.facts import launchd_facts
from probes.sources.launchd.parse import MASK, parse_list, parse_print
from probes.sources.launchd.status import launchd_verdict

FIXTURES = Path(__file__).parents[1] / "fixtures" / "launchd"


def job(fixture: str, label: str = "com.example.x"):  # type: ignore[no-untyped-def]
    return parse_print((FIXTURES / fixture).read_text(), label, f"gui/501/{label}")


def verdict(fixture: str) -> tuple[Status, str]:
    v = launchd_verdict(LaunchdResult(at=0.0, jobs=(job(fixture),)))
    return v.status, v.reason


def test_running_job() -> None:
    j = job("print-planner-running.txt")
    assert (j.state, j.pid, j.runs, j.last_exit, j.last_signal, j.never_exited) == ("running", 17611, 7, 0, None, False)
    assert j.program == "/Users/ops/agents/.venv/bin/python"
    assert j.arguments == ("/Users/ops/agents/.venv/bin/python", "-m", "agents.planner")
    assert j.stdout_path == "/Users/ops/Library/Logs/agents/planner.out.log"
    assert j.stderr_path == "/Users/ops/Library/Logs/agents/planner.err.log"
    assert j.keepalive
    assert verdict("print-planner-running.txt") == (Status.OK, "running (pid 17611, runs 7)")


def test_killed_by_signal() -> None:
    j = job("print-researcher-signaled.txt")
    assert (j.state, j.pid, j.last_exit, j.last_signal, j.never_exited) == ("not running", None, None, 15, False)
    assert verdict("print-researcher-signaled.txt") == (
        Status.CRIT,
        "crash loop, not running (killed by signal 15, runs 3)",
    )


def test_crash_loop_with_exit_code_and_name() -> None:
    j = job("print-coder-crashloop.txt")
    assert (j.state, j.last_exit, j.runs) == ("spawn scheduled", 1, 42)
    assert verdict("print-coder-crashloop.txt") == (Status.CRIT, "crash loop, spawn scheduled (exit 1, runs 42)")


def test_never_exited_and_not_keepalive() -> None:
    j = job("print-indexer-never.txt")
    assert (j.never_exited, j.last_exit, j.runs, j.keepalive) == (True, None, 0, False)
    assert verdict("print-indexer-never.txt") == (Status.WARN, "not running (never exited)")


def test_waiting_on_demand_is_ok() -> None:
    assert verdict("print-reporter-waiting.txt") == (Status.OK, "waiting (on demand)")


def test_negative_exit_code_is_a_signal() -> None:
    j = parse_print("x = {\n\tstate = not running\n\tlast exit code = -9\n}\n", "x", "system/x")
    assert (j.last_exit, j.last_signal) == (None, 9)


def test_not_loaded_and_probe_failures() -> None:
    from probes.model import LaunchdJob

    gone = LaunchdResult(at=0.0, jobs=(LaunchdJob("com.example.gone", "gui/501/com.example.gone", loaded=False),))
    assert launchd_verdict(gone).status is Status.CRIT
    assert launchd_verdict(gone).reason == "not loaded"
    timeout = LaunchdResult(at=0.0, error=ProbeError("timeout", "launchctl print gave no answer within 1s"))
    assert launchd_verdict(timeout).status is Status.UNKNOWN


def test_environment_is_masked_everywhere() -> None:
    j = job("print-planner-running.txt")
    assert dict(j.environment) == {
        "ANTHROPIC_API_KEY": MASK, "OPENAI_API_KEY": MASK, "PLANNER_PORT": MASK, "XPC_SERVICE_NAME": MASK,
    }  # fmt: skip
    text = repr(j) + repr(launchd_facts(LaunchdResult(0.0, (j,))))
    assert "sk-ant" not in text and "sk-proj" not in text and "leak" not in text
    assert "/private/tmp/com.apple.launchd" not in text  # inherited environment is not kept at all


def test_list() -> None:
    rows = parse_list((FIXTURES / "list.txt").read_text())
    by = {r.label: r for r in rows}
    assert (by["com.example.planner"].pid, by["com.example.planner"].status) == (17611, 0)
    assert (by["com.example.researcher"].pid, by["com.example.researcher"].status) == (None, -15)
    assert len(rows) == 7


def test_garbage_does_not_raise() -> None:
    for text in ("", "}}}{{{", "\x1b]52;c;AAAA\x07 = {\n\tstate = \x1b[2Jrunning\n", "a = {\n" * 10000):
        j = parse_print(text, "x", "gui/501/x")
        assert "\x1b" not in j.state
    assert parse_list("garbage\n\t\t\n1\t2\n") == []


def test_other_exit_shapes_and_nested_state_lines() -> None:
    text = (
        "gui/501/x = {\n\tstate = spawn scheduled\n\tlast exit code = 78: EX_CONFIG\n"
        "\tresource coalition = {\n\t\tstate = active\n\t\tpid = 1\n\t}\n}\n"
    )
    j = parse_print(text, "x", "gui/501/x")
    assert (j.state, j.last_exit, j.last_signal, j.pid) == ("spawn scheduled", 78, None, None)
    seg = parse_print("x = {\n\tstate = not running\n\tlast terminating signal = Segmentation fault: 11\n}\n", "x", "x")
    assert (seg.last_exit, seg.last_signal, seg.last_exit_text) == (None, 11, "killed by signal 11")
    kicked = parse_print(
        "x = {\n\tstate = running\n\tpid = 9\n\tlast terminating signal = Terminated: 15\n}\n", "x", "x"
    )
    v = launchd_verdict(LaunchdResult(at=0.0, jobs=(kicked,)))
    assert (v.status, v.reason) == (Status.OK, "running (pid 9)")  # after kickstart -k: running again
