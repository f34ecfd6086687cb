"""FAPI304 route-missing-docs."""

from __future__ import annotations

from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.nodes import Route
from fastapi_lint.rules.base import Rule


class RouteMissingDocs(Rule):
    """## What it does
    Checks for path operations with no `summary=`, no `description=` and no
    docstring (websocket routes, which OpenAPI does not describe, and routes with
    `include_in_schema=` are left alone).

    This rule is off by default: it encodes a documentation policy. Enable it with
    `extend-select = ["FAPI304"]`.

    ## Why is this bad?
    FastAPI builds the OpenAPI document, and the `/docs` page, from the path
    operation: without a summary it shows a title made from the function's name
    (`Read Item Read Item Get`), and without a description or docstring nothing says
    what the operation does, what it needs, or when it fails. Client authors and
    generated SDKs depend on that text.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items/{item_id}")
    def read_item(item_id: int) -> dict:
        return {"id": item_id}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items/{item_id}")
    def read_item(item_id: int) -> dict:
        \"\"\"Read one item by its id; 404 when it does not exist.\"\"\"
        return {"id": item_id}
    ```

    ## References
    - FastAPI: [Path Operation Configuration: summary and description](https://fastapi.tiangolo.com/tutorial/path-operation-configuration/#summary-and-description)

    ## Judging
    True when the path operation appears in the OpenAPI schema and has no
    summary, description or docstring, in a project that documents its API.
    """

    code = "FAPI304"
    name = "route-missing-docs"
    summary = "Path operation with no summary, description or docstring"
    severity = Severity.INFO
    default_enabled = False
    tags = ("documentation", "api-contract")

    def check_route(self, route: Route, ctx: RuleContext) -> None:
        handler = route.handler
        if handler is None or handler.docstring or route.is_websocket:
            return  # websockets have no OpenAPI entry
        if route.keyword("summary") is not None or route.keyword("description") is not None:
            return
        if route.keyword("include_in_schema") is not None:
            return  # hidden or conditionally documented: its own decision
        ctx.report(
            route.decorator if route.decorator is not None else route.call,
            f"Path operation `{handler.name}` has no summary, description or docstring: the OpenAPI document and "
            f"`/docs` say nothing about what it does",
            help="Add a docstring (FastAPI uses it as the description) or `summary=`/`description=`",
        )
