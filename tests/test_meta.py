"""The rules agree with their codes, names, documentation, fixtures and docs pages."""

import re
from pathlib import Path

import pytest

from fastapi_lint import docs
from fastapi_lint.api import lint_source
from fastapi_lint.diagnostics import FixAvailability
from fastapi_lint.registry import all_rules
from fastapi_lint.rules.base import DOC_SECTIONS, REQUIRED_DOC_SECTIONS
from fastapi_lint.testing import read_markers

RULES = all_rules()
FIXTURES = Path(__file__).parent / "fixtures"


def test_builtin_rules_are_registered() -> None:
    codes = {r.code for r in RULES}
    assert {"FAPI000", "FAPI101", "FAPI201", "FAPI202", "FAPI301", "FAPI401"} <= codes


def test_codes_and_names_are_unique_and_well_formed() -> None:
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)
    for rule in RULES:
        assert re.fullmatch(r"FAPI\d{3}", rule.code)
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", rule.name)
        assert rule.summary and not rule.summary.endswith(".")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_doc_sections_present_and_ordered(rule) -> None:
    sections = list(rule.doc_sections())
    for required in REQUIRED_DOC_SECTIONS:
        assert required in sections, f"{rule.code} lacks '## {required}'"
    unknown = [s for s in sections if s not in DOC_SECTIONS]
    assert not unknown, f"{rule.code} has unknown sections {unknown}"
    assert sections == sorted(sections, key=DOC_SECTIONS.index), f"{rule.code}: sections out of order"
    assert "Judging" in sections, f"{rule.code} has no judging rubric ('## Judging')"
    if rule.fix_availability is not FixAvailability.NONE:
        assert "Fix safety" in sections, f"{rule.code} has fixes but no '## Fix safety'"
    if rule.options:
        options_text = rule.doc_sections().get("Options", "")
        for option in rule.options:
            assert f"`{option.name}`" in options_text, f"{rule.code}: option {option.name} undocumented"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_doc_example_fires_and_use_instead_is_clean(rule) -> None:
    examples = rule.doc_examples("Example")
    fixed = rule.doc_examples("Use instead")
    assert examples and fixed, f"{rule.code}: Example and Use instead need a python code block"
    for code in examples:
        found = [f for f in lint_source(code, select=[rule.code]) if f.code == rule.code]
        assert found, f"{rule.code}: the documented Example does not fire:\n{code}"
    for code in fixed:
        found = [f for f in lint_source(code, select=[rule.code]) if f.code == rule.code]
        assert not found, f"{rule.code}: the documented Use instead fires: {[f.message for f in found]}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_rule_has_a_fixture_with_findings(rule) -> None:
    fixtures = list(FIXTURES.glob(f"{rule.code}*.py"))
    fixtures += [p for folder in FIXTURES.glob(f"{rule.code}*/") for p in folder.rglob("*.py")]
    assert fixtures, f"{rule.code} has no fixture in tests/fixtures"
    marked = sum(
        count for path in fixtures for (line, code), count in read_markers(path.read_text()).items()
        if code == rule.code
    )
    assert marked, f"{rule.code}: no fixture expects a finding"


def test_docs_pages_are_up_to_date(capsys) -> None:
    target = Path(__file__).parent.parent / "docs" / "rules"
    assert docs.main([str(target), "--check"]) == 0, capsys.readouterr().out


def test_readme_lists_every_rule() -> None:
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for rule in all_rules():
        assert f"[{rule.code}](docs/rules/{rule.code}.md) | `{rule.name}`" in readme, rule.code
