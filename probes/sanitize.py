"""Make text from outside safe to show: no terminal control sequences, bounded length.

Container names, health messages and log lines are written by other programs. An ESC byte that reaches the
terminal can clear the screen, retitle the window or write the clipboard (OSC 52), so it is stripped where the
data enters, before anything is stored or displayed.
"""

from __future__ import annotations

import re

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), other two-byte ESC sequences, then any single C0/C1 control.
_ANSI = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]          # CSI
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?   # OSC, terminated by BEL or ST (or cut short)
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?  # DCS, SOS, PM, APC strings
    | \x1b[@-Z\\-_]                  # other Fe escapes
    | \x9b[0-?]*[ -/]*[@-~]          # 8-bit CSI
    """,
    re.VERBOSE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # ESC, 8-bit CSI, newlines and tabs included

DEFAULT_MAX_LEN = 512


def clean(text: object, max_len: int = DEFAULT_MAX_LEN) -> str:
    """Return `text` as a single safe line: escape sequences and controls removed, newlines and tabs as spaces."""
    s = text if isinstance(text, str) else str(text)
    if len(s) <= max_len and _ANY_CONTROL.search(s) is None:
        return s  # most text is already clean: one scan instead of three passes and four replaces
    s = _ANSI.sub("", s)
    s = s.replace("\r\n", " ").replace("\n", " ").replace("\t", " ").replace("\r", " ")
    s = _CONTROL.sub("", s)
    if len(s) > max_len:
        s = s[: max_len - 1] + "…"
    return s


def clean_json(value: object, max_len: int = DEFAULT_MAX_LEN, depth: int = 0) -> object:
    """Clean every string (keys included) inside a decoded JSON value; nesting is bounded at 8 levels."""
    if depth > 8:
        return "…"
    if isinstance(value, str):
        return clean(value, max_len)
    if isinstance(value, dict):
        return {clean(k, 128): clean_json(v, max_len, depth + 1) for k, v in list(value.items())[:200]}
    if isinstance(value, list):
        return [clean_json(v, max_len, depth + 1) for v in value[:200]]
    return value
