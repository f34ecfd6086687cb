"""The linted code is read, never run: no import of project modules, no live
inspection of extension modules by astroid."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MARKER_MODULE = '''import pathlib
pathlib.Path({marker!r}).write_text("imported!")
class SyncSession:
    def query(self, x):
        return x
'''


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


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
