"""The shipped example project shows every rule, and the README's first command works."""

import json
from pathlib import Path

from click.testing import CliRunner

from fastapi_lint.cli import main
from fastapi_lint.registry import all_rules

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "shop"


def test_example_project_shows_every_rule(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, [str(EXAMPLE.relative_to(ROOT)), "--output-format", "json"])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)
    assert {f["code"] for f in findings} == {r.code for r in all_rules()}
    assert all(not f["filename"].startswith("/") for f in findings)


def test_readme_first_command_is_the_example() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "fastapi-lint examples/shop" in readme


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    command = "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest"
    assert command in readme
    assert command in (ROOT / ".ci" / "run").read_text()
