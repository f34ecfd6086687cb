"""The results cache is never stale: every input that decides a report re-lints."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from fastapi_lint.cli import main

DEPS_SYNC = '''from sqlalchemy.orm import Session, sessionmaker
SessionLocal = sessionmaker()
def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
'''
DEPS_ASYNC = '''from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
SessionLocal = async_sessionmaker()
async def get_db():
    async with SessionLocal() as db:
        yield db
'''
ROUTES = '''from fastapi import APIRouter, Depends
from .deps import get_db
router = APIRouter()
@router.get("/items/{item_id}")
async def read(item_id: int, db=Depends(get_db)):
    db.get(dict, item_id)
    return {}
'''
MAIN = "from fastapi import FastAPI\nfrom .routes import router\napp = FastAPI()\napp.include_router(router)\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("FASTAPI_LINT_NO_CACHE", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\nselect = ['FAPI201', 'FAPI301']\n")
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "deps.py").write_text(DEPS_SYNC)
    (app / "routes.py").write_text(ROUTES)
    (app / "main.py").write_text(MAIN)
    return tmp_path


def codes(*args: str) -> list[tuple[str, str, int]]:
    result = CliRunner().invoke(main, ["--output-format", "json", "--jobs", "1", *args])
    assert result.exit_code in (0, 1), result.output
    return [(f["filename"], f["code"], f["location"]["row"]) for f in json.loads(result.stdout)]


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    import libcst

    def refuse(*args, **kwargs):
        raise AssertionError("parsed although the cache should have answered")

    monkeypatch.setattr(libcst, "parse_module", refuse)


def test_warm_run_parses_nothing_and_says_the_same(project: Path, monkeypatch) -> None:
    cold = codes(".")
    assert ("app/routes.py", "FAPI201", 6) in cold
    assert (project / ".fastapi_lint_cache" / "CACHEDIR.TAG").exists()
    with monkeypatch.context() as m:
        no_parsing(m)
        assert codes(".") == cold
        assert codes("app/routes.py") == [c for c in cold if c[0] == "app/routes.py"]  # pre-commit mode


def test_editing_the_file_relints_it(project: Path) -> None:
    assert ("app/routes.py", "FAPI201", 6) in codes(".")
    (project / "app" / "routes.py").write_text(ROUTES.replace("    db.get(dict, item_id)\n", ""))
    assert ("app/routes.py", "FAPI201", 6) not in codes(".")


def test_same_size_same_mtime_edit_is_still_seen(project: Path) -> None:
    routes = project / "app" / "routes.py"
    assert ("app/routes.py", "FAPI201", 6) in codes(".")
    stat = routes.stat()
    routes.write_text(ROUTES.replace("db.get(dict, item_id)", "db.xyz(dict, item_id)"))  # same length
    os.utime(routes, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert routes.stat().st_size == stat.st_size
    assert ("app/routes.py", "FAPI201", 6) not in codes(".")


def test_a_dependency_module_changing_rechecks_the_routes(project: Path, monkeypatch) -> None:
    assert ("app/routes.py", "FAPI201", 6) in codes("app/routes.py")
    (project / "app" / "deps.py").write_text(DEPS_ASYNC)  # db is now an AsyncSession
    assert ("app/routes.py", "FAPI201", 6) not in codes("app/routes.py")
    (project / "app" / "deps.py").write_text(DEPS_SYNC)
    assert ("app/routes.py", "FAPI201", 6) in codes("app/routes.py")
    with monkeypatch.context() as m:  # nothing changed since: answered from the cache
        no_parsing(m)
        assert ("app/routes.py", "FAPI201", 6) in codes("app/routes.py")


def test_a_config_change_relints(project: Path) -> None:
    assert any(c[1] == "FAPI301" for c in codes("."))
    (project / "pyproject.toml").write_text("[tool.fastapi-lint]\nselect = ['FAPI201']\n")
    assert not any(c[1] == "FAPI301" for c in codes("."))
    (project / "pyproject.toml").write_text(
        "[tool.fastapi-lint]\nselect = ['FAPI201']\n[tool.fastapi-lint.blocking-call-in-async-route]\n"
        "extend-blocking-calls = ['builtins.dict']\n")
    assert codes(".") != []  # another option value: another cache file, relinted
    assert len(list((project / ".fastapi_lint_cache").rglob("*.json"))) == 3


def test_the_tool_version_is_part_of_the_key(project: Path, monkeypatch) -> None:
    first = codes(".")
    import fastapi_lint.cache as cache

    monkeypatch.setattr(cache, "__version__", "99.0.0")
    with monkeypatch.context() as m:
        parsed = []
        import libcst

        original = libcst.parse_module
        m.setattr(libcst, "parse_module", lambda *a, **k: parsed.append(1) or original(*a, **k))
        assert codes(".") == first
        assert parsed, "a new version must re-lint"
    assert (project / ".fastapi_lint_cache" / "99.0.0").is_dir()


def test_no_cache_clean_and_a_damaged_cache(project: Path) -> None:
    first = codes(".", "--no-cache")
    assert not (project / ".fastapi_lint_cache").exists()
    assert codes(".") == first
    for file in (project / ".fastapi_lint_cache").rglob("*.json"):
        file.write_bytes(b"garbage")
    assert codes(".") == first  # a damaged cache is ignored and rewritten
    result = CliRunner().invoke(main, ["clean"])
    assert result.exit_code == 0 and "Removed" in result.output
    assert not (project / ".fastapi_lint_cache").exists()


def test_cache_dir_option_and_config(project: Path) -> None:
    first = codes(".", "--cache-dir", "elsewhere")
    assert (project / "elsewhere" / "CACHEDIR.TAG").exists()
    (project / "pyproject.toml").write_text(
        "[tool.fastapi-lint]\nselect = ['FAPI201', 'FAPI301']\ncache-dir = '.cache/fl'\n")
    assert codes(".") == first
    assert (project / ".cache" / "fl" / "CACHEDIR.TAG").exists()


def test_a_warm_run_imports_neither_libcst_nor_the_rules(project: Path) -> None:
    import subprocess
    import sys

    cold = codes(".")
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from fastapi_lint.cli import main\n"
        "result = CliRunner().invoke(main, ['.', '--output-format', 'json', '--jobs', '1'])\n"
        "loaded = sorted(m for m in sys.modules if m == 'libcst' or m.startswith('libcst.')\n"
        "                or m.startswith('fastapi_lint.rules.') and m != 'fastapi_lint.rules.base'\n"
        "                or m == 'astroid')\n"
        "print(result.exit_code, loaded)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "FASTAPI_LINT_NO_CACHE"}
    done = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, env=env)
    assert done.stdout.strip() == "1 []", done.stdout + done.stderr
    assert codes(".") == cold


AUTH_MAIN = ("from fastapi import Depends, FastAPI\nfrom .routes import router\nfrom .auth import user\n"
             "app = FastAPI()\napp.include_router(router, dependencies=[Depends(user)])\n")
AUTH = "from fastapi.security import OAuth2PasswordBearer\nscheme = OAuth2PasswordBearer('token')\n" \
       "def user(token: str = Depends(scheme)):\n    return token\nfrom fastapi import Depends\n"
POST_ROUTES = "from fastapi import APIRouter\nrouter = APIRouter()\n@router.post('/items')\ndef create() -> dict:\n" \
              "    return {}\n"


def test_pre_commit_runs_reuse_the_whole_project_answer_until_an_includer_goes(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.fastapi-lint]\nselect = ['FAPI402']\n")
    (project / "app" / "routes.py").write_text(POST_ROUTES)
    (project / "app" / "auth.py").write_text(AUTH)
    (project / "app" / "main.py").write_text(AUTH_MAIN)
    assert codes(".") == []  # authenticated through the include in main.py
    assert codes("app/routes.py") == []
    (project / "app" / "main.py").unlink()  # nothing serves it with auth any more
    assert codes("app/routes.py") == codes("app/routes.py", "--no-cache")
    (project / "app" / "main.py").write_text(MAIN)  # included without auth
    assert codes("app/routes.py") == [("app/routes.py", "FAPI402", 4)] == codes("app/routes.py", "--no-cache")


HELPER_ROUTES = '''from fastapi import APIRouter
from .helpers import fetch
router = APIRouter()
@router.get("/items")
async def items() -> dict:
    return fetch()
'''
HELPER_QUIET = "def fetch():\n    return {'a': 1}\n"
HELPER_BLOCKING = "import requests\n\ndef fetch():\n    return requests.get('https://example.com', timeout=5).json()\n"


@pytest.mark.parametrize("target", [".", "app/routes.py"])
def test_a_helper_module_that_starts_blocking_is_seen(project: Path, target: str) -> None:
    """The helper is read only by the text scan that decides which modules to follow
    (it mentions no FastAPI): the cached answer of that search must notice its edit."""
    (project / "app" / "routes.py").write_text(HELPER_ROUTES)
    helper = project / "app" / "helpers.py"
    helper.write_text(HELPER_QUIET)
    blocking = ("app/routes.py", "FAPI201", 6)
    assert blocking not in codes(target)
    assert blocking not in codes(target)  # warm
    helper.write_text(HELPER_BLOCKING)
    assert blocking in codes(target)
    assert blocking in codes(target)  # warm
    helper.write_text(HELPER_QUIET)
    assert blocking not in codes(target)


def test_a_pre_commit_run_sees_an_includer_that_stops_including(project: Path) -> None:
    """The whole-project answer read main.py; a pre-commit run that no longer reads it
    (main.py no longer names the router) must not reuse that answer."""
    (project / "pyproject.toml").write_text("[tool.fastapi-lint]\nselect = ['FAPI402']\n")
    (project / "app" / "routes.py").write_text(POST_ROUTES)
    assert codes(".") == [("app/routes.py", "FAPI402", 4)]  # served by main.py, without auth
    assert codes("app/routes.py") == [("app/routes.py", "FAPI402", 4)]
    (project / "app" / "main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    assert codes("app/routes.py") == codes("app/routes.py", "--no-cache") == []


@pytest.mark.parametrize("how", ["extend-exclude", "gitignore"])
def test_excluding_an_includer_is_seen(project: Path, how: str) -> None:
    (project / "pyproject.toml").write_text("[tool.fastapi-lint]\nselect = ['FAPI402']\n")
    (project / "app" / "routes.py").write_text(POST_ROUTES)
    assert codes(".") == [("app/routes.py", "FAPI402", 4)]
    if how == "gitignore":
        (project / ".gitignore").write_text("app/main.py\n")
    else:
        (project / "pyproject.toml").write_text(
            "[tool.fastapi-lint]\nselect = ['FAPI402']\nextend-exclude = ['app/main.py']\n")
    for target in (".", "app/routes.py"):
        assert codes(target) == codes(target, "--no-cache")


def codes_process(*args: str) -> list[tuple[str, str, int]]:
    """Like :func:`codes`, in a fresh process (module names are memoized per process)."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "FASTAPI_LINT_NO_CACHE"}
    done = subprocess.run([sys.executable, "-m", "fastapi_lint", "--output-format", "json", "--jobs", "1", *args],
                          capture_output=True, text=True, env=env)
    assert done.returncode in (0, 1), done.stderr
    return [(f["filename"], f["code"], f["location"]["row"]) for f in json.loads(done.stdout)]


