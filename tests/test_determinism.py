"""Same input, byte-identical output: whatever the worker count or the order of the paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from fastapi_lint.cli import main

ROOT = Path(__file__).parent.parent
SHOP = ROOT / "examples" / "shop"


def run(*args: str) -> str:
    result = CliRunner().invoke(main, ["--isolated", "--select", "ALL", *args])
    assert result.exit_code == 1, result.output
    return result.stdout


@pytest.mark.parametrize("fmt", ["full", "json", "sarif", "github"])
def test_worker_count_and_path_order_do_not_change_the_output(monkeypatch, fmt: str) -> None:
    monkeypatch.chdir(SHOP)
    monkeypatch.setenv("NO_COLOR", "1")
    files = sorted(str(p.relative_to(SHOP)) for p in SHOP.rglob("*.py"))
    assert len(files) >= 8  # enough for the process pool to be used
    serial = run("--output-format", fmt, "--jobs", "1", *files)
    parallel = run("--output-format", fmt, "--jobs", "2", *files)
    reversed_ = run("--output-format", fmt, "--jobs", "2", *reversed(files))
    folder = run("--output-format", fmt, "--jobs", "2", ".")
    assert serial == parallel == reversed_ == folder
