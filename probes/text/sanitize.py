"""Make text from outside safe to show: no terminal control sequences, bounded length.

Container names, health messages and log lines are written by other programs. An ESC byte that reaches the
terminal can clear the screen, retitle the window or write the clipboard (OSC 52), so it is stripped where the
data enters, before anything is stored or displayed.

Bidi overrides and invisible characters are kept but shown as their escapes (`\\u202e`): an override reorders what
follows it (a name that reads as another, "Trojan Source"), and a zero-width character makes two different names
look the same. Ordinary non-ASCII text is left alone.
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
# Arabic letter mark; zero-width space, non-joiner, joiner, LRM, RLM; line and paragraph separators (splitlines()
# breaks on them), LRE, RLE, PDF, LRO, RLO; word joiner; LRI, RLI, FSI, PDI; the BOM (zero-width no-break space).
_INVISIBLE = r"\u061c\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff"
_SHOWN_ESCAPED = re.compile(f"[{_INVISIBLE}]")
# ESC, 8-bit CSI, newlines, tabs and the invisible characters: one scan tells clean text from the rest.
_ANY_CONTROL = re.compile(rf"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")

DEFAULT_MAX_LEN = 512


def clean(text: object, max_len: int = DEFAULT_MAX_LEN) -> str:
    """Return `text` as a single safe line: escape sequences and controls removed, newlines and tabs as spaces,
    bidi and zero-width characters as their visible escapes."""
    s = text if isinstance(text, str) else str(text)
    if len(s) <= max_len and _ANY_CONTROL.search(s) is None:
        return s  # most text is already clean: one scan instead of three passes and four replaces
    s = _ANSI.sub("", s)
    s = s.replace("\r\n", " ").replace("\n", " ").replace("\t", " ").replace("\r", " ")
    s = _CONTROL.sub("", s)
    s = _SHOWN_ESCAPED.sub(_escape, s)
    if len(s) > max_len:
        s = s[: max_len - 1] + "…"
    return s


def _escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group()):04x}"


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
