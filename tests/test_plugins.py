"""Third-party rules: a plugin with a code prefix of its own runs, is selectable,
can be silenced with noqa, and may not take the built-in prefix."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

PLUGIN = '''from fastapi_lint import Rule, Severity


class NoPrintInRoute(Rule):
    """## What it does
    Checks for `print()` in path operations.

    ## Why is this bad?
    Output goes to stdout.

    ## Example
    ```python
    print()
    ```

    ## Use instead
    ```python
    pass
    ```

    ## Judging
    True when it prints.
    """

    code = "{code}"
    name = "acme-no-print"
    summary = "print() in a path operation"
    severity = Severity.WARNING

    def check_route(self, route, ctx):
        for call in route.handler.calls if route.handler else ():
            if call.callee == "builtins.print":
                ctx.report(call.node, "`print()` in a path operation")
'''
APP = '''from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def index() -> dict:
    print("hi")
    print("quiet")  # noqa: ACME001
    return {}
'''


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Install a distribution ``acme-rules`` (a module and its dist-info) on sys.path."""
    from fastapi_lint import registry

    def install(code: str) -> None:
        site = tmp_path / "site"
        site.mkdir(exist_ok=True)
        (site / "acme_rules.py").write_text(PLUGIN.replace("{code}", code))
        info = site / "acme_rules-0.1.dist-info"
        info.mkdir(exist_ok=True)
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rules\nVersion: 0.1\n")
        (info / "entry_points.txt").write_text(f"[fastapi_lint.rules]\n{code} = acme_rules:NoPrintInRoute\n")
        monkeypatch.syspath_prepend(str(site))
        registry.rule_codes.cache_clear()
        registry.all_rules.cache_clear()

    yield install
    sys.modules.pop("acme_rules", None)
    monkeypatch.undo()
    registry.rule_codes.cache_clear()
    registry.all_rules.cache_clear()


def test_a_plugin_with_its_own_prefix_runs_and_is_selectable(plugin) -> None:
    from fastapi_lint.api import lint_source
    from fastapi_lint.registry import all_rules

    plugin("ACME001")
    assert "ACME001" in {r.code for r in all_rules()}
    for selection in (["ACME001"], ["ACME"], ["ALL"]):
        found = [(f.code, f.span.start_line) for f in lint_source(APP, select=selection) if f.code == "ACME001"]
        assert found == [("ACME001", 8)], selection
    assert [f for f in lint_source(APP, select=["FAPI"]) if f.code == "ACME001"] == []


def test_a_plugin_may_not_take_the_builtin_prefix(plugin) -> None:
    from fastapi_lint.registry import RuleLoadError, all_rules

    plugin("FAPI999")
    with pytest.raises(RuleLoadError, match="reserved"):
        all_rules()
