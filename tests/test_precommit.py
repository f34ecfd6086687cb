"""The pre-commit hooks, for real: a throwaway git repo runs them from this checkout.

``pre-commit try-repo`` installs this checkout into its own virtualenv (so it needs
a package index). Skipped when pre-commit or git is missing or when
``FASTAPI_LINT_OFFLINE=1``; ``.ci/run`` runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
BAD = "import time\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/')\nasync def index() -> dict:\n" \
      "    time.sleep(1)\n    return {}\n"
GOOD = "import asyncio\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/')\nasync def index() -> dict:\n" \
       "    await asyncio.sleep(1)\n    return {}\n"

pytestmark = pytest.mark.skipif(
    os.environ.get("FASTAPI_LINT_OFFLINE") == "1" or shutil.which("git") is None
    or subprocess.run([sys.executable, "-m", "pre_commit", "--version"], capture_output=True).returncode != 0,
    reason="needs git, pre-commit and a package index (FASTAPI_LINT_OFFLINE=1 skips it)",
)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t", "PRE_COMMIT_COLOR": "never"}
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=900)


def test_manifest_is_valid() -> None:
    result = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest",
                             str(ROOT / ".pre-commit-hooks.yaml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hooks_fail_on_a_bad_file_pass_on_a_good_one_and_fix(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    home = tmp_path / "pre-commit-home"
    git(repo, "init", "-q")
    (repo / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (repo / "good.py").write_text(GOOD)
    (repo / "bad.py").write_text(BAD)
    (repo / "notes.txt").write_text("not python\n")
    git(repo, "add", ".")

    failed = pre_commit(repo, home, "try-repo", str(ROOT), "fastapi-lint", "--files", "bad.py", "good.py")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "FAPI201" in failed.stdout and "bad.py:9:5" in failed.stdout
    assert "good.py" not in failed.stdout.split("Failed", 1)[-1]

    passed = pre_commit(repo, home, "try-repo", str(ROOT), "fastapi-lint", "--files", "good.py", "notes.txt")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout

    fixed = pre_commit(repo, home, "try-repo", str(ROOT), "fastapi-lint-fix", "--files", "bad.py")
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr  # files were modified by this hook
    assert "await asyncio.sleep(1)" in (repo / "bad.py").read_text()
    again = pre_commit(repo, home, "try-repo", str(ROOT), "fastapi-lint", "--files", "bad.py")
    assert again.returncode == 0, again.stdout + again.stderr
