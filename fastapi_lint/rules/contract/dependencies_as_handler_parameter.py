"""FAPI308 dependencies-as-handler-parameter."""

from __future__ import annotations

import libcst as cst

from fastapi_lint import knowledge
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.nodes import DependencyFunction, Function, Parameter, Route
from fastapi_lint.rules.base import Rule


class DependenciesAsHandlerParameter(Rule):
    """## What it does
    Checks for a parameter of a path operation or dependency whose default is a
    list (or tuple) of `Depends(...)`/`Security(...)` -- typically
    `dependencies=[Depends(verify_token)]`, the decorator's argument written into
    the function's signature by mistake.

    ## Why is this bad?
    FastAPI runs the dependencies it finds in the decorator's `dependencies=` and in
    parameters whose default (or `Annotated` metadata) *is* a `Depends(...)`. A list
    of them is just a default value: FastAPI reads the parameter as a query (or body)
    parameter and never calls the dependencies inside. When one of them checks
    authentication, the check silently vanishes and the route is open.

    ## Example
    ```python
    from fastapi import Depends, FastAPI, Header, HTTPException

    app = FastAPI()


    def verify_token(x_token: str = Header()) -> None:
        if x_token != "secret-token":
            raise HTTPException(status_code=401)


    @app.delete("/items/{item_id}")
    def delete_item(item_id: int, dependencies=[Depends(verify_token)]) -> dict:
        return {"deleted": item_id}
    ```

    ## Use instead
    ```python
    from fastapi import Depends, FastAPI, Header, HTTPException

    app = FastAPI()


    def verify_token(x_token: str = Header()) -> None:
        if x_token != "secret-token":
            raise HTTPException(status_code=401)


    @app.delete("/items/{item_id}", dependencies=[Depends(verify_token)])
    def delete_item(item_id: int) -> dict:
        return {"deleted": item_id}
    ```

    ## References
    - FastAPI: [Dependencies in path operation decorators](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-in-path-operation-decorators/)

    ## Judging
    True when a list of `Depends(...)` is a parameter default, so FastAPI never
    runs those dependencies.
    """

    code = "FAPI308"
    name = "dependencies-as-handler-parameter"
    summary = "A list of `Depends(...)` as a parameter default: FastAPI never runs them"
    severity = Severity.ERROR
    tags = ("correctness", "security")

    def check_route(self, route: Route, ctx: RuleContext) -> None:
        if route.handler is not None and ctx.model.is_first_route_of_handler(route):
            self._check(route.handler, route.parameters, "path operation", ctx)

    def check_dependency(self, dependency: DependencyFunction, ctx: RuleContext) -> None:
        self._check(dependency.function, dependency.parameters, "dependency", ctx)

    def _check(self, function: Function, parameters: tuple[Parameter, ...], role: str, ctx: RuleContext) -> None:
        for parameter in parameters:
            names = _depends_in_list(parameter.node.default, function)
            if not names:
                continue
            ctx.report(
                parameter.node,
                f"Parameter `{parameter.name}` of {role} `{function.name}` holds {', '.join(names)} as a default "
                f"value: FastAPI reads it as a plain parameter and never runs these dependencies",
                help="Move the list to the decorator: `@router.get(..., dependencies=[...])`",
            )


def _depends_in_list(default: cst.BaseExpression | None, function: Function) -> list[str]:
    if not isinstance(default, (cst.List, cst.Tuple)):
        return []
    resolver = function.scope.resolver
    out = []
    for element in default.elements:
        value = element.value
        if isinstance(value, cst.Call):
            name = resolver.qualified_name(value.func, function.parent_scope)
            if name in (knowledge.DEPENDS, knowledge.SECURITY):
                out.append(f"`{name.rpartition('.')[2]}(...)`")
    return out
