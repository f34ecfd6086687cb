"""The project-wide model: module names, cross-module resolution, the route tree,
the routes command, files given on the command line, on-demand inference."""

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from fastapi_lint.cli import main
from fastapi_lint.config import Settings
from fastapi_lint.discovery import Discovery
from fastapi_lint.run.file import Linter
from fastapi_lint.run.phase import lint_files, phase_one
from fastapi_lint.project.index import ProjectIndex
from fastapi_lint.config import source_roots
from fastapi_lint.project.layout import module_name
from fastapi_lint.project.tree import RouteTree

FIXTURES = Path(__file__).parent / "fixtures"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return root


def test_module_names_for_common_layouts(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "",
        "src/shop/__init__.py": "", "src/shop/api/__init__.py": "", "src/shop/api/routes.py": "",
        "flat/main.py": "", "ns/pkg/mod.py": "",
        "vendor/my-lib-1.0/lib/__init__.py": "", "vendor/my-lib-1.0/lib/core.py": "",
    })
    roots = source_roots(tmp_path, [])
    assert module_name(tmp_path / "src/shop/api/routes.py", roots) == ("shop.api.routes", False)
    assert module_name(tmp_path / "src/shop/__init__.py", roots) == ("shop", True)
    assert module_name(tmp_path / "flat/main.py", roots) == ("flat.main", False)
    assert module_name(tmp_path / "ns/pkg/mod.py", roots) == ("ns.pkg.mod", False)
    assert module_name(tmp_path / "vendor/my-lib-1.0/lib/core.py", roots) == ("lib.core", False)


def index_of(root: Path) -> tuple[ProjectIndex, list]:
    settings = Settings(project_root=root)
    files = Discovery(settings).files([root])
    reports = phase_one(files, settings, Linter(settings, rules=[]), jobs=1, summaries_only=True)
    return ProjectIndex([r.summary for r in reports if r.summary is not None]), reports


def test_names_resolve_across_modules(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "",
        "app/__init__.py": "from .deps import get_db as database\n",
        "app/deps.py": "from fastapi import Depends\ndef get_db():\n    yield None\nalias = get_db\n",
        "app/routes.py": (
            "from fastapi import APIRouter, Depends\nfrom . import database\nfrom .deps import alias\n"
            "from .star import *\nrouter = APIRouter()\n"
            "@router.get('/')\ndef index(a=Depends(database), b=Depends(alias), c=Depends(helper)): ...\n"
        ),
        "app/star.py": "from fastapi import Depends\ndef helper(x=Depends(lambda: 1)):\n    return 1\n",
    })
    index, _ = index_of(tmp_path)
    for name in ("app.database", "app.deps.alias", "app.routes.helper"):
        target = index.resolve(name)
        assert target is not None and target.kind == "function", name
    assert index.resolve("app.database").name == "app.deps.get_db"
    assert index.resolve("app.routes.helper").name == "app.star.helper"
    assert index.resolve("fastapi.Depends").kind == "external"


def test_route_tree_full_paths_through_modules_and_factories(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "",
        "app/__init__.py": "",
        "app/main.py": (
            "from fastapi import FastAPI\nfrom .api import api_router\nfrom .factory import make_router\n"
            "app = FastAPI()\napp.include_router(api_router, prefix='/api')\n"
            "app.include_router(make_router(), prefix='/made')\n"
        ),
        "app/api.py": (
            "from fastapi import APIRouter\nfrom .items import router as items_router\n"
            "api_router = APIRouter(prefix='/v1')\napi_router.include_router(items_router, prefix='/items')\n"
        ),
        "app/items.py": (
            "from fastapi import APIRouter\nrouter = APIRouter(prefix='/things')\n"
            "@router.post('/{item_id}')\ndef create(item_id: int): ...\n"
        ),
        "app/factory.py": (
            "from fastapi import APIRouter\ndef make_router():\n    r = APIRouter(prefix='/r')\n"
            "    @r.delete('/x')\n    def remove(): ...\n    return r\n"
        ),
    })
    index, _ = index_of(tmp_path)
    paths = sorted((i.full_path, i.app.name if i.app else None) for i in RouteTree(index).instances)
    assert paths == [("/api/v1/items/things/{item_id}", "app"), ("/made/r/x", "app")]


def test_routes_command_on_a_project() -> None:
    result = CliRunner().invoke(main, ["routes", "--output-format", "json", str(FIXTURES / "FAPI402_project")])
    assert result.exit_code == 0, result.output
    rows = {(r["path"], r["methods"][0]): r for r in json.loads(result.stdout)}
    assert rows[("/api/v1/items/{item_id}", "DELETE")]["authenticated"] is True
    assert "reusable_oauth2" in rows[("/api/v1/users/{user_id}", "PATCH")]["auth_reason"]
    assert rows[("/api/v1/utils/test-email/", "POST")]["authenticated"] is False
    assert rows[("/flush", "POST")]["auth_reason"] == "authentication middleware on app `admin_app`"
    assert rows[("/cache", "DELETE")]["app"] == "app"
    assert rows[("/anything", "POST")]["app"] is None
    assert rows[("/api/v1/items/", "POST")]["location"] == "app/api/routes/items.py:8"
    table = CliRunner().invoke(main, ["routes", str(FIXTURES / "FAPI402_project")])
    assert table.exit_code == 0 and "/api/v1/utils/test-email/" in table.stdout


