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
