"""FAPI401's decisions, and its pre-screen never disagreeing with it."""

from pathlib import Path

import pytest

from fastapi_lint.api import lint_source
from fastapi_lint.registry import rule_by_code_or_name
from fastapi_lint import secrets
from fastapi_lint.testing import rule_findings

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("name", ["SECRET_KEY", "db_password", "apiKey", "DATABASEPASSWORD", "GITHUB_TOKEN",
                                  "client_secret", "x-api-key", "private_key", "AWS_SECRET_ACCESS_KEY",
                                  "passwd", "token", "auth_token2", "credentials"])
def test_secret_names(name: str) -> None:
    assert secrets.is_secret_name(name)


@pytest.mark.parametrize("name", ["token_type", "token_url", "password_field", "secret_name", "tokenizer",
                                  "max_tokens", "prompt_tokens", "hashed_password", "password_min_length",
                                  "TOKEN_EXPIRE_MINUTES", "reset_password", "keyboard", "grant_type"])
def test_not_secret_names(name: str) -> None:
    assert not secrets.is_secret_name(name)


@pytest.mark.parametrize("value", ["bearer", "access_token", "X-API-Key", "", "short", "with some spaces",
                                   "<token>", "${TOKEN}", "{token}", "changeme-please", "your-api-key-here",
                                   "xxxxxxxxxxxx", "aaaaaaaaaaaa", "/run/secrets/key", "secrets.json",
                                   "https://example.com/token", "__sentinel_value__", "test-secret-123"])
def test_not_credentials(value: str) -> None:
    assert not secrets.plausible_secret(value)


@pytest.mark.parametrize("value", ["09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",
                                   "Xk9#mQ2$vL7p", "AbC123xYz789QrS", "r00tPassw0rd!"])
def test_credentials(value: str) -> None:
    assert secrets.plausible_secret(value)


def test_value_equal_to_name_is_not_a_secret() -> None:
    assert not secrets.is_credential_for("admin_password", "adminpassword1")
    assert secrets.is_credential_for("admin_password", "Zx81!kq0pW")


def test_formats() -> None:
    assert secrets.credential_format("AKIAIOSFODNN7ABCDEFG") == "an AWS access key id"
    assert secrets.credential_format("AKIAIOSFODNN7EXAMPLE") is None
    assert secrets.credential_format("ghp_" + "a1" * 18) == "a GitHub token"
    assert secrets.credential_format("-----BEGIN PRIVATE KEY-----") is None
    assert secrets.url_password("postgresql://app:Pq9xLm2zR7@db/app")
    assert not secrets.url_password("postgresql://postgres:postgres@localhost/app")
    assert not secrets.url_password("redis://:${REDIS_PASSWORD}@cache:6379")


def test_message_never_contains_the_secret() -> None:
    value = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"
    [finding] = lint_source(f'SECRET_KEY = "{value}"\n', select=["FAPI401"])
    assert value not in finding.message
    assert finding.redact == (finding.span,)
    assert value not in str(finding.fix)


def test_fix_reads_the_environment() -> None:
    [finding] = lint_source('apiKey = "AbC123xYz789QrS"\n', select=["FAPI401"])
    edits = {e.content for e in finding.fix.edits}
    assert edits == {'os.environ["API_KEY"]', "import os\n"}
    assert finding.fix.applicability.value == "unsafe"


def test_settings_fix_removes_the_default() -> None:
    code = (
        "from pydantic_settings import BaseSettings\n\n"
        "class Settings(BaseSettings):\n"
        '    secret_key: str = "f8a9c0d1e2b3a4f5a6b7c8d9"\n'
    )
    [finding] = lint_source(code, select=["FAPI401"])
    [edit] = finding.fix.edits
    assert edit.content == "" and (edit.span.start_col, edit.span.end_col) == (19, 48)


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.py")), ids=lambda p: p.name)
def test_prescreen_admits_every_fixture_with_findings(path: Path) -> None:
    text = path.read_text(errors="replace")
    # The rule's own verdict, its pre-screens forced open: linting through the
    # pre-screen under test would make this test unable to fail.
    findings = rule_findings(rule_by_code_or_name("FAPI401"), text)
    if findings:
        assert secrets.prescreen(text)
    # And line by line: each line holding a finding is admitted on its own.
    lines = text.splitlines()
    for finding in findings:
        if finding.span.start_line == finding.span.end_line:
            assert secrets.prescreen(lines[finding.span.start_line - 1]), lines[finding.span.start_line - 1]


def test_the_prescreen_test_fails_when_the_prescreen_rejects(monkeypatch: pytest.MonkeyPatch) -> None:
    """Break the pre-screen: the test above must then fail on a fixture with findings."""
    monkeypatch.setattr(secrets, "prescreen", lambda text: False)
    with pytest.raises(AssertionError):
        test_prescreen_admits_every_fixture_with_findings(FIXTURES / "FAPI401.py")

