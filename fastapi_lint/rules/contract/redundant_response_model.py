"""FAPI306 redundant-response-model."""

from __future__ import annotations

import libcst as cst

from fastapi_lint.analysis import call_without
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Applicability, FixAvailability, Severity
from fastapi_lint.model.nodes import Route
from fastapi_lint.names import Scope
from fastapi_lint.rules.base import Rule


#: FastAPI uses the return annotation as the response model since 0.89.0
ANNOTATION_MODEL_SINCE = (0, 89)


class RedundantResponseModel(Rule):
    """## What it does
    Checks for path operations whose `response_model=` is the same type as their
    return annotation (the same classes after resolving imports and aliases, in
    the same shape: `list[Item]` and `list[Item]`).

    ## Why is this bad?
    Since FastAPI 0.89 the return annotation *is* the response model: FastAPI
    validates, filters and documents the response with it when `response_model=`
    is not given. Saying it twice is noise, and the two copies drift apart when
    one is edited and the other is not (see FAPI305).

    ## Example
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class Item(BaseModel):
        name: str


    @app.get("/items/{item_id}", response_model=Item)
    async def read_item(item_id: int) -> Item:
        return Item(name="Hammer")
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class Item(BaseModel):
        name: str


    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> Item:
        return Item(name="Hammer")
    ```

    ## Fix safety
    The fix removes the `response_model=` argument. It is safe: FastAPI reads the
    response model from the return annotation when the argument is absent
    (`APIRoute` takes `get_typed_return_annotation(endpoint)` as the response model
    when `response_model` is left at its default), and the two name the same type,
    so validation, filtering and the OpenAPI schema stay the same. That holds from
    FastAPI 0.89: the fix is safe only when the project is known to target 0.89+
    (`fastapi-version`, else its declared dependencies), unsafe when the version is
    unknown, and the rule does not report below 0.89 (there the annotation is not the
    response model, and removing `response_model=` would stop filtering the output). The fix is not offered under
    `from __future__ import annotations` (the annotation is then a string FastAPI
    must resolve in the module's globals, which fails for names that are local or
    imported only under `TYPE_CHECKING`), nor for routes declared with
    `add_api_route`.

    ## References
    - FastAPI: [Response Model - Return Type](https://fastapi.tiangolo.com/tutorial/response-model/)
    - FastAPI 0.89.0 release notes: [return type annotations as response model](https://fastapi.tiangolo.com/release-notes/#0890)

    ## Judging
    True when `response_model=` repeats the return annotation exactly, on a
    FastAPI version where the annotation alone is the response model.
    """

    code = "FAPI306"
    name = "redundant-response-model"
    summary = "response_model= repeats the return annotation"
    severity = Severity.INFO
    default_enabled = False
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = Applicability.SAFE
    tags = ("api-contract", "style")

    def check_route(self, route: Route, ctx: RuleContext) -> None:
        handler = route.handler
        if handler is None or route.is_websocket or route.decorator is None:
            return
        argument = route.response_model
        annotation = route.return_annotation
        if argument is None or annotation is None or ctx.target.fastapi_at_least(ANNOTATION_MODEL_SINCE) is False:
            return  # before 0.89 the annotation is not the response model: response_model= is needed
        resolver = ctx.model.resolver
        scope = handler.parent_scope
        model = _shape(argument.value, scope, resolver)
        if model is None or model != _shape(annotation, scope, resolver):
            return
        fix = None
        if not _future_annotations(ctx.model.tree):
            # Safe only where the annotation is known to be the response model (0.89+): on an
            # older FastAPI the removal would stop filtering the output.
            known = ctx.target.fastapi_at_least(ANNOTATION_MODEL_SINCE)
            fix = ctx.fix(Applicability.SAFE if known else Applicability.UNSAFE,
                          "Remove `response_model=` (the return annotation says the same)",
                          ctx.replace(route.call, ctx.model.tree.code_for_node(call_without(route.call, argument))))
        ctx.report(
            argument,
            f"`response_model={ctx.code(argument.value)}` repeats the return annotation of `{handler.name}`: "
            f"FastAPI already uses the annotation as the response model",
            fix=fix,
            help="Remove `response_model=`",
        )


def _shape(expr: cst.BaseExpression, scope: Scope, resolver) -> tuple | None:
    """A type expression with every name resolved, ``None`` when any part does not resolve."""
    if isinstance(expr, cst.Name) and expr.value == "None":
        return ("None",)
    if isinstance(expr, (cst.Name, cst.Attribute)):
        name = resolver.qualified_name(expr, scope)
        return ("name", name) if name is not None else None
    if isinstance(expr, cst.Subscript):
        head = _shape(expr.value, scope, resolver)
        parts = []
        for element in expr.slice:
            if not isinstance(element.slice, cst.Index):
                return None
            part = _shape(element.slice.value, scope, resolver)
            if part is None:
                return None
            parts.append(part)
        return None if head is None else ("subscript", head, tuple(parts))
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        left, right = _shape(expr.left, scope, resolver), _shape(expr.right, scope, resolver)
        return None if left is None or right is None else ("union", left, right)
    if isinstance(expr, (cst.Tuple, cst.List)):
        parts = [_shape(e.value, scope, resolver) for e in expr.elements]
        return None if any(p is None for p in parts) else ("sequence", tuple(parts))
    return None  # strings, calls, literals: not compared


def _future_annotations(module: cst.Module) -> bool:
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.ImportFrom) and isinstance(small.module, cst.Name) and \
                    small.module.value == "__future__" and not isinstance(small.names, cst.ImportStar) and \
                    any(isinstance(n.name, cst.Name) and n.name.value == "annotations" for n in small.names):
                return True
    return False
