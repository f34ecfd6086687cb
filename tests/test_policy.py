"""Rule lifecycle (preview) and test code: what runs where."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fastapi_lint.cli import main
from fastapi_lint.testing import write_files as write

APP = '''from fastapi import FastAPI
app = FastAPI()
STRIPE_KEY = "sk_live_51HqLyjWDarjtT1zdp7dcXzbfgnPJxRlNhLmwTGkGDbvYkoB7yPbVvdVVZP0vzT7d"
'''
TEST_APP = '''from fastapi import FastAPI
app = FastAPI(debug=True)
STRIPE_KEY = "sk_live_51HqLyjWDarjtT1zdp7dcXzbfgnPJxRlNhLmwTGkGDbvYkoB7yPbVvdVVZP0vzT7d"
@app.post("/items")
def create() -> dict:
    return {}
'''


def found(root: Path, *args: str) -> list[tuple[str, str]]:
    result = CliRunner().invoke(main, ["check", str(root), "--output-format", "json", "--no-cache", "-j", "1",
                                       *args])
    assert result.exit_code in (0, 1), result.output
    return sorted((f["filename"], f["code"]) for f in json.loads(result.stdout))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path, {
        "pyproject.toml": "[tool.fastapi-lint]\nselect = ['FAPI401', 'FAPI402', 'FAPI408']\n",
        "app/main.py": APP,
        "tests/test_api.py": TEST_APP,
        "tests/fixtures/data.py": TEST_APP,
        "conftest.py": TEST_APP,
        "app/test_helpers.py": TEST_APP,
        "app/helpers_test.py": TEST_APP,
        "seeds/users.py": TEST_APP,
        "scripts/seed.py": TEST_APP,
    })
    return tmp_path


def test_security_rules_do_not_report_in_test_code(project: Path) -> None:
    assert found(project) == [("app/main.py", "FAPI401"), ("scripts/seed.py", "FAPI401"),
                              ("scripts/seed.py", "FAPI402"), ("scripts/seed.py", "FAPI408")]


def test_include_tests_turns_a_rule_back_on(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.fastapi-lint]\nselect = ['FAPI401', 'FAPI408']\n"
        "[tool.fastapi-lint.hardcoded-secret]\ninclude-tests = true\n")
    codes = found(project)
    assert ("tests/test_api.py", "FAPI401") in codes and ("conftest.py", "FAPI401") in codes
    assert not any(path.startswith("tests/") and code == "FAPI408" for path, code in codes)


def test_test_paths_are_configurable(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.fastapi-lint]\nselect = ['FAPI401']\nextend-test-paths = ['scripts/']\n")
    assert found(project) == [("app/main.py", "FAPI401")]
    (project / "pyproject.toml").write_text("[tool.fastapi-lint]\nselect = ['FAPI401']\ntest-paths = []\n")
    assert len(found(project)) == 8


def test_bad_include_tests_value_exits_2_naming_the_key(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.fastapi-lint]\n[tool.fastapi-lint.hardcoded-secret]\ninclude-tests = 'yes'\n")
    result = CliRunner().invoke(main, ["check", str(project)])
    assert result.exit_code == 2
    assert "hardcoded-secret.include-tests" in result.output


def test_apps_in_test_code_are_not_in_the_route_table(project: Path) -> None:
    result = CliRunner().invoke(main, ["routes", str(project), "--output-format", "json"])
    assert result.exit_code == 0, result.output
    locations = sorted(row["location"] for row in json.loads(result.stdout))
    assert locations == ["scripts/seed.py:4"]


# -- preview -------------------------------------------------------------------


@pytest.fixture
def preview_rule(monkeypatch: pytest.MonkeyPatch):
    from fastapi_lint.registry import rule_by_code_or_name

    rule = rule_by_code_or_name("FAPI408")
    monkeypatch.setattr(rule, "status", "preview")
    return rule


def test_a_preview_rule_runs_only_in_preview(project: Path, preview_rule) -> None:
    (project / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    assert ("scripts/seed.py", "FAPI408") not in found(project)
    assert ("scripts/seed.py", "FAPI408") in found(project, "--preview")
    (project / "pyproject.toml").write_text("[tool.fastapi-lint]\npreview = true\n")
    assert ("scripts/seed.py", "FAPI408") in found(project)


def test_selecting_a_preview_rule_by_code_needs_preview_and_warns(project: Path, preview_rule) -> None:
    (project / "pyproject.toml").write_text("[tool.fastapi-lint]\nselect = ['FAPI408']\n")
    assert found(project) == []
    result = CliRunner().invoke(main, ["check", str(project), "--select", "FAPI408", "--no-cache"])
    assert "FAPI408` has no effect because preview is not enabled" in result.stderr
    assert found(project, "--select", "FAPI408", "--preview") == [("scripts/seed.py", "FAPI408")]


def test_rules_lists_the_status(preview_rule) -> None:
    result = CliRunner().invoke(main, ["rules", "--output-format", "json"])
    statuses = {r["code"]: r["status"] for r in json.loads(result.stdout)}
    assert statuses["FAPI408"] == "preview" and statuses["FAPI201"] == "stable"
    table = CliRunner().invoke(main, ["rules"]).stdout
    assert "on (with --preview)" in table


# -- request-serving code only ------------------------------------------------------------

SQL = '''from sqlalchemy import text
from sqlalchemy.orm import Session


def find_user(db: Session, name: str):
    return db.execute(text(f"SELECT * FROM users WHERE name = '{name}'")).all()
'''
RELOAD = '''import uvicorn


def serve() -> None:
    uvicorn.run("app.main:app", reload=True)
'''
SERVER = '''import uvicorn
from fastapi import FastAPI

app = FastAPI(debug=True)
'''


def test_rules_about_requests_skip_migrations_scripts_and_clis(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "[tool.fastapi-lint]\nselect = ['FAPI407', 'FAPI408']\n",
        "app/db.py": SQL,
        "app/main.py": SERVER,
        "migrations/versions/0001_init.py": SQL,
        "alembic/env.py": SQL,
        "app/migrations.py": SQL,
        "tools/convert.py": SQL,
        "app/cli.py": RELOAD,
        "scripts/dev.py": RELOAD,
        "scripts/server.py": SERVER,  # serves an app: still judged
    })
    assert found(tmp_path) == [("app/db.py", "FAPI407"), ("app/main.py", "FAPI408"),
                               ("scripts/server.py", "FAPI408")]
    (tmp_path / "pyproject.toml").write_text(
        "[tool.fastapi-lint]\nselect = ['FAPI407', 'FAPI408']\nnon-request-paths = []\n")
    assert {("app/migrations.py", "FAPI407"), ("tools/convert.py", "FAPI407"), ("app/cli.py", "FAPI408"),
            ("scripts/dev.py", "FAPI408")} <= set(found(tmp_path))


def test_a_test_named_module_the_application_includes_is_application_code(tmp_path: Path) -> None:
    """`routers/test_results.py` (a lab's results) and `fixtures/` (a sports API's
    matches) match the default test paths, but the app includes their routers: they
    stay in the route table and their routes are judged."""
    write(tmp_path, {
        "pyproject.toml": "[tool.fastapi-lint]\nselect = ['FAPI402']\n",
        "app/__init__.py": "",
        "app/main.py": ("from fastapi import FastAPI\nfrom app.routers import test_results\n"
                        "from app.fixtures import router as fixtures_router\napp = FastAPI()\n"
                        "app.include_router(test_results.router, prefix='/lab')\n"
                        "app.include_router(fixtures_router.router, prefix='/football')\n"),
        "app/routers/__init__.py": "",
        "app/routers/test_results.py": ("from fastapi import APIRouter\nrouter = APIRouter()\n"
                                        "@router.post('/results')\ndef add() -> dict:\n    return {}\n"),
        "app/fixtures/__init__.py": "",
        "app/fixtures/router.py": ("from fastapi import APIRouter\nrouter = APIRouter()\n"
                                   "@router.delete('/matches/{match_id}')\ndef drop(match_id: int) -> dict:\n"
                                   "    return {}\n"),
        "tests/test_app.py": ("from fastapi import FastAPI\napp = FastAPI()\n"
                              "@app.post('/fake')\ndef fake() -> dict:\n    return {}\n"),
    })
    assert found(tmp_path) == [("app/fixtures/router.py", "FAPI402"), ("app/routers/test_results.py", "FAPI402")]
    result = CliRunner().invoke(main, ["routes", str(tmp_path), "--output-format", "json"])
    assert sorted(r["path"] for r in json.loads(result.stdout)) == ["/football/matches/{match_id}", "/lab/results"]
    # include-tests on a project rule brings the test apps back for it
    (tmp_path / "pyproject.toml").write_text(
        "[tool.fastapi-lint]\nselect = ['FAPI402']\n[tool.fastapi-lint.unauthenticated-route]\ninclude-tests = true\n")
    assert ("tests/test_app.py", "FAPI402") in found(tmp_path)


def test_bad_patterns_exit_2_naming_the_key(tmp_path: Path) -> None:
    for key, value in [("test-paths", '["!"]'), ("non-request-paths", '["[z-a]"]'), ("extend-exclude", '["!"]')]:
        write(tmp_path, {"pyproject.toml": f"[tool.fastapi-lint]\n{key} = {value}\n", "a.py": "x = 1\n"})
        result = CliRunner().invoke(main, ["check", str(tmp_path)])
        assert result.exit_code == 2 and key in result.output, (key, result.output)


def test_a_module_under_a_script_path_that_adds_routes_to_an_imported_router_is_judged(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "[tool.fastapi-lint]\nselect = ['FAPI407']\n",
        "cli/routes_via_import.py": ("from sqlalchemy import text\nfrom app.api import router\n"
                                     "@router.get('/x')\ndef x(conn, table: str):\n"
                                     "    return conn.execute(text(f\"SELECT * FROM t WHERE name = '{table}'\"))\n"),
        "app/tools/search.py": ("def search(cursor, customer: str):\n"
                                "    cursor.execute(f\"SELECT * FROM o WHERE customer = '{customer}'\")\n"),
    })
    assert found(tmp_path) == [("app/tools/search.py", "FAPI407"), ("cli/routes_via_import.py", "FAPI407")]
