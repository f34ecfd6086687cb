"""The fast, statement-local positions equal libcst's PositionProvider."""

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from fastapi_lint.model.builder import build_model
from fastapi_lint.diagnostics import Span
from fastapi_lint.positions import Positions
from fastapi_lint.source import SourceFile

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.py"))


def _parse(path: Path):
    source = SourceFile.from_bytes(path.name, path.read_bytes())
    try:
        return source, cst.parse_module(source.text)
    except cst.ParserSyntaxError:
        pytest.skip("does not parse")


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name for p in FIXTURES])
def test_positions_match_libcst(path: Path) -> None:
    source, module = _parse(path)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    model = build_model(module, source, "fixture")
    fast = Positions(module, source, model.statements, model.statement_of)
    whole = Positions(module, source)
    checked = 0
    for node in model.statement_of:
        if node not in expected:
            continue
        rng = expected[node]
        want = (rng.start.line, rng.start.column, rng.end.line, rng.end.column)
        for positions in (fast, whole):
            span = positions.span(node)
            assert (span.start_line, span.start_col, span.end_line, span.end_col) == want, type(node).__name__
        checked += 1
    assert checked > 0


def test_non_ascii_and_crlf() -> None:
    text = 'x = "😀"; y = 1\r\nfrom fastapi import FastAPI\r\napp = FastAPI()\r\n'
    source = SourceFile.from_bytes("m.py", text.encode())
    module = cst.parse_module(source.text)
    model = build_model(module, source, "m")
    positions = Positions(module, source, model.statements, model.statement_of)
    assign_y = model.assignments[1].node
    span = positions.span(assign_y.targets[0].target)
    assert (span.start_line, span.start_col) == (1, text.index("y"))
    call = model.calls[0].node
    assert positions.span(call).start_line == 3


def test_elif_decorators_and_names_take_the_fast_path() -> None:
    text = (
        "from fastapi import FastAPI\napp = FastAPI()\n\n\n@app.get('/a')\n@app.get('/b')\nasync  def  handler():\n"
        "    if x:\n        pass\n    elif f(y):\n        pass\n"
    )
    source = SourceFile.from_bytes("m.py", text.encode())
    module = cst.parse_module(source.text)
    model = build_model(module, source, "m")
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    fast = Positions(module, source, model.statements, model.statement_of)
    function = model.functions[0].node
    call_in_elif = next(c.node for c in model.calls if isinstance(c.node.func, cst.Name) and c.node.func.value == "f")
    for node in (function.name, call_in_elif):
        rng = expected[node]
        assert fast.span(node) == Span(rng.start.line, rng.start.column, rng.end.line, rng.end.column)
    assert fast._full is None, "the whole module was code-generated"
    assert [fast.line(d) for d in function.decorators] == [5, 6]
