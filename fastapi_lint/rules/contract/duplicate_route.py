"""FAPI303 duplicate-route."""

from __future__ import annotations

import re

import libcst as cst

from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.nodes import Route, argument, literal_string
from fastapi_lint.project.context import ProjectContext
from fastapi_lint.rules.base import Rule

_PARAM = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(:[^}]*)?\}")


def route_shape(path: str) -> str:
    """A path with its parameter names dropped (``/items/{id}`` and ``/items/{key}``
    match the same requests)."""
    return _PARAM.sub(lambda m: "{" + (m.group(1) or "") + "}", path)


class DuplicateRoute(Rule):
    """## What it does
    Checks for two path operations that one app serves with the same HTTP method
    and the same full path (all router prefixes and `include_router` prefixes
    joined, across modules; parameter names do not matter: `/items/{id}` and
    `/items/{key}` are the same route).

    Routes declared under an `if`, `try` or loop are not compared (they may be
    alternatives), nor routes of a router with a custom `route_class=` (its
    `matches()` may decline a request and let the next route answer).

    ## Why is this bad?
    Starlette tries routes in the order they were added and answers with the first
    match: the second path operation never runs. Usually it is a copy-pasted
    handler whose path was not changed, or a router included twice; the code looks
    like it serves a route it does not, and the OpenAPI document shows both (with
    clashing operation ids).

    ## Known problems
    Which of the two answers depends on the order the app adds them: the finding is
    on the one added later as far as the lines of the `include_router` calls and of
    the routes tell (exact within one module, approximate across modules), and its
    message names the other.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items/{item_id}")
    def read_item(item_id: int) -> dict:
        return {"id": item_id}


    @app.get("/items/{key}")
    def read_item_by_key(key: str) -> dict:
        return {"key": key}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items/{item_id}")
    def read_item(item_id: int) -> dict:
        return {"id": item_id}


    @app.get("/items/by-key/{key}")
    def read_item_by_key(key: str) -> dict:
        return {"key": key}
    ```

    ## References
    - Starlette: [Routing](https://www.starlette.io/routing/) (routes are matched in order)
    - FastAPI: [Order matters](https://fastapi.tiangolo.com/tutorial/path-params/#order-matters)

    ## Judging
    True when the same method and full path are registered twice in one served
    app, so the second never runs. False when the two registrations are
    alternatives chosen by a condition or live in different apps.
    """

    code = "FAPI303"
    name = "duplicate-route"
    summary = "Same method and full path registered twice in one app"
    severity = Severity.ERROR
    tags = ("correctness", "api-contract")

    def check_route(self, route: Route, ctx: RuleContext) -> None:
        if route.path is None or route.is_websocket or not _literal_methods(route):
            return
        if not _unconditional(route, ctx):
            return
        if (route.owner is not None and route.owner.keyword("route_class") is not None) or \
                route.keyword("route_class_override") is not None:
            return  # a custom route class may decline to match (and hand over to the next route)
        ctx.defer(route.decorator if route.decorator is not None else route.call,
                  module=ctx.model.name, route=ctx.model.routes.index(route),
                  handler=route.handler.name if route.handler is not None else "")

    def check_project(self, project: ProjectContext) -> None:
        candidates = {(d.data["module"], d.data["route"]): d for d in project.deferred()}
        first: dict[tuple[str, str, str], tuple] = {}
        reported: set[tuple[str, int]] = set()
        for instance in sorted(project.tree.instances, key=_registration_order):
            key = (instance.module.name, instance.route.index)
            item = candidates.get(key)
            if item is None or instance.app is None or instance.full_path is None:
                continue
            for method in instance.route.methods:
                slot = (instance.app.id, method, route_shape(instance.full_path))
                seen = first.setdefault(slot, (key, item, instance.full_path))
                if seen[0] == key or key in reported:
                    continue  # the same path operation reached twice (a router included twice)
                reported.add(key)
                other = seen[1]
                where = f"line {other.span.start_line}" if other.path == item.path else \
                    f"{other.path}:{other.span.start_line}"
                project.report(
                    item.path, item.span,
                    f"`{method} {instance.full_path}` (`{item.data['handler']}`) is already registered on this app "
                    f"by `{other.data['handler']}` ({where}): the first match answers, so one of them never runs",
                    help="Change one of the paths or methods, or remove the duplicate",
                )


def _registration_order(instance) -> tuple:
    """Approximately the order the app adds the routes: by the lines of the
    ``include_router`` calls on the way, then the route's own position."""
    lines = [link.include.line for link in instance.chain if link.include is not None]
    return (tuple([*lines, instance.route.line]), instance.module.path)


def _literal_methods(route: Route) -> bool:
    """The model's methods are certain: from the decorator, or a literal ``methods=``."""
    arg = argument(route.call, "methods")
    if arg is None:
        return True
    value = arg.value
    return isinstance(value, (cst.List, cst.Tuple, cst.Set)) and all(
        literal_string(e.value) is not None for e in value.elements)


def _unconditional(route: Route, ctx: RuleContext) -> bool:
    """The route is declared at the top level of the module, a function or a class body."""
    if route.decorator is not None and route.handler is not None:
        statement: cst.CSTNode = route.handler.node
    else:
        small = ctx.model.statement_of.get(route.call)
        if small is None:
            return False
        statement = small
    blocks = [ctx.model.tree.body]
    blocks.extend(f.node.body.body for f in ctx.model.functions if isinstance(f.node.body, cst.IndentedBlock))
    blocks.extend(c.node.body.body for c in ctx.model.classes if isinstance(c.node.body, cst.IndentedBlock))
    for body in blocks:
        for node in body:
            if node is statement:
                return True
            if isinstance(node, cst.SimpleStatementLine) and any(s is statement for s in node.body):
                return True
    return False
