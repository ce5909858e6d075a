"""Fixtures for the functional tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """A plain HTTP client for talking to the demo fleet directly (no proxies from the environment)."""
    with httpx.Client(trust_env=False, timeout=2.0) as c:
        yield c
