"""FAPI301 missing-response-model."""

from __future__ import annotations

import libcst as cst

from fastapi_lint import knowledge
from fastapi_lint.analysis import is_response_class, returns_only_responses
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Applicability, Edit, Fix, FixAvailability, Severity, Span
from fastapi_lint.model.module import ModuleModel
from fastapi_lint.model.nodes import Container, Function, Route, literal_int
from fastapi_lint.rules.base import Rule

#: Classmethods that build an instance of the model they are called on.
_MODEL_BUILDERS = frozenset(
    {"model_validate", "model_validate_json", "model_construct", "parse_obj", "parse_raw", "from_orm", "construct"}
)
_NO_BODY_STATUS = frozenset({204, 304})


class MissingResponseModel(Rule):
    """## What it does
    Checks for path operations that declare neither `response_model=` nor a return
    annotation.

    Not reported: websocket routes; `response_model=None` (an explicit choice);
    a success response documented with `responses={200: {"model": ...}}`;
    a non-JSON `response_class` (HTML, plain text, files, streams, redirects);
    status code 204 or 304 (no body); `include_in_schema=False`; and path operations
    whose every `return` builds a `Response` (which FastAPI sends as is).

    ## Why is this bad?
    FastAPI uses the response model (from `response_model=` or the return
    annotation) to validate the data you return, to filter out fields the client
    must not see (a password hash on a user object), and to document the response
    in the OpenAPI schema. Without one, whatever the function returns is sent
    unchecked, and clients generated from the schema see an empty `{}` response.

    ## Example
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class Item(BaseModel):
        name: str
        price: float


    @app.get("/items/{item_id}")
    async def read_item(item_id: int):
        return Item(name="Hammer", price=9.5)
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class Item(BaseModel):
        name: str
        price: float


    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> Item:
        return Item(name="Hammer", price=9.5)
    ```

    ## Fix safety
    When every `return` builds the same Pydantic model (`Item(...)`,
    `Item.model_validate(...)`), the fix adds that model as the return annotation.
    It is unsafe: FastAPI then validates and *filters* the response through the
    model, which changes the output when the returned object carries fields the
    model does not declare (they are dropped), and fails with a 500 when the data
    does not validate.

    ## References
    - FastAPI: [Response Model - Return Type](https://fastapi.tiangolo.com/tutorial/response-model/)

    ## Judging
    True when the path operation returns data (a dict, ORM object or model)
    whose shape is neither validated nor documented, and a reviewer would ask
    for `response_model=` or a return annotation. False when it returns a
    `Response` (directly or from a helper: file, redirect, streaming, OAuth
    redirect), is excluded from the schema, or is a proxy/pass-through whose
    body the app does not own.
    """

    code = "FAPI301"
    name = "missing-response-model"
    summary = "Path operation has no response model or return annotation"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = Applicability.UNSAFE
    tags = ("api-contract", "documentation")

    def check_route(self, route: Route, ctx: RuleContext) -> None:
        handler = route.handler
        if handler is None or route.is_websocket:
            return
        if route.response_model is not None or route.return_annotation is not None:
            return
        model = ctx.model
        if _exempt(route, model):
            return
        if handler.is_generator or returns_only_responses(handler, model) or _only_raises(handler):
            return
        if not model.is_first_route_of_handler(route):
            return
        label = f"{'/'.join(route.methods)} {route.path}" if route.path is not None else "/".join(route.methods)
        returned = _returned_model(handler, model)
        fix = None
        if returned is not None:
            fix = self._fix(handler, returned, ctx)
        detail = (
            "it returns nothing: annotate `-> None` or use `status_code=204`"
            if not any(r.value is not None for r in handler.returns)
            else "its response is neither validated, filtered nor documented"
        )
        ctx.report(
            handler.node.name,
            f"Path operation `{label}` (`{handler.name}`) declares no response model: {detail}",
            fix=fix,
            help=f"Annotate the return type (`-> {ctx.code(returned)}`)" if returned is not None
            else "Add a return annotation or `response_model=`",
        )

    @staticmethod
    def _fix(handler: Function, returned: cst.BaseExpression, ctx: RuleContext) -> Fix:
        whitespace = handler.node.whitespace_before_colon
        start = ctx.span(whitespace)
        position = Span(start.start_line, start.start_col, start.start_line, start.start_col)
        return Fix(
            Applicability.UNSAFE,
            f"Add return annotation `-> {ctx.code(returned)}`",
            (Edit(position, f" -> {ctx.code(returned)}"),),
        )


