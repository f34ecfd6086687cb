"""FAPI506 print-in-route."""

from __future__ import annotations

from fastapi_lint.analysis import request_functions
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.rules.base import Rule


class PrintInRoute(Rule):
    """## What it does
    Checks for `print(...)` calls in path operations, dependencies and middleware.
    A `print(..., file=...)` writes to a stream chosen on purpose and is not
    reported.

    This rule is off by default: it encodes a logging policy. Enable it with
    `extend-select = ["FAPI506"]`.

    ## Why is this bad?
    `print` writes to stdout without a level, a timestamp, the logger's name or the
    request's context; it cannot be filtered, routed or turned off, and under
    several workers the lines of concurrent requests interleave. Server output goes
    through `logging` (Uvicorn configures it), where handlers and levels apply.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/")
    def index() -> dict:
        print("index called")
        return {}
    ```

    ## Use instead
    ```python
    import logging

    from fastapi import FastAPI

    app = FastAPI()
    logger = logging.getLogger(__name__)


    @app.get("/")
    def index() -> dict:
        logger.info("index called")
        return {}
    ```

    ## References
    - Python: [Logging HOWTO](https://docs.python.org/3/howto/logging.html)

    ## Judging
    True when `print()` is used for logging in request-serving code of a project
    that has a logger.
    """

    code = "FAPI506"
    name = "print-in-route"
    summary = "`print()` in a path operation, dependency or middleware"
    severity = Severity.INFO
    default_enabled = False
    tags = ("observability",)

    def check_module(self, ctx: RuleContext) -> None:
        for entry in request_functions(ctx.model):
            for site in entry.function.calls:
                if site.callee == "builtins.print" and site.argument("file") is None:
                    ctx.report(
                        site.node,
                        f"`print()` in {entry.role} `{entry.function.name}`: unleveled, unfiltered output without "
                        f"the request's context",
                        help="Use a logger: `logging.getLogger(__name__).info(...)`",
                    )
