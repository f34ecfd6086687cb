"""Tests run without the results cache unless a test turns it on (tests/test_cache.py)."""

import pytest


@pytest.fixture(autouse=True)
def _no_results_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_LINT_NO_CACHE", "1")
