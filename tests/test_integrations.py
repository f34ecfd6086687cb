"""SARIF, GitHub annotations and the JSON schema: what other tools read from us."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from fastapi_lint.cli import main
from fastapi_lint.output.github import escape_data, escape_property
from fastapi_lint.output.sarif import utf16_column

ROOT = Path(__file__).parent.parent
SARIF_SCHEMA_FILE = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
VENDORED_SARIF_SCHEMA = ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json"
JSON_SCHEMA = ROOT / "docs" / "schemas" / "json-output.schema.json"

SOURCE = '''import time
from fastapi import FastAPI

app = FastAPI()
SECRET_KEY = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"


@app.get("/héllo")
async def greet() -> dict:
    name = "😀 ünïcode"; time.sleep(1)
    return {}
'''
BROKEN = "from fastapi import FastAPI\napp = FastAPI(\n"


def sarif_validator() -> jsonschema.Draft7Validator:
    path = SARIF_SCHEMA_FILE if SARIF_SCHEMA_FILE.exists() else VENDORED_SARIF_SCHEMA
    return jsonschema.Draft7Validator(json.loads(path.read_text()))


def run(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(project), *args])
    return result.exit_code, result.stdout


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (tmp_path / "app.py").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "broken.py").write_text(BROKEN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_vendored_sarif_schema_is_the_official_one() -> None:
    if not SARIF_SCHEMA_FILE.exists():
        pytest.skip("the shared schema folder is not next to this checkout")
    assert VENDORED_SARIF_SCHEMA.read_bytes() == SARIF_SCHEMA_FILE.read_bytes()


def test_sarif_validates_with_parse_errors_fixes_and_non_ascii(project: Path) -> None:
    code, out = run(project, "--output-format", "sarif", "--select", "ALL")
    assert code == 1
    log = json.loads(out)
    errors = sorted(sarif_validator().iter_errors(log), key=str)
    assert not errors, [e.message for e in errors]
    run_ = log["runs"][0]
    assert run_["columnKind"] == "utf16CodeUnits"
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    results = {r["ruleId"]: r for r in run_["results"]}
    assert set(results) >= {"FAPI000", "FAPI201", "FAPI401"}
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    # The sleep comes after a 1-code-point, 2-UTF-16-unit emoji on its line.
    line = SOURCE.splitlines()[9]
    sleep = results["FAPI201"]["locations"][0]["physicalLocation"]["region"]
    assert sleep["startLine"] == 10
    assert sleep["startColumn"] == line.index("time.sleep") + 2  # 1-based, plus one extra unit
    assert sleep["endColumn"] - sleep["startColumn"] == len("time.sleep(1)")
    assert results["FAPI201"]["fixes"][0]["artifactChanges"][0]["replacements"]
    # Security rules carry GitHub's security-severity as a numeric string and the tag.
    secret_rule = rules[results["FAPI401"]["ruleIndex"]]
    assert float(secret_rule["properties"]["security-severity"]) > 0
    assert "security" in secret_rule["properties"]["tags"]
    # The secret itself appears nowhere in the log.
    assert "9f8e7d6c5b4a39281706f5e4d3c2b1a0" not in out
    invocation = run_["invocations"][0]
    assert invocation["executionSuccessful"] is True
    assert [n["associatedRule"]["id"] for n in invocation["toolExecutionNotifications"]] == ["FAPI000"]


def test_sarif_of_a_clean_run_has_an_empty_results_array(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "ok.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    code, out = run(tmp_path, "--output-format", "sarif")
    assert code == 0
    log = json.loads(out)
    assert log["runs"][0]["results"] == []
    assert not list(sarif_validator().iter_errors(log))


def test_sarif_reports_a_crashed_rule_as_unsuccessful(project: Path, monkeypatch) -> None:
    from fastapi_lint.rules.async_io.blocking_call_in_async_route import BlockingCallInAsyncRoute

    def boom(self, *args, **kwargs):
        raise RuntimeError("rule exploded")

    monkeypatch.setattr(BlockingCallInAsyncRoute, "check_route", boom)
    code, out = run(project, "--output-format", "sarif", "--jobs", "1")
    assert code == 2
    log = json.loads(out)
    assert not list(sarif_validator().iter_errors(log))
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert any(n["level"] == "error" and "rule exploded" in n["message"]["text"]
               for n in invocation["toolExecutionNotifications"])


def test_fingerprints_survive_unrelated_edits(project: Path) -> None:
    def prints() -> dict[str, str]:
        log = json.loads(run(project, "--output-format", "sarif")[1])
        return {r["ruleId"]: r["partialFingerprints"]["fastapiLint/v2"] for r in log["runs"][0]["results"]}

    before = prints()
    (project / "app.py").write_text("# a new comment\n\n" + SOURCE, encoding="utf-8")
    assert prints() == before


def test_utf16_columns() -> None:
    assert utf16_column("a😀b", 2) == 3
    assert utf16_column("abc", 3) == 3
    assert utf16_column("ab", 4) == 4  # past the end (the newline): unchanged


# --- GitHub workflow commands -------------------------------------------------------------


def unescape_data(text: str) -> str:
    """actions/runner ``ActionCommand.UnescapeData``: %25 decoded last."""
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",")
            .replace("%25", "%"))


def parse_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """A port of actions/runner ``ActionCommand.TryParseV2``."""
    line = line.strip()
    if not line.startswith("::"):
        return None
    end = line.find("::", 2)
    if end < 0:
        return None
    info = line[2:end]
    name, _, props = info.partition(" ")
    properties = {}
    for pair in filter(None, props.split(",")):
        key, _, value = pair.partition("=")
        properties[key] = unescape_property(value)
    return name, properties, unescape_data(line[end + 2:])


def runner_lines(output: str) -> list[str]:
    """Lines as the runner splits stdout: only \\n, \\r and \\r\\n end a line."""
    return [line for line in output.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line]


HOSTILE = '''from fastapi import FastAPI

app = FastAPI()


@app.post("""/a%0A::add-mask::S
::error file=x.py,line=1::forged
x\\r::stop-commands::tok, a:b,c=d %25 \u2028 \x85 😀 \x1b[31m""")
def hostile():
    return {}
'''


@pytest.mark.parametrize("filename", ["app.py", "we,ird:%0A name.py"])
def test_github_output_cannot_inject_commands(tmp_path: Path, monkeypatch, filename: str) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / filename).write_text(HOSTILE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    findings = json.loads(run(tmp_path, "--output-format", "json", "--select", "FAPI301,FAPI402")[1])
    assert len(findings) == 2
    code, out = run(tmp_path, "--output-format", "github", "--select", "FAPI301,FAPI402")
    assert code == 1
    lines = runner_lines(out)
    commands = [parse_command(line) for line in lines]
    assert len(lines) == len(findings) and all(commands)  # exactly one command per finding
    for (name, properties, data), finding in zip(commands, findings):
        assert name in {"error", "warning", "notice"}
        assert properties["file"] == filename
        assert properties["title"] == f"fastapi-lint ({finding['code']})"
        assert set(properties) == {"file", "line", "endLine", "col", "endColumn", "title"}
        prefix = f"{filename}:{finding['location']['row']}:{finding['location']['column']}: {finding['code']} "
        assert data.startswith(prefix)
        # The message round-trips, except terminal escapes, which are shown as \\xNN.
        assert data[len(prefix):] == finding["message"].replace("\x1b", "\\x1b")
        assert "\n::" in data  # the hostile newlines are there, as data


def test_github_multiline_regions_omit_columns() -> None:
    from fastapi_lint.diagnostics import Finding, Severity, Span
    from fastapi_lint.output.github import render_github

    finding = Finding("FAPI101", "x", "message", Severity.WARNING, "a.py", Span(1, 0, 3, 2))
    name, properties, _ = parse_command(render_github([finding], [], lambda p: [])) or ("", {}, "")
    assert name == "warning" and "col" not in properties and properties["endLine"] == "3"


def test_github_summary_after_the_annotation_limit() -> None:
    from fastapi_lint.diagnostics import Finding, Severity, Span
    from fastapi_lint.output.github import render_github

    findings = [Finding("FAPI201", "x", "m", Severity.ERROR, "a.py", Span(i, 0, i, 1)) for i in range(1, 13)]
    lines = runner_lines(render_github(findings, [], lambda p: []))
    assert len(lines) == 13
    assert lines[-1] == "::notice::fastapi-lint: 2 more findings not annotated (limit 10 per level per step); " \
        "see the log or SARIF"


def test_a_naive_emitter_fails_the_same_check() -> None:
    message = "x\n::add-mask::S"
    naive = f"::error file=a.py::{message}\n"
    assert len(runner_lines(naive)) == 2
    assert len(runner_lines(f"::error file=a.py::{escape_data(message)}\n")) == 1
    assert parse_command(f"::error file={escape_property('a,b:c%.py')}::m") == ("error", {"file": "a,b:c%.py"}, "m")


# --- JSON ------------------------------------------------------------------------------------


def test_json_output_matches_its_documented_schema(project: Path) -> None:
    schema = json.loads(JSON_SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    findings = json.loads(run(project, "--output-format", "json", "--select", "ALL")[1])
    assert findings
    assert not list(jsonschema.Draft7Validator(schema).iter_errors(findings))
    assert not list(jsonschema.Draft7Validator(schema).iter_errors([]))
    broken = [dict(findings[0], location={"row": 0, "column": 1})]
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))
