"""A short fuzz run (the long one is ``benchmarks/fuzz.py``): no crash, no hang,
valid ranges, fixes that parse."""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz_support import HEADER, cases, check_case


def test_mutated_fixtures() -> None:
    rng = random.Random(20261201)
    stream = cases(rng)
    for _ in range(300):
        check_case(next(stream))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data: bytes) -> None:
    check_case(data)
    check_case(HEADER.encode() + data)


hypothesmith = pytest.importorskip("hypothesmith")


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_generated_programs(source: str) -> None:
    check_case((HEADER + source).encode("utf-8", errors="surrogatepass"))


def test_the_checker_catches_crashes_and_bad_ranges(monkeypatch) -> None:
    from fastapi_lint.diagnostics import Span
    from fastapi_lint.rules.async_io.blocking_call_in_async_route import BlockingCallInAsyncRoute
    from tests import fuzz_support

    source = (HEADER + "import time\n@app.get('/')\nasync def f():\n    time.sleep(1)\n").encode()
    assert check_case(source) >= 1
    original = BlockingCallInAsyncRoute.check_route

    def crash(self, route, ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(BlockingCallInAsyncRoute, "check_route", crash)
    fuzz_support._LINTERS.clear()
    with pytest.raises(AssertionError, match="internal errors"):
        check_case(source)

    # A finding outside the file is caught too (one that ends before it starts cannot
    # even be made: Span refuses it).
    monkeypatch.undo()
    fuzz_support._LINTERS.clear()
    real = fuzz_support.linter(False)
    lint_bytes = real.lint_bytes

    def shifted(data, path, **kwargs):
        report = lint_bytes(data, path, **kwargs)
        report.findings = [dataclasses.replace(f, span=Span(99, 0, 99, 1))
                           for f in report.findings]
        return report

    monkeypatch.setattr(real, "lint_bytes", shifted)
    with pytest.raises(AssertionError):
        check_case(source)
    fuzz_support._LINTERS.clear()