def test_a_package_marker_that_changes_module_names_is_seen(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("FASTAPI_LINT_NO_CACHE", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.py").write_text("from fastapi import FastAPI\nfrom app.routes import router\n"
                                 "app = FastAPI()\napp.include_router(router)\n")
    (app / "routes.py").write_text(HELPER_ROUTES.replace("from .helpers", "from app.helpers"))
    (app / "helpers.py").write_text(HELPER_BLOCKING)
    assert ("app/routes.py", "FAPI201", 6) in codes_process(".")
    for step in ("first", "marker", "no marker"):
        if step == "marker":
            (app / "setup.cfg").write_text("")
        elif step == "no marker":
            (app / "setup.cfg").unlink()
        for target in (".", "app/routes.py"):
            assert codes_process(target) == codes_process(target, "--no-cache"), (step, target)


def test_a_fresh_summary_answers_when_the_full_report_is_stale(project: Path, monkeypatch) -> None:
    assert ("app/routes.py", "FAPI201", 6) in codes(".")  # full reports of every module
    (project / "app" / "deps.py").write_text(DEPS_SYNC + "\n# edited\n")  # its full report is now stale
    first = codes("app/routes.py")  # deps.py is only summarized: a summary entry for its new content
    with monkeypatch.context() as m:
        no_parsing(m)
        assert codes("app/routes.py") == first


ADMIN = '''from fastapi import APIRouter

router = APIRouter()


@router.delete("/items/{item_id}")
async def delete_item(item_id: int) -> dict:
    return {"deleted": item_id}
'''


@pytest.mark.parametrize("marker", ["pyproject.toml", "setup.cfg"])
def test_a_cached_module_whose_name_changes_is_relinted(tmp_path: Path, monkeypatch, marker: str) -> None:
    """Removing or adding a nested project marker renames modules whose bytes did not
    change: their cached summaries must not be used under the old names."""
    monkeypatch.delenv("FASTAPI_LINT_NO_CACHE", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\nselect = ['FAPI402']\n")
    routers = tmp_path / "app" / "routers"
    routers.mkdir(parents=True)
    (tmp_path / "app" / "main.py").write_text("from fastapi import FastAPI\n\nfrom app.routers import admin\n\n"
                                              "app = FastAPI()\napp.include_router(admin.router)\n")
    (routers / "admin.py").write_text(ADMIN)
    nested = tmp_path / "app" / marker
    nested.write_text("[project]\nname = 'app'\nversion = '0'\n" if marker == "pyproject.toml" else "")
    for step in ("with the marker", "without", "with again"):
        if step == "without":
            nested.unlink()
        elif step == "with again":
            nested.write_text("")
        for target in (".", "app/routers/admin.py"):
            assert codes_process(target) == codes_process(target, "--no-cache"), (step, target)


def test_a_library_upgrade_relints(project: Path, monkeypatch) -> None:
    import fastapi_lint.cache as cache
    from fastapi_lint.config import Settings

    before = cache.run_key(Settings(project_root=project))
    assert before == cache.run_key(Settings(project_root=project))
    monkeypatch.setattr(cache, "_library_versions", lambda: [("libcst", "999.0")])
    assert cache.run_key(Settings(project_root=project)) != before