def test_files_given_still_see_the_whole_project() -> None:
    root = FIXTURES / "FAPI402_project"
    settings = Settings(project_root=root, select=["FAPI402"])
    only = [root / "app/api/routes/utils.py"]
    report = lint_files(only, settings, jobs=1)
    assert [(f.path, f.span.start_line) for f in report.findings] == [("app/api/routes/utils.py", 9)]
    report = lint_files([root / "app/deps.py"], settings, jobs=1)
    assert report.findings == []


def test_files_given_cross_module_blocking_and_handlers() -> None:
    root = FIXTURES / "FAPI201_project"
    settings = Settings(project_root=root, select=["FAPI201"])
    report = lint_files([root / "shop/routes.py"], settings, jobs=1)
    assert sorted(f.span.start_line for f in report.findings) == [13, 14, 20, 30]
    root = FIXTURES / "FAPI101_project"
    settings = Settings(project_root=root, select=["FAPI101"])
    report = lint_files([root / "api/routes/payments.py"], settings, jobs=1)
    assert [f.span.start_line for f in report.findings] == [20]


def test_astroid_infers_what_the_summaries_cannot(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "",
        "app/__init__.py": "",
        "app/db.py": (
            "class SyncSession:\n    def query(self, x):\n        return x\n"
            "class Database:\n    def session(self):\n        return SyncSession()\n"
            "database = Database()\n"
        ),
        "app/deps.py": "from .db import database\ndef get_db():\n    session = database.session()\n    yield session\n",
        "app/routes.py": (
            "from fastapi import APIRouter, Depends\nfrom .deps import get_db\nrouter = APIRouter()\n"
            "@router.get('/')\nasync def index(db=Depends(get_db)) -> dict:\n    db.query(1)\n    return {}\n"
        ),
    })
    settings = Settings(project_root=tmp_path, select=["FAPI201"],
                        rule_options={"blocking-call-in-async-route": {
                            "extend-blocking-calls": ["app.db.SyncSession.query"]}})
    report = lint_files(Discovery(settings).files([tmp_path]), settings, jobs=1)
    assert [(f.path, f.span.start_line) for f in report.findings] == [("app/routes.py", 6)]
    assert "SyncSession" in report.findings[0].message


@pytest.mark.parametrize("jobs", [1, 2])
def test_project_findings_do_not_depend_on_workers(jobs: int) -> None:
    from fastapi_lint.testing import read_markers

    root = FIXTURES / "FAPI402_project"
    expected = sorted(
        (p.relative_to(root).as_posix(), line, code)
        for p in root.rglob("*.py") for (line, code) in read_markers(p.read_text())
    )
    settings = Settings(project_root=root, select=["ALL"])
    report = lint_files(Discovery(settings).files([root]), settings, jobs=jobs)
    assert sorted((f.path, f.span.start_line, f.code) for f in report.findings if f.code == "FAPI402") == expected


def test_extend_blocking_calls_reach_helpers_in_other_modules(tmp_path: Path) -> None:
    """A configured blocking call inside a helper of another module is followed when
    only the route module is linted (pre-commit): the search for the modules worth
    summarizing knows the configured names too."""
    write(tmp_path, {
        "pyproject.toml": "",
        "app/__init__.py": "",
        "app/helpers.py": "from mylib.client import fetch\n\ndef load(key):\n    return fetch(key)\n",
        "app/routes.py": (
            "from fastapi import APIRouter\nfrom .helpers import load\nrouter = APIRouter()\n"
            "@router.get('/')\nasync def index() -> dict:\n    return {'v': load('k')}\n"
        ),
    })
    options = {"blocking-call-in-async-route": {"extend-blocking-calls": ["mylib.client.fetch"]}}
    settings = Settings(project_root=tmp_path, select=["FAPI201"], rule_options=options)
    report = lint_files([tmp_path / "app" / "routes.py"], settings, jobs=1)
    assert [(f.path, f.span.start_line) for f in report.findings] == [("app/routes.py", 6)]
    plain = Settings(project_root=tmp_path, select=["FAPI201"])
    assert lint_files([tmp_path / "app" / "routes.py"], plain, jobs=1).findings == []


def test_one_process_lints_again_after_files_change_as_a_fresh_one_would(tmp_path: Path) -> None:
    """A long-running process (an editor, a watch mode, a test session) lints, a
    package marker appears, a dependency changes: the second answer equals a fresh
    process's (module names are not remembered across runs)."""
    import subprocess
    import sys

    write(tmp_path, {
        "pyproject.toml": "[tool.fastapi-lint]\nselect = ['FAPI201']\n",
        "svc/setup.cfg": "",  # a project marker: without packages, names start below it
        "svc/api/deps.py": "import time\ndef slow():\n    time.sleep(1)\n",
        "svc/api/routes.py": (
            "from fastapi import APIRouter\nfrom svc.api.deps import slow\nrouter = APIRouter()\n"
            "@router.get('/')\nasync def index() -> dict:\n    slow()\n    return {}\n"
        ),
    })
    code = ("import json, sys\nfrom fastapi_lint.api import lint_paths\nr = lint_paths([sys.argv[1]], jobs=1)\n"
            "print(json.dumps(sorted((f.path, f.span.start_line, f.message) for f in r.findings)))\n")

    def fresh() -> list:
        import json

        done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                              check=True)
        return [tuple(x) for x in json.loads(done.stdout)]

    def here() -> list:
        from fastapi_lint.api import lint_paths

        return sorted((f.path, f.span.start_line, f.message) for f in lint_paths([tmp_path], jobs=1).findings)

    first = here()
    assert first == fresh()
    for name in ("svc/__init__.py", "svc/api/__init__.py"):  # now svc.api.deps is what routes imports
        (tmp_path / name).write_text("")
    second = here()
    assert second == fresh()
    assert second != first
