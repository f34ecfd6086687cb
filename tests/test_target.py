"""The FastAPI version a project targets: configuration, declarations, locks."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_lint.target import lower_bound, parse_version, target_versions
from fastapi_lint.testing import write_files as write


@pytest.mark.parametrize(("spec", "bound"), [
    ("==0.95.1", (0, 95, 1)), (">=0.100,<1", (0, 100)), ("~=0.110.0", (0, 110, 0)), ("^0.95", (0, 95)),
    ("~0.95.2", (0, 95, 2)), ("0.79.1", (0, 79, 1)), ("<1.0", None), ("*", None), ("==0.95.*", (0, 95)),
    (">0.100, !=0.101", (0, 100)), ("", None),
])
def test_lower_bounds(spec: str, bound: tuple | None) -> None:
    assert lower_bound(spec) == bound


@pytest.mark.parametrize(("files", "version", "source"), [
    ({"pyproject.toml": '[project]\ndependencies = ["fastapi[standard]>=0.114.2,<1.0.0"]\n'}, (0, 114, 2),
     "pyproject.toml"),
    ({"pyproject.toml": '[project]\noptional-dependencies = {web = ["fastapi-slim==0.100.0"]}\n'}, (0, 100, 0),
     "pyproject.toml"),
    ({"pyproject.toml": '[dependency-groups]\ndev = ["fastapi~=0.111.0"]\n'}, (0, 111, 0), "pyproject.toml"),
    ({"pyproject.toml": '[tool.poetry.dependencies]\nfastapi = {version = "^0.95.0", extras = ["all"]}\n'},
     (0, 95, 0), "pyproject.toml"),
    ({"requirements/base.txt": "-r other.txt\n# fastapi==9\nFastAPI == 0.88.0 ; python_version >= '3.8'\n"},
     (0, 88, 0), "requirements/base.txt"),
    ({"requirements.txt": "fastapi>=0.100\n", "uv.lock": '[[package]]\nname = "fastapi"\nversion = "0.115.6"\n'},
     (0, 115, 6), "uv.lock"),
    ({"poetry.lock": '[[package]]\nname = "fastapi"\nversion = "0.99.1"\n'}, (0, 99, 1), "poetry.lock"),
    ({"Pipfile.lock": '{"default": {"fastapi": {"version": "==0.104.1"}}}'}, (0, 104, 1), "Pipfile.lock"),
    ({"requirements.txt": "fastapi\nstarlette==0.27\n"}, None, ""),
    ({"pyproject.toml": "not toml ["}, None, ""),
])
def test_declarations(tmp_path: Path, files: dict[str, str], version: tuple | None, source: str) -> None:
    found = target_versions(write(tmp_path, files))
    assert (found.fastapi, found.source) == (version, source)


def test_configuration_wins(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "fastapi==0.95.0\npydantic<2,>=1.10\n"})
    found = target_versions(tmp_path, "0.110")
    assert found.fastapi == (0, 110) and found.source == "configuration" and found.pydantic == (1, 10)
    assert found.fastapi_in((0, 106), (0, 118)) is True
    assert target_versions(tmp_path).fastapi_at_least((0, 95)) is True


def test_bad_fastapi_version_setting_exits_2_naming_the_key(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from fastapi_lint.cli import main

    write(tmp_path, {"pyproject.toml": '[tool.fastapi-lint]\nfastapi-version = "latest"\n', "app.py": "x = 1\n"})
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 2 and "fastapi-version" in result.output


def test_parse_version() -> None:
    assert parse_version("v0.95.1rc1") == (0, 95, 1) and parse_version("x") is None


ANNOTATED = '''from fastapi import Depends, FastAPI

app = FastAPI()


def get_db():
    yield 1


@app.get("/items")
def items(db: int = Depends(get_db)) -> dict:
    return {}
'''
REDUNDANT = '''from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    id: int


@app.get("/item", response_model=Item)
def item() -> Item:
    return Item(id=1)
'''


@pytest.mark.parametrize(("code", "source", "since"), [("FAPI307", ANNOTATED, "0.95"),
                                                        ("FAPI306", REDUNDANT, "0.89")])
def test_version_dependent_fixes(code: str, source: str, since: str) -> None:
    """Safe only where the FastAPI version is known to have the behaviour; unsafe
    when it is unknown; no finding before the version that has it."""
    from fastapi_lint.api import lint_source
    from fastapi_lint.diagnostics import Applicability

    def applicability(version: str | None) -> list:
        return [f.fix.applicability if f.fix else None
                for f in lint_source(source, select=[code], fastapi_version=version)]

    assert applicability("0.115") == [Applicability.SAFE]
    assert applicability(since) == [Applicability.SAFE]
    assert applicability(None) == [Applicability.UNSAFE]
    older = since.split(".")[0] + "." + str(int(since.split(".")[1]) - 1)
    assert applicability(older) == []


def test_annotated_fix_is_unsafe_for_a_project_on_python_38(tmp_path: Path) -> None:
    from fastapi_lint.config import Settings
    from fastapi_lint.diagnostics import Applicability
    from fastapi_lint.run.file import Linter

    write(tmp_path, {"pyproject.toml": '[project]\nrequires-python = ">=3.8"\ndependencies = ["fastapi==0.110"]\n'})
    assert target_versions(tmp_path).python == (3, 8)
    linter = Linter(Settings(project_root=tmp_path, select=["FAPI307"]))
    [finding] = linter.lint_bytes(ANNOTATED.encode(), "app.py").findings
    assert finding.fix.applicability is Applicability.UNSAFE
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.9"\ndependencies = ["fastapi==0.110"]\n')
    linter = Linter(Settings(project_root=tmp_path, select=["FAPI307"]))
    [finding] = linter.lint_bytes(ANNOTATED.encode(), "app.py").findings
    assert finding.fix.applicability is Applicability.SAFE
