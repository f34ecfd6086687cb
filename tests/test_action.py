"""The GitHub Action (action.yml): its shape, and its steps run as scripts on a project."""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parent.parent
BAD = "import time\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/')\nasync def index() -> dict:\n" \
      "    time.sleep(1)\n    return {}\n"


def test_action_is_composite_and_hardened() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"args", "src", "version", "sarif-file", "upload-sarif", "category"}
    assert "exit-code" in action["outputs"]
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], "inputs reach scripts only through env"
    upload = action["runs"]["steps"][-1]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert "always()" in upload["if"]
    for script in (ROOT / "action").glob("*.sh"):
        assert not re.search(r"^[^#]*\beval\b", script.read_text(), re.M)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_run_step_on_a_project(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(BAD)
    output = tmp_path / "github_output"
    env = {
        **os.environ,
        "FASTAPI_LINT": str(Path(sys.executable).parent / "fastapi-lint"),
        "INPUT_SRC": "src",
        "INPUT_SARIF_FILE": str(tmp_path / "results.sarif"),
        "GITHUB_OUTPUT": str(output),
    }
    env["INPUT_ARGS"] = "--select FAPI201"
    result = subprocess.run(["bash", str(ROOT / "action" / "run.sh")], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("::error file=src/app.py,line=9,")
    assert output.read_text() == "exit-code=1\n"
    log = json.loads((tmp_path / "results.sarif").read_text())
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["FAPI201"]

    # Hostile input is an argument, never shell code.
    env["INPUT_ARGS"] = "--select FAPI201 $(touch pwned) ;"
    result = subprocess.run(["bash", str(ROOT / "action" / "run.sh")], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 2  # "$(touch" is not an option fastapi-lint knows
    assert not (tmp_path / "pwned").exists()


@pytest.mark.skipif(shutil.which("check-jsonschema") is None and not (Path(sys.executable).parent / "check-jsonschema").exists(),
                    reason="check-jsonschema is not installed")
def test_action_and_example_workflow_validate_against_github_schemas() -> None:
    tool = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
    for schema, path in (("vendor.github-actions", ROOT / "action.yml"),
                         ("vendor.github-workflows", ROOT / "docs" / "examples" / "github-workflow.yml")):
        result = subprocess.run([tool, "--builtin-schema", schema, str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_run_step_takes_multiline_args_and_keeps_its_own_formats(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "app.py").write_text(BAD)
    env = {**os.environ, "FASTAPI_LINT": str(Path(sys.executable).parent / "fastapi-lint"),
           "INPUT_ARGS": "--select FAPI2\n--ignore FAPI201\n--statistics --output-format json -o x.txt",
           "INPUT_SRC": ".", "INPUT_SARIF_FILE": str(tmp_path / "r.sarif"), "GITHUB_OUTPUT": str(tmp_path / "out")}
    result = subprocess.run(["bash", str(ROOT / "action" / "run.sh")], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr  # FAPI201 ignored: the second line counted
    assert "ignored '--statistics'" in result.stdout and "ignored '-o'" in result.stdout
    assert json.loads((tmp_path / "r.sarif").read_text())["version"] == "2.1.0"
    assert not (tmp_path / "x.txt").exists()
