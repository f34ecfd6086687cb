"""The Workspace: the public API the command line, `routes` and the tests share; a
long-lived one answers as a fresh process would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fastapi_lint.run.workspace import Overrides, Workspace
from fastapi_lint.testing import write_files as write

FRESH = ("import json, sys\nfrom fastapi_lint.run.workspace import Workspace\n"
         "r = Workspace(jobs=1).check([sys.argv[1]]).report\n"
         "print(json.dumps(sorted([f.path, f.span.start_line, f.code, f.message] for f in r.findings)))\n")


def fresh(path: Path) -> list:
    done = subprocess.run([sys.executable, "-c", FRESH, str(path)], capture_output=True, text=True, check=True)
    return [list(x) for x in json.loads(done.stdout)]


def here(workspace: Workspace, path: Path) -> list:
    report = workspace.check([path]).report
    return sorted([f.path, f.span.start_line, f.code, f.message] for f in report.findings)


def project(root: Path, slow: str) -> Path:
    return write(root, {
        "pyproject.toml": "[tool.fastapi-lint]\nselect = ['FAPI201', 'FAPI402']\n",
        "app/__init__.py": "",
        "app/deps.py": f"import time\ndef slow():\n    {slow}\n",
        "app/db.py": ("from sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker()\n"
                      "def get_db():\n    db = SessionLocal()\n    try:\n        yield db\n    finally:\n        db.close()\n"),
        "app/main.py": (
            "from fastapi import Depends, FastAPI\nfrom app.deps import slow\nfrom app.db import get_db\n"
            "app = FastAPI()\n@app.post('/items')\nasync def create(db=Depends(get_db)) -> dict:\n"
            "    slow()\n    db.add(1)\n    return {}\n"),
    })


def test_two_workspaces_on_two_projects_equal_two_processes(tmp_path: Path) -> None:
    one = project(tmp_path / "one", "time.sleep(1)")
    two = project(tmp_path / "two", "return 1")
    (two / "app" / "db.py").write_text("def get_db():\n    yield {}\n")
    first, second = Workspace(jobs=1), Workspace(jobs=1)
    assert here(first, one) == fresh(one)
    assert here(second, two) == fresh(two)
    assert here(first, one) != here(second, two)


def test_a_long_lived_workspace_answers_as_a_fresh_process(tmp_path: Path) -> None:
    root = project(tmp_path / "p", "return 1")
    workspace = Workspace(jobs=1)
    assert here(workspace, root) == fresh(root)
    # an edited dependency
    (root / "app" / "deps.py").write_text("import time\ndef slow():\n    time.sleep(1)\n")
    assert here(workspace, root) == fresh(root)
    # a new package marker that renames modules
    write(root, {"lib/setup.cfg": "", "lib/svc/helpers.py": "import time\ndef nap():\n    time.sleep(1)\n",
                 "lib/svc/routes.py": ("from fastapi import APIRouter\nfrom lib.svc.helpers import nap\n"
                                       "router = APIRouter()\n@router.get('/n')\nasync def n() -> dict:\n"
                                       "    nap()\n    return {}\n")})
    assert here(workspace, root) == fresh(root)
    write(root, {"lib/__init__.py": "", "lib/svc/__init__.py": ""})
    assert here(workspace, root) == fresh(root)
    # a changed configuration
    (root / "pyproject.toml").write_text("[tool.fastapi-lint]\nselect = ['FAPI402']\n")
    assert here(workspace, root) == fresh(root)


def test_overrides_apply_to_every_configuration(tmp_path: Path) -> None:
    from fastapi_lint.config import Selection

    one = project(tmp_path / "one", "time.sleep(1)")
    two = project(tmp_path / "two", "time.sleep(1)")
    workspace = Workspace(jobs=1, overrides=Overrides(selection=Selection(["FAPI201"], [], [])))
    result = workspace.check([one, two])
    assert len(result.groups) == 2
    assert {f.code for f in result.report.findings} == {"FAPI201"}
