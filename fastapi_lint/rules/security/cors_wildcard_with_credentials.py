"""FAPI403 cors-wildcard-with-credentials."""

from __future__ import annotations

from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.rules.base import Rule
from fastapi_lint.rules.security import cors


class CorsWildcardWithCredentials(Rule):
    """## What it does
    Checks for `CORSMiddleware` (added with `app.add_middleware(...)` or as
    `Middleware(CORSMiddleware, ...)` in `FastAPI(middleware=[...])`) that admits
    every origin -- `allow_origins` containing `"*"`, or an `allow_origin_regex`
    that matches any origin (`".*"`, `"https?://.*"`) -- together with
    `allow_credentials=True`.

    Values are followed through module constants (`origins = ["*"]`) and the
    defaults of settings classes declared in the same module
    (`cors_origins: list[str] = ["*"]` on a `BaseSettings`); a value the module
    does not show (an environment variable, a parameter) is not reported.

    ## Why is this bad?
    Browsers refuse `Access-Control-Allow-Origin: *` on credentialed requests, so
    Starlette does something worse: with credentials allowed and a wildcard, it
    echoes the caller's `Origin` header back (`allow_explicit_origin` in
    `starlette/middleware/cors.py`). Every website a logged-in user visits can
    then send requests with the user's cookies or HTTP authentication and read the
    responses: the same-origin policy no longer protects the API (cross-site data
    theft, CSRF with read access).

    ## Known problems
    Settings read from another module are not followed: `allow_origins=settings.origins`
    with `settings` imported is not reported even when its default is `["*"]`.

    ## Example
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["https://app.example.com"],
        allow_credentials=True,
    )
    ```

    ## References
    - CWE-942: [Permissive Cross-domain Policy with Untrusted Domains](https://cwe.mitre.org/data/definitions/942.html)
    - FastAPI: [CORS (Cross-Origin Resource Sharing)](https://fastapi.tiangolo.com/tutorial/cors/)
    - MDN: [CORS and credentialed requests](https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS#credentialed_requests_and_wildcards)

    ## Judging
    True when CORS allows every origin (`*` or a regex matching all) and
    credentials together in a deployed app.
    """

    code = "FAPI403"
    report_in_tests = False
    name = "cors-wildcard-with-credentials"
    summary = "CORS admits every origin and allows credentials"
    severity = Severity.ERROR
    tags = ("security", "external/cwe/cwe-942")
    cwe = 942
    security_severity = 8.1

    def check_module(self, ctx: RuleContext) -> None:
        for wildcard in cors.wildcards(ctx.model):
            if wildcard.credentials is not True:
                continue
            ctx.report(
                wildcard.node,
                f"CORS admits every origin: {wildcard.description}, with `allow_credentials=True`; Starlette then "
                "echoes the caller's Origin, so any website can send requests with the user's credentials and "
                "read the responses",
                help="List the trusted origins explicitly (from settings), or drop `allow_credentials=True`",
            )
