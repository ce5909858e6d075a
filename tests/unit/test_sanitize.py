"""Text from outside never carries control sequences to the terminal."""

from __future__ import annotations

from probes.text.sanitize import clean, clean_json


def test_strips_csi_osc_and_c1() -> None:
    evil = "a\x1b[2Jb\x1b]0;pwned\x07c\x1b]52;c;ZXZpbA==\x1b\\d\x9b31me\x85f\rg\x07h"
    assert clean(evil) == "abcdef gh"


def test_exact_output_for_common_sequences() -> None:
    assert clean("\x1b[31mred\x1b[0m") == "red"
    assert clean("title\x1b]2;hello\x07!") == "title!"
    assert clean("line1\nline2\ttab") == "line1 line2 tab"
    assert clean("x" * 600).endswith("…") and len(clean("x" * 600)) == 512


def test_markup_is_left_as_text() -> None:
    # Markup is harmless once the cell is built as Text; sanitizing must not eat the brackets users need to see.
    assert clean("[@click=app.quit]boom[/]") == "[@click=app.quit]boom[/]"


def test_clean_json_cleans_keys_and_values_and_bounds_depth() -> None:
    data = {"\x1b[2Jk": ["\x1b]52;c;x\x07v", {"n": 1}]}
    assert clean_json(data) == {"k": ["v", {"n": 1}]}
    deep: object = "x"
    for _ in range(20):
        deep = [deep]
    assert "…" in repr(clean_json(deep))


def test_bidi_controls_and_invisible_characters_are_shown_escaped() -> None:
    # Trojan Source: an override makes "evil<RLO>lmth.exe" read as "evilexe.html"; zero-width characters make two
    # different names look the same. Each is shown as its visible escape instead.
    assert clean("evil\u202elmth.exe") == "evil\\u202elmth.exe"
    bidi = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    for ch in bidi + "\u200b\u200c\u200d\u2060\ufeff\u2028\u2029":
        assert clean(f"a{ch}b") == f"a\\u{ord(ch):04x}b"
    assert clean("\x1b[31m\u2067x\u2069\x1b[0m") == "\\u2067x\\u2069"  # with escape sequences around them


def test_escaped_text_stays_within_the_length_bound() -> None:
    out = clean("\u202e" * 600)
    assert len(out) == 512 and out.endswith("…") and out.startswith("\\u202e")


def test_ordinary_unicode_is_left_alone() -> None:
    for text in ("résumé — ünïcödé", "日本語のテキスト", "emoji 🚀 ok", "[b]bold[/b]", "x" * 512):
        assert clean(text) == text
