"""FAPI000 syntax-error."""

from __future__ import annotations

from fastapi_lint.diagnostics import Severity
from fastapi_lint.rules.base import Rule


class SyntaxErrorRule(Rule):
    """## What it does
    Reports a file that cannot be read as Python source: a syntax error, bytes
    that are not valid in the file's encoding, or a malformed coding cookie.

    ## Why is this bad?
    A file that does not parse cannot be analysed, so none of the other rules can
    say anything about it; and Python cannot import it either. fastapi-lint reports
    it as a finding instead of crashing, so the rest of the project is still linted.

    ## Known problems
    Only files that could hold a finding of a selected rule are parsed (see the
    pre-screen in `docs/architecture.md`): a broken file that mentions neither
    FastAPI nor Starlette, nor anything a selected rule looks for (such as a
    secret-like name), is not reported. Undecodable files are always reported.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI(
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI

    app = FastAPI()
    ```

    ## Judging
    True when the file really fails to parse under the Python versions the
    project targets, and it is meant to be Python (not a template or a
    deliberately broken test input).
    """

    code = "FAPI000"
    name = "syntax-error"
    summary = "File cannot be parsed as Python"
    severity = Severity.ERROR
    precision = "very-high"
    tags = ("tool",)
