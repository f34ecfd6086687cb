"""Configuration: discovery, validation (exit 2 naming file and key), rule selection."""

from pathlib import Path

import pytest

from fastapi_lint.config import ConfigError, Settings, enabled_rules, is_enabled, load_settings


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(body)
    return path


def codes(settings: Settings) -> set[str]:
    return {r.code for r in enabled_rules(settings)}


def test_defaults_enable_rules_on_by_default(tmp_path: Path) -> None:
    enabled = codes(Settings(project_root=tmp_path))
    assert "FAPI201" in enabled and "FAPI202" not in enabled


def test_select_replaces_and_off_by_default_needs_a_selector(tmp_path: Path) -> None:
    family = codes(Settings(project_root=tmp_path, select=["FAPI2"]))
    assert {"FAPI201", "FAPI202"} <= family and all(c.startswith("FAPI2") for c in family)
    assert "FAPI202" in codes(Settings(project_root=tmp_path, extend_select=["FAPI202"]))
    assert "FAPI202" in codes(Settings(project_root=tmp_path, select=["ALL"]))


def test_most_specific_selector_wins_and_ignore_wins_ties() -> None:
    assert not is_enabled("FAPI201", True, ["FAPI"], [], ["FAPI2"])
    assert is_enabled("FAPI201", True, ["FAPI"], ["FAPI201"], ["FAPI2"])
    assert not is_enabled("FAPI201", True, None, ["FAPI201"], ["FAPI201"])
    assert not is_enabled("FAPI202", False, None, [], [])


def test_config_file_is_found_from_a_subdirectory(tmp_path: Path) -> None:
    _write(tmp_path, '[tool.fastapi-lint]\nselect = ["FAPI201"]\n')
    (tmp_path / "src" / "app").mkdir(parents=True)
    settings = load_settings(tmp_path / "src" / "app")
    assert settings.config_file == tmp_path / "pyproject.toml"
    assert settings.project_root == tmp_path
    assert codes(settings) == {"FAPI201"}


def test_rule_options_are_validated(tmp_path: Path) -> None:
    _write(tmp_path, '[tool.fastapi-lint.blocking-call-in-async-route]\nextend-blocking-calls = ["a.b"]\n')
    settings = load_settings(tmp_path)
    assert settings.rule_options == {"blocking-call-in-async-route": {"extend-blocking-calls": ["a.b"]}}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('[tool.fastapi-lint]\nselct = ["FAPI201"]\n', "tool.fastapi-lint.selct: unknown configuration key"),
        ('[tool.fastapi-lint]\nselect = "FAPI201"\n', "tool.fastapi-lint.select: expected a list of rule codes"),
        ('[tool.fastapi-lint]\nselect = ["FAPI999"]\n', "tool.fastapi-lint.select: unknown rule code or prefix"),
        ('[tool.fastapi-lint]\nforce-exclude = "yes"\n', "tool.fastapi-lint.force-exclude: expected a boolean"),
        ('[tool.fastapi-lint.blocking-call-in-async-route]\nextend-blocking-calls = "x"\n',
         "blocking-call-in-async-route.extend-blocking-calls: expected list[str]"),
        ('[tool.fastapi-lint.blocking-call-in-async-route]\nnope = 1\n',
         "blocking-call-in-async-route.nope: unknown option of rule FAPI201"),
        ('[tool.fastapi-lint.route-missing-error-handling]\nio-kinds = ["http", "ftp"]\n',
         "io-kinds: unknown value 'ftp'"),
        ('[tool.fastapi-lint.per-file-ignores]\n"tests/*" = ["FAPI9"]\n', "per-file-ignores.'tests/*'"),
        ("[tool.fastapi-lint\nselect = 1\n", "invalid TOML"),
    ],
)
def test_bad_configuration_names_file_and_key(tmp_path: Path, body: str, fragment: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    assert fragment in str(info.value)
    if "invalid TOML" not in fragment:
        assert str(path) in str(info.value)
