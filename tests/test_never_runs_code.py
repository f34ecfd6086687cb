"""The linted code is read, never run: no import of project modules, no live
inspection of extension modules by astroid."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fastapi_lint.testing import write_files as write

MARKER_MODULE = '''import pathlib
pathlib.Path({marker!r}).write_text("imported!")
class SyncSession:
    def query(self, x):
        return x
'''


def test_linting_imports_nothing_from_the_project(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    marker = tmp_path / "MARKER"
    write(project, {
        "pyproject.toml": "[tool.fastapi-lint]\nselect = ['ALL']\n"
                          "[tool.fastapi-lint.blocking-call-in-async-route]\n"
                          "extend-blocking-calls = ['app.db.SyncSession.query']\n",
        "app/__init__.py": MARKER_MODULE.format(marker=str(marker)),
        "app/db.py": MARKER_MODULE.format(marker=str(marker)) + (
            "class Database:\n    def session(self):\n        return SyncSession()\n"
            "database = Database()\n"),
        "app/deps.py": "from .db import database\ndef get_db():\n    session = database.session()\n    yield session\n",
        "app/main.py": (
            "from fastapi import Depends, FastAPI\nfrom .deps import get_db\nfrom . import db\n"
            "import app.db\napp_ = FastAPI()\n"
            "@app_.get('/')\nasync def index(db=Depends(get_db)) -> dict:\n    db.query(1)\n    return {}\n"),
        # Looks like an extension module: astroid must not try to load it.
        "app/native.cpython-311-x86_64-linux-gnu.so": "not a real shared object",
        "app/uses_native.py": "from fastapi import FastAPI\nfrom .native import thing\napp = FastAPI()\n",
        "conftest.py": MARKER_MODULE.format(marker=str(marker)),
        "setup.py": MARKER_MODULE.format(marker=str(marker)),
    })
    # A separate interpreter, so that nothing this test process imported can hide an import.
    code = (
        "import sys, json\n"
        "from click.testing import CliRunner\n"
        "from fastapi_lint.cli import main\n"
        f"result = CliRunner().invoke(main, [{str(project)!r}, '--output-format', 'json', '--jobs', '1'])\n"
        "import astroid\n"
        "print(json.dumps({'exit': result.exit_code, 'out': result.stdout,\n"
        "  'project_modules': [m for m in sys.modules if m == 'app' or m.startswith('app.')],\n"
        "  'extensions': astroid.MANAGER.always_load_extensions}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    import json

    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert not marker.exists(), "a project module was imported"
    assert outcome["project_modules"] == []
    assert outcome["extensions"] is False
    # And the analysis did reach across modules (astroid read db.py's source).
    findings = json.loads(outcome["out"])
    assert any(f["code"] == "FAPI201" and f["filename"] == "app/main.py" for f in findings), findings


# -- Decoys: modules named like the standard library and the tool's dependencies ----------

#: The tool's runtime dependencies and theirs, by import name.
DEPENDENCY_NAMES = ("astroid", "libcst", "click", "rich", "pathspec", "tomli", "typing_extensions", "yaml",
                    "pygments", "markdown_it", "mdurl", "wrapt", "lazy_object_proxy", "dill", "platformdirs",
                    "colorama", "pydantic", "fastapi", "starlette", "jsonschema")
# (Not ``fastapi_lint``: ``python -m fastapi_lint`` in a folder that holds a
# ``fastapi_lint.py`` runs that file, as Python does for any ``-m``, before any code
# of the tool: the README says to use the console script or ``python -P -m``.)

DECOY = "open({path!r} + __name__ + '.' + str(__import__('os').getpid()), 'a').close()\n"


def _preloaded_by_python_m(tmp_path: Path) -> set[str]:
    """The modules Python itself imports for ``python -m`` before any code of the
    package runs (``runpy``...): no program can keep those from the working directory
    (``python -P`` or the console script can)."""
    probe = tmp_path / "probe_pkg"
    probe.mkdir()
    (probe / "__init__.py").write_text("import sys\nprint(' '.join(sorted(sys.modules)))\n")
    (probe / "__main__.py").write_text("")
    done = subprocess.run([sys.executable, "-m", "probe_pkg"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, check=True)
    return set(done.stdout.split())


def _decoy_project(tmp_path: Path) -> tuple[Path, Path]:
    project = tmp_path / "decoys"
    marks = tmp_path / "marks"
    marks.mkdir()
    decoy = DECOY.format(path=str(marks) + "/")
    preloaded = _preloaded_by_python_m(tmp_path)
    names = sorted((set(sys.stdlib_module_names) | set(DEPENDENCY_NAMES)) - preloaded - {"__future__"})
    files = {
        "pyproject.toml": "[tool.fastapi-lint]\nselect = ['ALL']\n"
                          "[tool.fastapi-lint.blocking-call-in-async-route]\n"
                          "extend-blocking-calls = ['app.db.SyncSession.query']\n",
        "app/__init__.py": "",
        "app/db.py": ("import numbers, decimal, sysconfig, unicodedata\n"
                      "class SyncSession:\n    def query(self, x):\n        return x\n"
                      "class Database:\n    def session(self):\n        return SyncSession()\n"
                      "database = Database()\n"),
        "app/deps.py": "from .db import database\nfrom app import helpers\n"
                       "def get_db():\n    session = database.session()\n    yield session\n",
        "app/helpers.py": "import json, numbers\ndef total(x):\n    return json.dumps(x)\n",
        "app/main.py": (
            "from fastapi import Depends, FastAPI\nfrom .deps import get_db\nfrom .helpers import total\n"
            "app_ = FastAPI()\n"
            "@app_.get('/')\nasync def index(db=Depends(get_db)) -> dict:\n    db.query(1)\n"
            "    return {'x': total(1)}\n"),
    }
    for name in names:
        files[f"{name}.py"] = decoy  # at the project root
        files[f"src/{name}/__init__.py"] = decoy  # a package under src/
    for name in ("numbers", "decimal", "_decimal", "sysconfig", "unicodedata", "json", "astroid", "typing"):
        files[f"app/{name}.py"] = decoy  # inside the project's package
    write(project, files)
    return project, marks


def test_decoy_modules_are_never_run_by_any_command(tmp_path: Path) -> None:
    """Every command, with the project's folders as the working directory, given as
    paths, as files (pre-commit), with and without the cache, with one and two
    workers: no module of the project is ever executed."""
    import json

    project, marks = _decoy_project(tmp_path)
    script = Path(sys.executable).parent / "fastapi-lint"
    cli = [str(script)] if script.exists() else [sys.executable, "-P", "-m", "fastapi_lint"]
    module = [sys.executable, "-m", "fastapi_lint"]
    files = [str(project / "app" / name) for name in ("main.py", "deps.py", "db.py")]
    original = {path: path.read_text() for path in project.rglob("*.py")}
    env = {**__import__("os").environ, "PYTHONPATH": ""}
    for cwd in (project, project / "app", project / "src"):
        here = "." if cwd == project else str(project)
        runs = [
            (cli, ["check", here, "--output-format", "json", "-j", "1"]),
            (cli, ["check", here, "--output-format", "json", "-j", "2", "--no-cache"]),
            (cli, ["check", "--force-exclude", "--output-format", "json", *files]),  # pre-commit's file list
            (cli, ["check", here, "--diff", "--unsafe-fixes"]),
            (cli, ["routes", here, "--output-format", "json"]),
            (module, ["check", here, "--output-format", "json", "-j", "1", "--no-cache"]),
            (module, ["check", here, "--output-format", "json", "-j", "2"]),
            (module, ["routes", here]),
            (cli, ["check", "--fix", "--unsafe-fixes", "-j", "2", here]),
            (module, ["check", "--fix", "--force-exclude", *files]),
        ]
        for command, args in runs:
            done = subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True, timeout=600, env=env)
            assert done.returncode in (0, 1), (command, args, done.stderr[-3000:])
            ran = sorted(p.name for p in marks.iterdir())
            assert ran == [], f"{command} {args} in {cwd} ran project modules: {ran}"
            if args[:1] == ["check"] and "json" in args and "--force-exclude" not in args:
                findings = json.loads(done.stdout)
                # astroid did read db.py (through the tool's hook, not sys.path)
                assert any(f["code"] == "FAPI201" and f["filename"].endswith("app/main.py") for f in findings)
        for path, text in original.items():  # the --fix runs changed the project: start again
            path.write_text(text)


def test_the_import_path_never_holds_the_project_folders(tmp_path: Path) -> None:
    """``python -c``/``-m`` put the working directory first, ``PYTHONPATH`` may name the
    project: the command line removes all of them before linting. (Modules a program
    imports before the tool's code runs are beyond any tool: the README says so.)"""
    project = tmp_path / "proj"
    write(project, {"pyproject.toml": "", "src/app/__init__.py": "", "src/app/main.py": "x = 1\n"})
    code = (
        "import sys, atexit\n"
        "from fastapi_lint._entry import main\n"
        "atexit.register(lambda: print('PATH=' + repr(sys.path)))\n"
        "sys.argv = ['fastapi-lint', 'check', '.', '-q', '--no-cache', '-j', '1']\n"
        "main()\n"
    )
    env = {**__import__("os").environ, "PYTHONPATH": f"{project}:{project / 'src'}:{project / 'src' / 'app'}"}
    done = subprocess.run([sys.executable, "-c", code], cwd=project / "src", capture_output=True, text=True,
                          timeout=300, env=env)
    lines = [line for line in done.stdout.splitlines() if line.startswith("PATH=")]
    assert lines, done.stdout + done.stderr
    path = eval(lines[-1][len("PATH="):])
    assert "" not in path and all(Path(p).is_absolute() for p in path)
    assert not any(p == str(project) or p.startswith(str(project) + "/") for p in path), path


def test_inference_is_skipped_when_the_import_path_holds_the_project(tmp_path: Path) -> None:
    """An embedding program keeps its own ``sys.path``: where that path could import
    the project by name, astroid (which changes the working directory while it
    resolves imports) is not asked at all."""
    from fastapi_lint.importpath import is_isolated

    root = str(tmp_path)
    assert is_isolated([root], ["/usr/lib/python3.11"])
    assert not is_isolated([root], ["", "/usr/lib/python3.11"])
    assert not is_isolated([root], ["relative/dir"])
    assert not is_isolated([root], [root])
    assert not is_isolated([root], [str(tmp_path / "src")])
    assert is_isolated([str(tmp_path / "src")], [root])  # a parent of the project is not in it
    assert is_isolated([root], [sys.prefix]) or not sys.prefix.startswith(root)


@pytest.mark.parametrize("through_link", [False, True])
def test_pythonpath_naming_the_project_runs_nothing_the_tool_imports(tmp_path: Path, through_link: bool) -> None:
    """``PYTHONPATH=src`` (a CI job's habit), also through a symlinked path: the
    modules the tool imports after it starts come from the interpreter, never from
    the project (those Python imports before any tool code, such as ``site``, are
    beyond any tool)."""
    import os

    project, marks = tmp_path / "proj", tmp_path / "marks"
    marks.mkdir()
    write(project, {
        "pyproject.toml": "[tool.fastapi-lint]\nselect = ['ALL']\n",
        "src/app/__init__.py": "",
        "src/app/main.py": "import time\nfrom fastapi import FastAPI\napp = FastAPI()\n"
                           "@app.get('/')\nasync def index():\n    time.sleep(1)\n",
    })
    src = project / "src"
    if through_link:
        (tmp_path / "link").symlink_to(project)
        src = tmp_path / "link" / "src"
    for name in ("click", "json", "difflib", "dataclasses", "tempfile", "hashlib", "sysconfig", "traceback",
                 "contextvars", "colorsys", "pathspec", "libcst", "rich", "astroid", "tomllib"):
        (project / "src" / f"{name}.py").write_text(DECOY.format(path=str(marks) + "/"))
    script = Path(sys.executable).parent / "fastapi-lint"
    env = {**os.environ, "PYTHONPATH": str(src)}
    for command in ([str(script)], [sys.executable, "-m", "fastapi_lint"]):
        if not Path(command[0]).exists():
            continue
        done = subprocess.run([*command, "check", ".", "-j", "1", "--no-cache", "--diff"], cwd=project,
                              capture_output=True, text=True, timeout=600, env=env)
        assert done.returncode in (0, 1), done.stderr[-3000:]
        assert sorted(p.name for p in marks.iterdir()) == [], command
