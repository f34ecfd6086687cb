"""The command line: exit codes, output formats, configuration errors, noqa, safety of output."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from fastapi_lint import __version__
from fastapi_lint.cli import main

BAD = '''import time
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def index() -> dict:
    time.sleep(1)
    return {}
'''
CLEAN = '''import asyncio
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def index() -> dict:
    await asyncio.sleep(1)
    return {}
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "bad.py").write_text(BAD)
    (tmp_path / "app" / "clean.py").write_text(CLEAN)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_findings_exit_1_with_full_output(project: Path) -> None:
    code, out, _ = run("app")
    assert code == 1
    assert "app/bad.py:9:5: FAPI201 [*] Blocking call `time.sleep()`" in out
    assert "9 |     time.sleep(1)" in out
    assert "^^^^^^^^^^^^^ FAPI201" in out
    assert "= help:" in out
    assert "Found 1 finding." in out
    assert "[*] 1 fixable" in out


def test_clean_exit_0(project: Path) -> None:
    code, out, _ = run("app/clean.py")
    assert code == 0
    assert "All checks passed!" in out


def test_exit_zero_and_quiet(project: Path) -> None:
    code, out, _ = run("--exit-zero", "--quiet", "--output-format", "concise", "app")
    assert code == 0
    assert out.strip() == "app/bad.py:9:5: FAPI201 [*] Blocking call `time.sleep()` in async path operation " \
                          "`index`: it stops the event loop, so no other request is served until it returns"


def test_select_ignore_and_unknown_code(project: Path) -> None:
    assert run("--ignore", "FAPI201", "app")[0] == 0
    assert run("--select", "FAPI301", "app")[0] == 0
    assert run("--select", "FAPI2,FAPI3", "app")[0] == 1
    code, _, err = run("--select", "FAPI999", "app")
    assert code == 2 and "FAPI999" in err


def test_statistics(project: Path) -> None:
    code, out, _ = run("--statistics", "app")
    assert code == 1
    assert out.split() == ["1", "FAPI201", "[*]", "blocking-call-in-async-route"]


def test_json_output_is_ruff_shaped(project: Path) -> None:
    code, out, _ = run("--output-format", "json", "app")
    assert code == 1
    data = json.loads(out)
    assert out.endswith("\n")
    [finding] = data
    assert sorted(finding) == ["cell", "code", "end_location", "filename", "fix", "location", "message", "name",
                               "noqa_row", "severity", "url"]
    assert finding["filename"] == "app/bad.py"
    assert finding["location"] == {"column": 5, "row": 9}
    assert finding["end_location"] == {"column": 18, "row": 9}
    assert finding["fix"]["applicability"] == "safe"
    assert finding["noqa_row"] == 9
    assert finding["severity"] == "error"
    assert run("--output-format", "json", "app/clean.py")[1] == "[]\n"


def test_output_file(project: Path) -> None:
    code, out, _ = run("--output-format", "json", "--output", "report.json", "app")
    assert code == 1 and out == ""
    assert json.loads((project / "report.json").read_text())[0]["code"] == "FAPI201"


def test_noqa(project: Path) -> None:
    (project / "app" / "bad.py").write_text(BAD.replace("time.sleep(1)", "time.sleep(1)  # noqa: FAPI201"))
    assert run("app")[0] == 0
    (project / "app" / "bad.py").write_text(BAD.replace("time.sleep(1)", "time.sleep(1)  # noqa: FAPI301"))
    assert run("app")[0] == 1
    (project / "app" / "bad.py").write_text(BAD.replace("time.sleep(1)", "time.sleep(1)  # noqa"))
    assert run("app")[0] == 0
    (project / "app" / "bad.py").write_text("# fastapi-lint: noqa: FAPI201\n" + BAD)
    assert run("app")[0] == 0
    (project / "app" / "bad.py").write_text(BAD.replace("time.sleep(1)", "time.sleep(1); x = '# noqa'"))
    assert run("app")[0] == 1


def test_config_errors_exit_2_naming_file_and_key(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.fastapi-lint]\nselect = "FAPI201"\n')
    code, _, err = run("app")
    assert code == 2
    assert "pyproject.toml: tool.fastapi-lint.select: expected a list of rule codes" in err
    (project / "pyproject.toml").write_text('[tool.fastapi-lint]\nunknown-key = 1\n')
    code, _, err = run("app")
    assert code == 2 and "tool.fastapi-lint.unknown-key" in err


def test_config_selection_and_per_file_ignores(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.fastapi-lint]\nper-file-ignores = {"app/bad.py" = ["FAPI2"]}\n')
    assert run("app")[0] == 0
    (project / "pyproject.toml").write_text('[tool.fastapi-lint]\nextend-exclude = ["bad.py"]\n')
    assert run("app")[0] == 0
    # An explicitly named file is linted even when excluded, unless --force-exclude.
    assert run("app/bad.py")[0] == 1
    assert run("--force-exclude", "app/bad.py")[0] == 0


def test_missing_path_exits_2(project: Path) -> None:
    code, _, err = run("does-not-exist")
    assert code == 2 and "does-not-exist" in err


def test_syntax_error_is_a_finding(project: Path) -> None:
    (project / "app" / "broken.py").write_text("from fastapi import FastAPI\napp = FastAPI(\n")
    code, out, _ = run("--select", "FAPI000", "app")
    assert code == 1 and "FAPI000" in out and "never closed" in out


def test_rich_markup_and_escapes_in_source_are_not_interpreted(project: Path) -> None:
    source = BAD.replace("time.sleep(1)", "time.sleep(1)  # [bold red]x[/] \x1b[31mred")
    (project / "app" / "bad.py").write_text(source)
    code, out, _ = run("app")
    assert "[bold red]x[/]" in out
    assert "\x1b" not in out and "\\x1b[31mred" in out


def test_secrets_are_masked(project: Path) -> None:
    (project / "app" / "config.py").write_text('SECRET_KEY = "09d25e094faa6ca2556c818166b7a95"\n')
    for fmt in ("full", "concise", "json"):
        code, out, _ = run("--output-format", fmt, "app/config.py")
        assert code == 1
        assert "09d25e094faa6ca2556c818166b7a95" not in out
    assert 'SECRET_KEY = "' not in run("app/config.py")[1]


def test_rules_and_explain() -> None:
    code, out, _ = run("rules", "--output-format", "json")
    assert code == 0
    assert {r["code"] for r in json.loads(out)} >= {"FAPI201", "FAPI401"}
    code, out, _ = run("explain", "FAPI201")
    assert code == 0 and "## Why is this bad?" in out
    assert run("explain", "blocking-call-in-async-route")[1] == out
    code, _, err = run("explain", "FAPI999")
    assert code == 2 and "unknown rule" in err


def test_version_and_module_entry_point() -> None:
    script = str(Path(sys.executable).parent / "fastapi-lint")
    for command in ([script, "--version"], [sys.executable, "-m", "fastapi_lint", "--version"]):
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert result.returncode == 0
        assert result.stdout.strip() == f"fastapi-lint {__version__}"


def test_parallel_and_serial_runs_agree(project: Path) -> None:
    for index in range(12):
        (project / "app" / f"mod{index}.py").write_text(BAD)
    serial = run("--output-format", "json", "--jobs", "1", "app")[1]
    parallel = run("--output-format", "json", "--jobs", "2", "app")[1]
    assert serial == parallel and len(json.loads(serial)) == 13


def test_progress_bar_only_for_people(monkeypatch) -> None:
    from fastapi_lint import cli

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert cli._progress(500, "full", None).enabled
    assert not cli._progress(500, "json", None).enabled
    assert not cli._progress(500, "sarif", None).enabled
    assert not cli._progress(10, "full", None).enabled
    monkeypatch.setenv("CI", "true")
    assert not cli._progress(500, "full", None).enabled
    monkeypatch.delenv("CI")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert not cli._progress(500, "full", None).enabled
