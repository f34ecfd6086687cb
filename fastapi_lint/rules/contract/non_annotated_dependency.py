"""FAPI307 non-annotated-dependency."""

from __future__ import annotations

import libcst as cst

from fastapi_lint import knowledge
from fastapi_lint.analysis import call_without
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Applicability, Edit, Fix, FixAvailability, Severity, Span
from fastapi_lint.model.nodes import DependencyFunction, Function, Parameter, Route, argument
from fastapi_lint.rules.base import Rule

#: markers whose first positional argument (or ``default=``) is the parameter's default
_WITH_DEFAULT = frozenset({"query", "path", "body", "header", "cookie", "form", "file"})


#: FastAPI reads ``Annotated[T, Depends(...)]`` since 0.95.0
ANNOTATED_SINCE = (0, 95)


class NonAnnotatedDependency(Rule):
    """## What it does
    Checks for parameters of path operations and dependencies that declare
    `Depends`, `Security`, `Query`, `Path`, `Header`, `Cookie`, `Body`, `Form` or
    `File` as their default value instead of inside `Annotated[...]`.

    ## Why is this bad?
    Since FastAPI 0.95 the documentation recommends `Annotated`: the default value
    of the parameter is then a real default (`q: Annotated[str, Query()] = "x"`),
    so the function behaves the same when called directly (in tests, from other
    code) instead of receiving a `Depends`/`FieldInfo` object; type checkers see
    the real type; and the annotated type can be named once and reused
    (`CurrentUser = Annotated[User, Depends(get_current_user)]`).

    ## Known problems
    A default that is a module-level alias of a marker (`db: Session = DB` with
    `DB = Depends(get_db)`) is not reported.

    ## Example
    ```python
    from fastapi import Depends, FastAPI, Query

    app = FastAPI()


    def get_db():
        yield "db"


    @app.get("/items")
    def read_items(q: str = Query("all", max_length=50), db: str = Depends(get_db)) -> list:
        return []
    ```

    ## Use instead
    ```python
    from typing import Annotated

    from fastapi import Depends, FastAPI, Query

    app = FastAPI()


    def get_db():
        yield "db"


    @app.get("/items")
    def read_items(db: Annotated[str, Depends(get_db)], q: Annotated[str, Query(max_length=50)] = "all") -> list:
        return []
    ```

    ## Fix safety
    The fix moves the marker into `Annotated[<annotation>, <marker>]` and, for
    `Query`/`Path`/`Header`/`Cookie`/`Body`/`Form`/`File`, moves its default
    (`Query("x")`, `Query(default="x")`) out to the parameter's default (`...` means
    required: no default). It adds `from typing import Annotated` when missing. It is
    safe: FastAPI reads `Annotated[T, marker] = default` exactly as `T = marker(default)`
    (same source, validation, default and OpenAPI schema). It needs FastAPI 0.95 or
    later and Python 3.9 or later: the fix is safe only when the project is known to
    target 0.95+ (`fastapi-version`, else its declared dependencies), unsafe when the
    version is unknown, and the rule does not report below 0.95 (an `Annotated`
    dependency is read as a query parameter there, which breaks every request). A
    project whose `requires-python` admits Python 3.8 gets an unsafe fix too. It is not offered when the parameter has no
    annotation, is already `Annotated`, when the marker uses `default_factory=` or
    `*args`/`**kwargs`, or when the parameter would lose its default while a
    positional parameter before it keeps one (a syntax error); fixing the earlier
    parameters first often makes it possible on the next pass. Direct Python calls
    that relied on the old default received a marker object, not a value; they now
    receive the real default, or must pass the argument.

    ## References
    - FastAPI: [Query Parameters and String Validations - Annotated](https://fastapi.tiangolo.com/tutorial/query-params-str-validations/#advantages-of-annotated)
    - FastAPI: [Dependencies - Share Annotated dependencies](https://fastapi.tiangolo.com/tutorial/dependencies/#share-annotated-dependencies)
    - FastAPI 0.95.0 release notes

    ## Judging
    True when a FastAPI parameter marker is a default instead of inside
    `Annotated`, on a FastAPI version that supports `Annotated` dependencies
    (0.95+), and the change keeps behaviour.
    """

    code = "FAPI307"
    name = "non-annotated-dependency"
    summary = "FastAPI parameter marker used as a default instead of inside Annotated"
    severity = Severity.INFO
    default_enabled = False
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = Applicability.SAFE
    tags = ("style", "typing")

    def check_route(self, route: Route, ctx: RuleContext) -> None:
        if route.handler is not None:
            if not ctx.model.is_first_route_of_handler(route):
                return  # one handler under several decorators: report it once
            self._check(route.handler, route.parameters, ctx)

    def check_dependency(self, dependency: DependencyFunction, ctx: RuleContext) -> None:
        if dependency.function in ctx.model.route_handlers():
            return  # reported as a path operation
        self._check(dependency.function, dependency.parameters, ctx)

    def _check(self, function: Function, parameters: tuple[Parameter, ...], ctx: RuleContext) -> None:
        if ctx.target.fastapi_at_least(ANNOTATED_SINCE) is False:
            return  # Annotated dependencies need FastAPI 0.95: the default is the only way
        for parameter in parameters:
            marker = parameter.marker
            if marker is None or parameter.node.default is not marker:
                continue
            fix = _fix(function, parameter, ctx)
            spelled = ctx.code(marker.func)
            ctx.report(
                marker,
                f"`{spelled}(...)` is the default value of parameter `{parameter.name}` of `{function.name}`: "
                f"declare it in `Annotated[...]` so the parameter keeps a real default and type",
                fix=fix,
                help=f"Write `{parameter.name}: Annotated[<type>, {spelled}(...)]`",
            )


