"""Parsing without node validation gives the same trees, and leaves libcst as it was."""

from __future__ import annotations

import gc
from pathlib import Path

import libcst as cst
import pytest

from fastapi_lint.parsing import parse_module

FIXTURES = Path(__file__).parent / "fixtures"
SOURCES = sorted(p for p in FIXTURES.rglob("*.py") if p.name != "FAPI000.py")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_same_tree_as_a_validated_parse(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast = parse_module(text)
    assert fast.deep_equals(cst.parse_module(text))
    assert fast.code == text


def test_validation_and_gc_are_restored() -> None:
    assert gc.isenabled()
    parse_module("x = 1\n")
    assert gc.isenabled()
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not an identifier")  # nodes built after a parse are validated again


def test_errors_propagate_and_restore() -> None:
    with pytest.raises(cst.ParserSyntaxError):
        parse_module("def (:\n")
    assert gc.isenabled()
    with pytest.raises(cst.CSTValidationError):
        cst.Name("1x")


def test_another_thread_is_validated_while_one_parses() -> None:
    """Validation is skipped only in the parsing thread: a thread building nodes at the
    same time (a language server's, an embedding program's) is still validated."""
    import threading

    import fastapi_lint.parsing as parsing

    started, done = threading.Event(), threading.Event()
    outcome: list[str] = []

    def build() -> None:
        started.wait(10)
        try:
            cst.Name("not an identifier")
            outcome.append("not validated")
        except cst.CSTValidationError:
            outcome.append("validated")
        done.set()

    worker = threading.Thread(target=build)
    worker.start()
    parsing._validation_switch()
    parsing._LOCAL.skip = True  # this thread is inside a parse
    try:
        started.set()
        done.wait(10)
        assert cst.Name("1x").value == "1x"  # this thread skips validation...
    finally:
        parsing._LOCAL.skip = False
    worker.join(10)
    assert outcome == ["validated"]  # ...the other one does not
