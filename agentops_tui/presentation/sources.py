"""Detail-screen sections for the backends with more to show than one row: Redis queues and a LiteLLM proxy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.table import Table
from rich.text import Text

from agentops_tui.presentation.formats import fmt_money, fmt_number
from agentops_tui.presentation.palette import Palette
from probes.text.sanitize import clean
from probes.text.units import fmt_rate_per_s
from probes.view import ServiceView


def _table(title: str, *columns: str) -> Table:
    t = Table(title=title, title_justify="left", show_edge=False)
    for col in columns:
        t.add_column(col)
    return t


def queue_section(v: ServiceView, p: Palette) -> list[Any]:
    q = v.queue
    if q is None:
        return []
    facts = Table.grid(padding=(0, 2))
    rows = (
        ("depth", fmt_number(q.depth)),
        ("enqueued", fmt_rate_per_s(q.enqueue_per_s)),
        ("dequeued", fmt_rate_per_s(q.dequeue_per_s)),
        ("net growth", f"{q.net_per_s:+.2f}/s" if q.net_per_s is not None else "–"),
        ("in flight", fmt_number(q.inflight)),
        ("dead letters", fmt_number(q.dead)),
        ("oldest task", f"{q.oldest_age_s:.0f}s" if q.oldest_age_s is not None else "–"),
        ("workers alive", fmt_number(q.workers)),
        ("no dequeues for", f"{q.stalled_s:.0f}s (depth growing)" if q.stalled_s is not None else "–"),
    )
    for k, val in rows:
        if val != "–":  # what this queue does not report (no dead-letter list, not stalled) is left out
            facts.add_row(Text(k, style=p.dim), Text(val))
    lists = _table("Queue lists", "list", "pending")
    for key, n in q.depths:
        lists.add_row(Text(clean(key, 60)), Text(str(n)))
    out: list[Any] = [Text(""), Text("Queue", style="bold"), facts, Text(""), lists]
    for note in q.notes:
        out.append(Text(clean(note, 200), style=p.warn))
    return out


def litellm_section(v: ServiceView, p: Palette) -> list[Any]:
    r = v.litellm
    if r is None:
        return []
    deps = _table("Deployments", "deployment", "state", "failures", "cooldowns")
    for d in r.deployments:
        style = p.crit if d.state == "open" else p.warn if d.state == "half_open" else p.ok
        label = {"closed": "healthy", "half_open": "partial outage", "open": "outage"}.get(d.state, d.state)
        deps.add_row(Text(clean(d.name, 60)), Text(label, style=style), Text(fmt_number(d.failures)),
                     Text(fmt_number(d.cooldowns)))  # fmt: skip
    if not r.deployments:
        deps.add_row(Text("–", style=p.dim), Text(""), Text(""), Text(""))
    spend = _table("Proxy spend since it started (by model and key)", "model", "key", "requests", "tokens in/out",
                   "USD")  # fmt: skip
    for s in r.spend[:20]:
        tokens = f"{fmt_number(s.input_tokens)}/{fmt_number(s.output_tokens)}"
        spend.add_row(Text(clean(s.model, 40)), Text(clean(s.key, 40)), Text(fmt_number(s.requests)), Text(tokens),
                      Text(fmt_money(s.usd)))  # fmt: skip
    out: list[Any] = [Text(""), deps, Text(""), spend]
    if r.key_budgets:
        budgets = _table("Key budgets", "key", "remaining")
        for key, left in r.key_budgets:
            budgets.add_row(Text(clean(key, 40)), Text(fmt_money(left), style=p.crit if left <= 0 else ""))
        out += [Text(""), budgets]
    return out


SECTIONS: dict[str, Callable[[ServiceView, Palette], list[Any]]] = {
    "queue": queue_section,
    "litellm": litellm_section,
}
"""The detail page's own section of each backend (probes.registry names) with more to show than one row; a
service manager's facts come in the view (`native`) and are shown by the detail screen itself."""


def source_sections(v: ServiceView, p: Palette) -> list[Any]:
    """The extra sections of a service's detail page (each is empty unless the view has its backend's data)."""
    return [part for section in SECTIONS.values() for part in section(v, p)]