def _parses_as_parameter(text: str) -> bool:
    import ast

    try:
        ast.parse(f"def _({text}): pass")
    except (SyntaxError, ValueError):
        return False
    return True


def _fix(function: Function, parameter: Parameter, ctx: RuleContext) -> Fix | None:
    node, marker = parameter.node, parameter.marker
    assert marker is not None
    if node.annotation is None or node.star not in ("", None) or any(a.star for a in marker.args):
        return None
    annotation = node.annotation.annotation
    scope = function.parent_scope
    resolver = ctx.model.resolver
    if isinstance(annotation, cst.Subscript) and \
            resolver.qualified_name(annotation.value, scope) == knowledge.ANNOTATED:
        return None
    call = marker
    default: str | None = None
    if parameter.source in _WITH_DEFAULT:
        if argument(marker, "default_factory") is not None:
            return None
        given = argument(marker, "default", 0)
        if given is not None:
            call = call_without(marker, given)
            if not isinstance(given.value, cst.Ellipsis):
                default = ctx.code(given.value)
                if parameter.source == "path":
                    return None  # FastAPI refuses a path parameter default anyway
    if default is None and not _may_lose_default(function, node):
        return None
    found = ctx.import_from_edit("typing", "Annotated")
    if found is None:
        return None
    name, import_edit = found
    text = f"{node.name.value}: {name}[{ctx.code(annotation)}, {ctx.model.tree.code_for_node(call)}]"
    if default is not None:
        text += f" = {default}"
    if not _parses_as_parameter(text):
        return None  # an annotation whose text does not stand alone (a bare `()`): no fix
    start, end = ctx.span(node.name), ctx.span(marker)
    edit = Edit(Span(start.start_line, start.start_col, end.end_line, end.end_col), text)
    # Safe only where FastAPI is known to read Annotated markers: on < 0.95 the parameter
    # would become a query parameter, so an unknown version gets an unsafe fix.
    # typing.Annotated needs Python 3.9: a project that declares an older Python gets an
    # unsafe fix too.
    old_python = ctx.target.python is not None and ctx.target.python < (3, 9)
    applicability = Applicability.SAFE if ctx.target.fastapi_at_least(ANNOTATED_SINCE) and not old_python \
        else Applicability.UNSAFE
    return ctx.fix(applicability, f"Move `{ctx.code(marker.func)}` into `Annotated`", edit, import_edit)


def _may_lose_default(function: Function, node: cst.Param) -> bool:
    """Whether ``node`` can become a parameter without default: keyword-only, or no
    positional parameter before it has a default."""
    params = function.node.params
    positional = [*params.posonly_params, *params.params]
    index = next((i for i, p in enumerate(positional) if p is node), None)
    if index is None:
        return any(p is node for p in params.kwonly_params)
    before = positional[:index]
    return all(p.default is None for p in before)
