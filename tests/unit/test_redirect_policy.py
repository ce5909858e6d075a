"""The redirect policy's URL rules: what counts as the same origin, and what a refused target looks like."""

from __future__ import annotations

import pytest

from probes.http.redirects import follow, not_followed, origin, shown
from probes.http.wire import FetchError


@pytest.mark.parametrize(
    ("url", "location", "target"),
    [
        ("http://h:8101/metrics", "/metrics/", "http://h:8101/metrics/"),
        ("http://h:8101/a/b", "c?x=1#frag", "http://h:8101/a/c?x=1"),
        ("http://h/metrics", "http://H:80/metrics/", "http://H:80/metrics/"),  # default port, host case
        ("https://h/x", "https://h:443/y", "https://h:443/y"),
        ("http://[::1]:9/x", "/y", "http://[::1]:9/y"),
        ("http://u:p@h:9/x", "/y", "http://u:p@h:9/y"),  # the configured credentials stay with their origin
    ],
)
def test_same_origin_is_followed(url: str, location: str, target: str) -> None:
    assert follow(url, location) == target


@pytest.mark.parametrize(
    ("url", "location", "named"),
    [
        ("http://127.0.0.1:9/x", "http://localhost:9/x", "http://localhost:9/x"),
        ("http://h:9/x", "//other:9/x", "http://other:9/x"),  # protocol-relative
        ("http://h:9/x", "http://h:10/x", "http://h:10/x"),
        ("http://h/x", "https://h/x", "https://h/x"),
        ("http://h:9/x", "http://h:99999/x", "http://h:99999/x"),  # no valid port: no origin
        ("http://h:9/x", "javascript:alert(1)", "javascript:alert(1)"),
        ("http://h:9/x", "http://evil\x1b[2J:9/x", "http://evil:9/x"),  # cleaned
    ],
)
def test_another_origin_is_a_finding(url: str, location: str, named: str) -> None:
    with pytest.raises(FetchError) as info:
        follow(url, location)
    assert (info.value.error.kind, info.value.error.message) == (
        "error",
        f"redirect to another origin: {named} not followed",
    )


def test_shown_drops_userinfo_query_and_fragment() -> None:
    assert shown("http://admin:hunter2@h:9/x?token=abc") == "http://h:9/x?…"
    assert shown("https://h/x#secret") == "https://h/x?…"
    assert shown("http://a:b@[::1/x?k=1") == "http://[::1/x?…"  # unparsable, still without the secret
    assert len(shown("http://h/" + "a" * 1000)) <= 160


def test_origin_of_what_is_not_http_is_none() -> None:
    assert origin("ftp://h/x") is None and origin("/relative") is None and origin("http:///x") is None
    assert origin("HTTP://Host/x") == ("http", "host", 80)


def test_a_control_call_names_the_redirect_it_did_not_follow() -> None:
    assert not_followed(307, "http://h:9/admin/drain", "/elsewhere?t=1") == (
        "HTTP 307: redirect to http://h:9/elsewhere?… not followed (control calls follow no redirect)"
    )
    assert not_followed(302, "http://h:9/x", None).startswith("HTTP 302: redirect to nowhere")
