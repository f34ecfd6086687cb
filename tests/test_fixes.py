"""Fixes: exact expected output, idempotence, never writing code that does not parse."""

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from fastapi_lint.cli import main
from fastapi_lint.config import Settings
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Applicability
from fastapi_lint.reports import FixMode
from fastapi_lint.run.file import Linter
from fastapi_lint.fixer import FileChanged, digest, write_fixed
from fastapi_lint.rules.base import Rule
from fastapi_lint.testing import selected_codes

FIXTURES = Path(__file__).parent / "fixtures"
FIXED = sorted(FIXTURES.glob("*.py.fixed"))
ALL = sorted(FIXTURES.glob("*.py"))


def fix(path: Path, data: bytes, codes: list[str], unsafe: bool = True):
    settings = Settings(project_root=path.parent, select=codes)
    return Linter(settings, fix=FixMode(unsafe=unsafe)).lint_bytes(data, path.name, module_path=path)


@pytest.mark.parametrize("expected", FIXED, ids=[p.name for p in FIXED])
def test_fixed_output_is_exact_and_idempotent(expected: Path) -> None:
    source = expected.with_suffix("")
    codes = selected_codes(source, source.read_text())
    report = fix(source, source.read_bytes(), codes)
    assert not report.errors
    assert report.fixed is not None and report.fixed.fixed == expected.read_text()
    again = fix(source, expected.read_bytes(), codes)
    assert again.fixed is None and not again.applied


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_every_fixture_still_parses_after_fixing(path: Path) -> None:
    import libcst

    report = fix(path, path.read_bytes(), ["ALL"])
    assert not [e for e in report.errors if "would not parse" in e.message]
    if report.fixed is not None:
        libcst.parse_module(report.fixed.fixed)
        second = fix(path, report.fixed.fixed.encode(), ["ALL"])
        assert second.fixed is None, "a second run still finds something to fix"


def test_safe_only_without_unsafe_fixes() -> None:
    path = FIXTURES / "FAPI401_fix.py"
    report = fix(path, path.read_bytes(), ["FAPI401"], unsafe=False)
    assert report.fixed is None and len(report.findings) == 4


class BreaksCode(Rule):
    """A rule whose fix would not parse (for the test only)."""

    code = "FAPI999"
    name = "breaks-code"
    summary = "Test rule"

    def prescreen(self, text: str) -> bool:
        return True

    def check_module(self, ctx: RuleContext) -> None:
        first = ctx.model.tree.body[0]
        ctx.report(first, "bad", fix=ctx.fix(Applicability.SAFE, "break it", ctx.replace(first, "def (")))


def test_a_fix_that_does_not_parse_is_dropped_and_reported(tmp_path: Path) -> None:
    settings = Settings(project_root=tmp_path)
    report = Linter(settings, rules=[BreaksCode()], fix=FixMode()).lint_bytes(b"x = 1\n", "m.py")
    assert report.fixed is None
    assert any(e.rule == "FAPI999" and "would not parse" in e.message for e in report.errors)
    assert [f.code for f in report.findings] == ["FAPI999"]


SLEEPY = "import time\r\nfrom fastapi import FastAPI\r\napp = FastAPI()\r\n@app.get('/')\r\nasync def i() -> dict:\r\n" \
         "    time.sleep(1)  # caf\u00e9\r\n    return {}\r\n"


def test_fix_keeps_newlines_bom_encoding_and_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    crlf = tmp_path / "crlf.py"
    crlf.write_bytes(SLEEPY.encode())
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + SLEEPY.replace("\r\n", "\n").encode())
    latin = tmp_path / "latin.py"
    latin.write_bytes(("# -*- coding: latin-1 -*-\n" + SLEEPY.replace("\r\n", "\n")).encode("latin-1"))
    os.chmod(crlf, 0o754)
    result = CliRunner().invoke(main, ["--fix", "--isolated", "--select", "FAPI201", "."])
    assert result.exit_code == 0, result.output
    assert b"await asyncio.sleep(1)" in crlf.read_bytes()
    assert b"\n" not in crlf.read_bytes().replace(b"\r\n", b"")
    assert bom.read_bytes().startswith(b"\xef\xbb\xbfimport asyncio\nimport time")
    assert "caf\u00e9".encode("latin-1") in latin.read_bytes()
    assert stat.S_IMODE(os.stat(crlf).st_mode) == 0o754
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_diff_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(SLEEPY.replace("\r\n", "\n"))
    before = (tmp_path / "a.py").read_bytes()
    result = CliRunner().invoke(main, ["--diff", "--isolated", "a.py"])
    assert result.exit_code == 1
    assert "+    await asyncio.sleep(1)" in result.stdout and "-    time.sleep(1)" in result.stdout
    assert "Would fix 1 finding." in result.stderr
    assert (tmp_path / "a.py").read_bytes() == before
    clean = CliRunner().invoke(main, ["--diff", "--isolated", "--select", "FAPI301", "a.py"])
    assert clean.exit_code == 0 and clean.stdout == ""


def test_fix_reports_what_remains_and_show_fixes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(SLEEPY.replace("\r\n", "\n").replace("-> dict", "") + 'TOKEN = "Zq8kd92ffLmN0pQ"\n')
    result = CliRunner().invoke(main, ["--fix", "--show-fixes", "--isolated", "a.py", "--output-format", "concise"])
    assert result.exit_code == 1
    assert "Found 3 findings (1 fixed, 2 remaining)." in result.stdout
    assert "1 \u00d7 FAPI201 (blocking-call-in-async-route)" in result.stdout
    assert "(1 hidden fix can be enabled with the `--unsafe-fixes` option.)" in result.stdout
    only = CliRunner().invoke(main, ["--fix-only", "--unsafe-fixes", "--isolated", "a.py"])
    assert only.exit_code == 0 and "Fixed 1 finding." in only.stdout


def test_write_is_skipped_when_the_file_changed(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    original = digest(path.read_bytes())
    path.write_text("x = 2\n")
    with pytest.raises(FileChanged):
        write_fixed(path, b"x = 3\n", original)
    assert path.read_text() == "x = 2\n"
