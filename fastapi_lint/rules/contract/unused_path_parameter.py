"""FAPI302 unused-path-parameter."""

from __future__ import annotations

import re

from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.nodes import Dependency, Parameter, Route, Router, argument, literal_string
from fastapi_lint.project.context import ProjectContext
from fastapi_lint.rules.base import Rule

_PATH_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}")


def path_parameters(path: str) -> list[str]:
    """Names in the ``{name}`` / ``{name:converter}`` segments of a route path."""
    return _PATH_PARAM.findall(path)


class UnusedPathParameter(Rule):
    """## What it does
    Checks that the path parameters of a route and the parameters of its handler
    agree:

    - a `{name}` in the route's path (its router's prefix included, when the router
      is in the same module) that no parameter of the handler or of its dependencies
      receives;
    - a handler parameter declared with `Path(...)` whose name (or alias) is in no
      path that serves the route (all prefixes joined, across modules).

    ## Why is this bad?
    A `{name}` nobody receives is usually a renamed parameter (`{item_id}` in the
    path, `id` in the signature): FastAPI then reads `id` from the *query string*,
    so every request fails validation with 422 or, when `id` has a default, silently
    ignores the path. A `Path(...)` parameter missing from the path can never be
    filled: FastAPI rejects every request for it.

    ## Known problems
    A handler (or dependency) taking the `Request`, or `**kwargs`, may read
    `request.path_params` itself: its route is not checked. Dependencies the linter
    cannot see (from another module, or an include call's) make the first check
    skip the route.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items/{item_id}")
    def read_item(id: int) -> dict:
        return {"id": id}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items/{item_id}")
    def read_item(item_id: int) -> dict:
        return {"id": item_id}
    ```

    ## References
    - FastAPI: [Path Parameters](https://fastapi.tiangolo.com/tutorial/path-params/)
    - FastAPI: [Path Parameters and Numeric Validations](https://fastapi.tiangolo.com/tutorial/path-params-numeric-validations/)

    ## Judging
    True when a path parameter in the route's path has no matching handler
    parameter (or the reverse) in a way that makes a request fail or a parameter
    silently read from the query string.
    """

    code = "FAPI302"
    name = "unused-path-parameter"
    summary = "Path parameter and handler parameters disagree"
    severity = Severity.ERROR
    tags = ("correctness", "api-contract")

    def check_route(self, route: Route, ctx: RuleContext) -> None:
        handler = route.handler
        if handler is None or route.path is None:
            return
        path = route.path
        owner = route.owner
        if isinstance(owner, Router):
            prefix = owner.prefix
            if prefix is None:
                return
            path = prefix + path
        received = _received(route, ctx)
        if received is not None:
            for name in dict.fromkeys(path_parameters(path)):
                if name not in received:
                    path_arg = argument(route.call, "path", 0)
                    ctx.report(
                        path_arg.value if path_arg is not None else route.call,
                        f"Path parameter `{{{name}}}` of `{route.path}` is received by no parameter of "
                        f"`{handler.name}` or its dependencies: a renamed parameter is read from the query "
                        f"string instead, and requests fail with 422",
                        help=f"Name a parameter of `{handler.name}` `{name}` (or use `Path(alias=\"{name}\")`)",
                    )
        for index, parameter in enumerate(route.parameters):
            name = _path_marker_name(parameter, handler.parent_scope)
            if name is not None:
                ctx.defer(parameter.node, module=ctx.model.name, route=ctx.model.routes.index(route), name=name,
                          param=parameter.name, handler=handler.name)

    def check_project(self, project: ProjectContext) -> None:
        for item in project.deferred():
            data = item.data
            instances = [i for i in project.tree.instances
                         if i.module.name == data["module"] and i.route.index == data["route"]]
            if not instances or any(i.app is None or i.full_path is None for i in instances):
                continue  # a router no app includes may get its prefix elsewhere
            if any(data["name"] in path_parameters(i.full_path or "") for i in instances):
                continue
            paths = ", ".join(f"`{p}`" for p in dict.fromkeys(i.full_path for i in instances))
            project.report(
                item.path, item.span,
                f"Parameter `{data['param']}` of `{data['handler']}` is declared `Path(...)` but {paths} has no "
                f"`{{{data['name']}}}`: FastAPI can never fill it",
                help=f"Add `{{{data['name']}}}` to the path, or make it a query parameter",
            )


def _path_marker_name(parameter: Parameter, scope) -> str | None:
    """The name a ``Path(...)`` parameter reads (its alias when given)."""
    marker = parameter.marker
    if marker is None or parameter.source != "path" or argument(marker, "validation_alias") is not None:
        return None
    alias = argument(marker, "alias")
    if alias is not None:
        return literal_string(alias.value)
    return parameter.name


def _received(route: Route, ctx: RuleContext) -> set[str] | None:
    """Every name the handler and its dependencies receive; ``None`` when some of
    them cannot be known (``**kwargs``, the ``Request``, unseen dependencies)."""
    by_function = {id(d.function): d for d in ctx.model.dependency_functions}
    names: set[str] = set()
    seen: set[int] = set()
    dependencies: list[Dependency] = [*route.dependencies]
    if route.owner is not None:
        dependencies.extend(route.owner.dependencies)
    if route.handler is not None and route.handler.node.params.star_kwarg is not None:
        return None
    if not _collect(route.parameters, names, dependencies):
        return None
    while dependencies:
        dependency = dependencies.pop()
        function = dependency.function
        if function is None:
            return None
        if id(function) in seen:
            continue
        seen.add(id(function))
        if function.node.params.star_kwarg is not None:
            return None
        entry = by_function.get(id(function))
        if entry is None:
            return None
        if not _collect(entry.parameters, names, dependencies):
            return None
    return names


def _collect(parameters: tuple[Parameter, ...], names: set[str], dependencies: list[Dependency]) -> bool:
    for parameter in parameters:
        if parameter.source in ("request", "websocket"):
            return False
        marker = parameter.marker
        if marker is not None and argument(marker, "validation_alias") is not None:
            # Pydantic's validation_alias (a name, or AliasChoices/AliasPath) decides what is read
            value = literal_string(argument(marker, "validation_alias").value)
            if value is None:
                return False
            names.add(value)
        alias = argument(marker, "alias") if marker is not None else None
        value = literal_string(alias.value) if alias is not None else None
        names.add(value or parameter.name)
        if parameter.dependency is not None:
            dependencies.append(parameter.dependency)
    return True

