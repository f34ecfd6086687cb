"""Shared by the fuzz test (short, in CI) and ``benchmarks/fuzz.py`` (long runs).

A case is source bytes. :func:`check_case` lints them with every rule, with and
without unsafe fixes, and raises ``AssertionError`` on any problem: a crashed rule
(an internal error other than the documented "nested too deeply" and time-outs),
a finding whose range is not inside the file or ends before it starts, or fixed
text that does not parse.
"""

from __future__ import annotations

import ast
import random
import re
import warnings
from pathlib import Path

from fastapi_lint.config import Settings
from fastapi_lint.reports import FixMode
from fastapi_lint.run.file import Linter
from fastapi_lint.run.phase import _project_phase

ROOT = Path(__file__).parent.parent
HEADER = "from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request\napp = FastAPI()\n"
_EXPECTED_ERRORS = ("nested too deeply",)
_TOKEN = re.compile(r"\w+|[^\w\s]+|\s+")

_LINTERS: dict[bool, Linter] = {}


def linter(fix: bool) -> Linter:
    if fix not in _LINTERS:
        settings = Settings(project_root=ROOT, select=["ALL"], per_file_timeout=20.0)
        _LINTERS[fix] = Linter(settings, fix=FixMode(unsafe=True) if fix else None)
    return _LINTERS[fix]


def _lines(data: bytes) -> list[str]:
    text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return re.split(r"\r\n|\r|\n", text)


def _parses(text: str, like: str) -> bool:
    """CPython parses ``text``; or, for syntax newer than this interpreter, libcst
    does (when it is what parsed the original)."""
    try:
        ast.parse(text)
        return True
    except SyntaxError:
        pass
    try:
        ast.parse(like)
        return False  # the original parsed: the fix broke it
    except SyntaxError:
        from fastapi_lint.fixer import parses

        return parses(text)


def check_case(data: bytes, path: str = "fuzz_case.py") -> int:
    """Lint ``data`` (plain, then with unsafe fixes); return the number of findings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = linter(False).lint_bytes(data, path)
        findings, errors = _project_phase(linter(False), [report], {report.path})
    errors = [*report.errors, *errors]
    bad = [e for e in errors if not any(x in e.message for x in _EXPECTED_ERRORS)]
    assert not bad, f"internal errors: {[(e.rule, e.message) for e in bad]}"
    lines = _lines(data)
    for finding in [*report.findings, *findings]:
        span = finding.span
        where = f"{finding.code} {span}"
        assert 1 <= span.start_line <= len(lines) + 1, where
        assert 1 <= span.end_line <= len(lines) + 1, where
        assert (span.start_line, span.start_col) <= (span.end_line, span.end_col), where
        assert span.start_col >= 0 and span.end_col >= 0, where
        if span.start_line <= len(lines):
            assert span.start_col <= len(lines[span.start_line - 1]) + 1, where
        if span.end_line <= len(lines):
            assert span.end_col <= len(lines[span.end_line - 1]) + 1, where
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fixed = linter(True).lint_bytes(data, path)
    bad = [e for e in fixed.errors if not any(x in e.message for x in _EXPECTED_ERRORS)]
    assert not bad, f"internal errors in fix mode: {[(e.rule, e.message) for e in bad]}"
    if fixed.fixed is not None:  # --fix never writes code that does not parse
        assert _parses(fixed.fixed.fixed, like=fixed.fixed.original), "fixed text does not parse"
    return len(report.findings) + len(findings)


# -- mutations ------------------------------------------------------------------------------


def seeds() -> list[bytes]:
    """Fixture files and the example project: FastAPI code that exercises every rule."""
    paths = sorted((ROOT / "tests" / "fixtures").rglob("*.py")) + sorted((ROOT / "examples").rglob("*.py"))
    return [p.read_bytes() for p in paths]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random mutation: drop, duplicate or shuffle lines, truncate, swap or drop
    tokens, re-indent a line, or splice in a line of another kind."""
    text = data.decode("utf-8", errors="replace")
    lines = text.splitlines(keepends=True) or [""]
    kind = rng.randrange(8)
    if kind == 0 and len(lines) > 1:  # drop lines
        start = rng.randrange(len(lines))
        del lines[start:start + rng.randint(1, 3)]
    elif kind == 1:  # duplicate a line
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
    elif kind == 2:  # truncate
        return text[: rng.randrange(len(text) + 1)].encode("utf-8", errors="replace")
    elif kind == 3:  # swap two tokens
        tokens = _TOKEN.findall(text)
        if len(tokens) > 2:
            i, j = rng.randrange(len(tokens)), rng.randrange(len(tokens))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        return "".join(tokens).encode("utf-8", errors="replace")
    elif kind == 4:  # drop a token
        tokens = _TOKEN.findall(text)
        if tokens:
            del tokens[rng.randrange(len(tokens))]
        return "".join(tokens).encode("utf-8", errors="replace")
    elif kind == 5:  # re-indent a line
        i = rng.randrange(len(lines))
        lines[i] = rng.choice(["", "    ", "\t", "        "]) + lines[i].lstrip(" \t")
    elif kind == 6:  # shuffle a few lines
        i = rng.randrange(len(lines))
        chunk = lines[i:i + 4]
        rng.shuffle(chunk)
        lines[i:i + 4] = chunk
    else:  # splice in something odd
        odd = rng.choice([
            "\x00", "\ufeff", "\r", "\f\n", "@app.get(\n", "async def f(\n", "yield\n", "except* E:\n",
            "match x:\n    case _:\n        pass\n", "x = " + "(" * 50 + "1" + ")" * 50 + "\n",
            "@router.post('/{id}')\n", "raise HTTPException(500, detail=str(e))\n", "\"\"\"\n", "😀 = 1\n",
            "def g[T](x: T) -> T: ...\n", "lambda: (yield)\n", "await\n",
        ])
        lines.insert(rng.randrange(len(lines) + 1), odd)
    return "".join(lines).encode("utf-8", errors="replace")


def cases(rng: random.Random, corpus: list[bytes] | None = None):
    """An endless stream of mutated seeds (1 to 3 mutations each)."""
    pool = seeds() + list(corpus or [])
    while True:
        data = rng.choice(pool)
        for _ in range(rng.randint(1, 3)):
            data = mutate(data, rng)
        yield data
