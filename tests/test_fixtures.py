"""Every fixture under tests/fixtures gives exactly the findings its markers announce."""

from pathlib import Path

import pytest

from fastapi_lint.testing import check_fixture

FIXTURES = Path(__file__).parent / "fixtures"
FILES = sorted(p for p in FIXTURES.glob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_fixture(path: Path) -> None:
    problems = check_fixture(path)
    assert problems is None, f"{path.name}:\n{problems}"


FOLDERS = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name.startswith("FAPI"))


@pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])
def test_project_fixture(folder: Path) -> None:
    from fastapi_lint.testing import check_project_fixture

    problems = check_project_fixture(folder)
    assert problems is None, f"{folder.name}:\n{problems}"
