"""FAPI305 response-model-annotation-mismatch."""

from __future__ import annotations

import libcst as cst

from fastapi_lint import knowledge
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.nodes import Route
from fastapi_lint.project.context import ProjectContext
from fastapi_lint.project.index import ProjectIndex
from fastapi_lint.rules.base import Rule


_SQLMODEL = "sqlmodel.SQLModel"


class ResponseModelAnnotationMismatch(Rule):
    """## What it does
    Checks for path operations whose `response_model=` names one Pydantic model
    and whose return annotation names another, unrelated one (not the same class,
    not a subclass of the response model).

    Only plain class names are compared, and only when both resolve to Pydantic
    models the linter can see (in the module or elsewhere in the project). `Any`,
    `dict`, `Response` classes, containers (`list[Item]`), ORM classes and
    dataclasses in the annotation are not reported; nor an annotation naming a base
    class of the response model (less precise, not wrong), nor a SQLModel class in
    the annotation (it may be a `table=True` model: a database row that FastAPI
    converts to the response model, the documented use of `response_model=`).

    ## Why is this bad?
    When both are given, FastAPI validates, filters and documents the response with
    `response_model=` and ignores the annotation. An annotation naming an unrelated
    model says the client receives fields it never sees (or misses fields it does
    see), and type checkers check the function against a model the API does not
    send. It is usually a leftover of a refactoring. FastAPI's documentation
    recommends, when the function returns more than the client should see, to
    return a *subclass* of the response model (filtering then drops the extra
    fields) or to annotate `-> Any`.

    ## Known problems
    FastAPI allows the annotation to describe what the function really returns
    while `response_model=` describes the response; when the function does return
    an unrelated model on purpose (FastAPI converts it through its attributes),
    prefer making the returned class a subclass of the response model, or silence
    the finding.

    ## Example
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class UserIn(BaseModel):
        name: str
        password: str


    class UserOut(BaseModel):
        name: str


    @app.post("/users", response_model=UserOut)
    async def create_user(user: UserIn) -> UserIn:
        return user
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class UserOut(BaseModel):
        name: str


    class UserIn(UserOut):
        password: str


    @app.post("/users", response_model=UserOut)
    async def create_user(user: UserIn) -> UserIn:
        return user
    ```

    ## References
    - FastAPI: [Response Model - Return Type, `response_model` Priority](https://fastapi.tiangolo.com/tutorial/response-model/#response-model-priority)
    - FastAPI: [Return Type and Data Filtering](https://fastapi.tiangolo.com/tutorial/response-model/#return-type-and-data-filtering)

    ## Judging
    True when `response_model=` and the return annotation name different models
    in a way that changes or hides what the client receives (the response model
    sends fields the annotation does not promise).
    """

    code = "FAPI305"
    name = "response-model-annotation-mismatch"
    summary = "response_model= and the return annotation name unrelated models"
    severity = Severity.WARNING
    tags = ("api-contract", "typing")

    def check_route(self, route: Route, ctx: RuleContext) -> None:
        handler = route.handler
        if handler is None or route.is_websocket or route.decorator is None:
            return
        argument = route.response_model
        annotation = route.return_annotation
        if argument is None or annotation is None:
            return
        if not isinstance(argument.value, (cst.Name, cst.Attribute)) or \
                not isinstance(annotation, (cst.Name, cst.Attribute)):
            return  # containers, unions, strings: not compared
        resolver = ctx.model.resolver
        scope = handler.parent_scope  # the decorator and the annotation are evaluated there
        model = resolver.qualified_name(argument.value, scope)
        returned = resolver.qualified_name(annotation, scope)
        if model is None or returned is None or model == returned:
            return
        ctx.defer(annotation, model=model, returned=returned, model_text=ctx.code(argument.value),
                  returned_text=ctx.code(annotation), handler=handler.name)

    def check_project(self, project: ProjectContext) -> None:
        index = project.index
        for item in project.deferred():
            data = item.data
            model = _pydantic_class(index, data["model"])
            returned = _pydantic_class(index, data["returned"])
            if model is None or returned is None or model == returned:
                continue
            if model in index.class_bases(returned):
                continue  # a subclass: FastAPI filters its extra fields, as documented
            if returned in index.class_bases(model):
                continue  # the annotation is a base of what is sent: imprecise, not wrong
            if _SQLMODEL in index.class_bases(returned):
                continue  # maybe a table model: a database row FastAPI converts, as documented
            a, b = data["model_text"], data["returned_text"]
            project.report(
                item.path, item.span,
                f"`{data['handler']}` is annotated `-> {b}` but declares `response_model={a}`: FastAPI validates, "
                f"filters and documents the response with `{a}`, so the annotation misleads readers and type "
                f"checkers about what the client receives",
                help=f"Annotate `-> {a}`, make `{b}` a subclass of `{a}`, or annotate `-> Any`",
            )


def _pydantic_class(index: ProjectIndex, name: str) -> str | None:
    """The resolved name of a project class that is a Pydantic model, else ``None``."""
    target = index.resolve(name)
    if target is None or target.kind != "class":
        return None
    if not index.class_bases(target.name) & knowledge.PYDANTIC_MODEL_BASES:
        return None
    return target.name
