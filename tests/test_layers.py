"""The layers of the house: each module imports only downward (import-linter's
contract in pyproject.toml, [tool.importlinter])."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def lint_imports(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                           "lint_imports_command()", str(config), "--no-cache"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_every_module_imports_only_downward() -> None:
    done = lint_imports(ROOT / "pyproject.toml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_contract_catches_an_upward_import(tmp_path: Path) -> None:
    """The same contract with two layers swapped must fail: the check is real."""
    text = (ROOT / "pyproject.toml").read_text()
    start = text.index("[tool.importlinter]")
    contract = text[start:].replace('    "fastapi_lint.run",\n    "fastapi_lint.cache | fastapi_lint.output",\n',
                                    '    "fastapi_lint.cache | fastapi_lint.output",\n    "fastapi_lint.run",\n')
    assert contract != text[start:]
    swapped = tmp_path / "swapped.toml"
    swapped.write_text(contract)
    done = lint_imports(swapped)
    assert done.returncode != 0 and "fastapi_lint.run" in done.stdout
