"""What a control endpoint answered, in words for a toast or a workflow step (the journal keeps it as it came)."""

from __future__ import annotations

import json
import re

from probes.model import MESSAGE_KEYS
from probes.text.sanitize import clean
from probes.text.units import fmt_limit

_HTTP_PREFIX = re.compile(r"^(HTTP \d{3}): ")


def answer_summary(detail: str) -> str:
    """A control endpoint's JSON answer in words for a toast: `done (pid 11809)`, `done (unlimited → 30)`,
    `HTTP 409: already draining`. Flags that repeat the action (`"restarting": true`) are left out; text that is
    not a JSON object is shown as it came (the journal keeps the answer as it came either way)."""
    m = _HTTP_PREFIX.match(detail)
    prefix, body = (m.group(1), detail[m.end() :]) if m else ("", detail)
    try:
        data = json.loads(body)
    except ValueError:
        return detail
    if not isinstance(data, dict):
        return detail
    said = next((data[k] for k in MESSAGE_KEYS if isinstance(data.get(k), str) and data[k].strip()), None)
    if said is not None:
        return f"{prefix}: {clean(said, 120)}" if prefix else clean(said, 120)
    facts = _answer_facts(data)
    head = prefix or ("done" if data.get("ok") is not False else "failed")
    return f"{head} ({', '.join(facts[:3])})" if facts else head


def _answer_facts(data: dict[str, object]) -> list[str]:
    """`old → new` of a changed setting, then each number or word the answer carries (not its flags)."""
    facts: list[str] = []
    shown: set[str] = {"ok"}
    if "old" in data and "new" in data:
        old, new = (fmt_limit(v) if v is None or isinstance(v, (int, float)) else clean(v, 30) for v in
                    (data["old"], data["new"]))  # fmt: skip
        facts.append(f"{old} → {new}")
        shown |= {"old", "new", *(k for k, v in data.items() if v == data["new"])}
    for key, value in data.items():
        if key in shown or isinstance(value, bool) or not isinstance(value, (int, float, str)):
            continue
        facts.append(f"{clean(key, 30).replace('_', ' ')} {clean(value, 40)}")
    return facts
