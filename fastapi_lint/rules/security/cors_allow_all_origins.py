"""FAPI404 cors-allow-all-origins."""

from __future__ import annotations

from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.rules.base import Rule
from fastapi_lint.rules.security import cors


class CorsAllowAllOrigins(Rule):
    """## What it does
    Checks for `CORSMiddleware` that admits every origin: `allow_origins`
    containing `"*"` or an `allow_origin_regex` that matches any origin, without
    `allow_credentials=True` (that combination is FAPI403's, reported there).
    Values are followed like FAPI403 does (module constants, settings defaults in
    the module). Off by default: a public API meant to be called from any site
    legitimately uses `"*"`.

    ## Why is this bad?
    A wildcard lets every website read the API's responses from a visitor's
    browser. Without credentials that exposes only what is public anyway -- unless
    the API trusts something else the browser carries implicitly: its network
    position (an intranet or `localhost` service) or an IP allow-list. Listing the
    origins the API serves keeps that choice explicit.

    ## Example
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["*"])
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"])
    ```

    ## References
    - CWE-942: [Permissive Cross-domain Policy with Untrusted Domains](https://cwe.mitre.org/data/definitions/942.html)
    - FastAPI: [CORS (Cross-Origin Resource Sharing)](https://fastapi.tiangolo.com/tutorial/cors/)

    ## Judging
    True when CORS admits every origin for an API that serves authenticated
    browser clients.
    """

    code = "FAPI404"
    report_in_tests = False
    name = "cors-allow-all-origins"
    summary = "CORS admits every origin"
    severity = Severity.WARNING
    default_enabled = False
    tags = ("security", "external/cwe/cwe-942")
    cwe = 942
    security_severity = 4.3

    def check_module(self, ctx: RuleContext) -> None:
        for wildcard in cors.wildcards(ctx.model):
            if wildcard.credentials is True:
                continue  # FAPI403
            ctx.report(
                wildcard.node,
                f"CORS admits every origin: {wildcard.description}; any website can read this API's responses "
                "from a visitor's browser",
                help="List the origins that may call the API, unless it is public by design",
            )