def _only_raises(handler: Function) -> bool:
    """A stub (``raise NotImplementedError``): it never answers with a body."""
    body = handler.node.body
    statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
    last = statements[-1] if statements else None
    small = last.body[-1] if isinstance(last, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) and last.body \
        else None
    return not handler.returns and isinstance(small, cst.Raise)


def _documents_success(route: Route) -> bool:
    """``responses={200: {"model": X}}`` (any 2xx): the developer documented the response."""
    arg = route.keyword("responses")
    if arg is None or not isinstance(arg.value, cst.Dict):
        return False
    for element in arg.value.elements:
        if not isinstance(element, cst.DictElement) or not isinstance(element.value, cst.Dict):
            continue
        status = literal_int(element.key)
        if status is None:
            key = element.key
            text = key.evaluated_value if isinstance(key, cst.SimpleString) else None
            status = int(text) if isinstance(text, str) and text.isdigit() else None
        if status is not None and 200 <= status < 300:
            for inner in element.value.elements:
                if isinstance(inner, cst.DictElement) and isinstance(inner.key, cst.SimpleString) and \
                        inner.key.evaluated_value in ("model", "content"):
                    return True
    return False


def _exempt(route: Route, model: ModuleModel) -> bool:
    if _documents_success(route):
        return True
    resolver = model.resolver
    scope = route.handler.parent_scope if route.handler is not None else model.scope
    include = route.keyword("include_in_schema")
    if include is not None and isinstance(include.value, cst.Name) and include.value.value == "False":
        return True
    status = route.status_code
    if status is not None and literal_int(status.value) in _NO_BODY_STATUS:
        return True
    response_class = route.response_class
    if response_class is not None:
        return not _is_json_class(resolver.qualified_name(response_class.value, scope))
    owner: Container | None = route.owner
    if owner is not None:
        default = owner.keyword("default_response_class")
        if default is not None and not _is_json_class(resolver.qualified_name(default.value, owner.scope)):
            return True
    return False


def _is_json_class(name: str | None) -> bool:
    if name is None:
        return False  # unknown class: assume it is not JSON (precision first)
    known = knowledge.RESPONSE_CLASSES.get(name)
    if known is not None:
        return known
    return name.rpartition(".")[2].endswith("JSONResponse")


def _returned_model(handler: Function, model: ModuleModel) -> cst.BaseExpression | None:
    """The class expression when every ``return`` builds the same Pydantic model."""
    found: list[cst.BaseExpression] = []
    for ret in handler.returns:
        value = ret.value
        if isinstance(value, cst.Await):
            value = value.expression
        if not isinstance(value, cst.Call):
            return None
        func = value.func
        if isinstance(func, cst.Attribute) and func.attr.value in _MODEL_BUILDERS:
            func = func.value
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return None
        found.append(func)
    if not found:
        return None
    names = {model.resolver.qualified_name(f, handler.scope) for f in found}
    if len(names) != 1:
        return None
    name = names.pop()
    if name is None or not _is_pydantic_model(name, model) or is_response_class(name):
        return None
    return found[0]


def _is_pydantic_model(name: str, model: ModuleModel, depth: int = 0) -> bool:
    if name in knowledge.PYDANTIC_MODEL_BASES:
        return depth > 0
    if depth > 10:
        return False
    for cls in model.classes:
        if f"{model.name}.{cls.qualname}" == name:
            return any(b is not None and _is_pydantic_model(b, model, depth + 1) for b in cls.bases)
    return False
