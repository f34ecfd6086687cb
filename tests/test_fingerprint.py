"""The finding fingerprint survives edits elsewhere and tells repeats apart."""

from __future__ import annotations

from fastapi_lint.diagnostics import Finding, Severity, Span
from fastapi_lint.fingerprint import enclosing_scope, fingerprints

SOURCE = """import time

class Api:
    async def create(self):
        time.sleep(1)
        time.sleep(1)

async def other():
    time.sleep(1)
"""


def finding(line: int, message: str = "m", path: str = "app/a.py") -> Finding:
    return Finding("FAPI201", "blocking-call-in-async-route", message, Severity.ERROR, path,
                   Span(line, 8, line, 21))


def prints(source: str, *found: Finding) -> list[str]:
    lines = source.splitlines()
    return fingerprints(found, lambda path: lines)


def test_scope_is_read_from_indentation() -> None:
    lines = SOURCE.splitlines()
    assert enclosing_scope(lines, 5) == "Api.create"
    assert enclosing_scope(lines, 9) == "other"
    assert enclosing_scope(lines, 1) == ""


def test_stable_under_moves_and_rewording() -> None:
    before = prints(SOURCE, finding(5), finding(6), finding(9))
    moved = "# a comment\n\n" + SOURCE
    after = prints(moved, finding(7, "another message"), finding(8), finding(11))
    assert before == after
    assert len(set(before)) == 3  # repeats in one function and the same text elsewhere differ


def test_path_code_scope_and_text_count() -> None:
    base = prints(SOURCE, finding(9))[0]
    assert prints(SOURCE, finding(9, path="app/b.py"))[0] != base
    renamed = SOURCE.replace("async def other", "async def renamed")
    assert prints(renamed, finding(9))[0] != base
    changed = SOURCE.replace("    time.sleep(1)\n\n", "    time.sleep(2)\n\n")
    assert prints(changed, finding(6))[0] != prints(SOURCE, finding(6))[0]


def test_secret_values_do_not_enter() -> None:
    source = 'KEY = "sk_live_abc"\n'
    other = 'KEY = "sk_live_xyz"\n'
    secret = Finding("FAPI401", "hardcoded-secret", "m", Severity.ERROR, "s.py", Span(1, 6, 1, 19),
                     redact=(Span(1, 6, 1, 19),))
    assert prints(source, secret) == prints(other, secret)
