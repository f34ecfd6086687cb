"""The model of one module: its structure and the FastAPI objects in it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from fastapi_lint.model.nodes import (
    App,
    CallSite,
    Class,
    Container,
    DependencyFunction,
    ExceptionHandler,
    Function,
    Include,
    Middleware,
    MiddlewareRegistration,
    Route,
    Router,
    SecurityScheme,
)
from fastapi_lint.names import Resolver, Scope
from fastapi_lint.source import SourceFile


@dataclass(frozen=True, eq=False)
class Assignment:
    """An assignment statement (``=``, annotated, walrus): targets are expressions."""

    node: cst.CSTNode
    targets: tuple[cst.BaseExpression, ...]
    value: cst.BaseExpression | None
    annotation: cst.BaseExpression | None
    scope: Scope
    function: Function | None


@dataclass(frozen=True, eq=False)
class Located:
    """A node of interest with the scope and function it appears in."""

    node: cst.CSTNode
    scope: Scope
    function: Function | None
    statement: cst.CSTNode | None


@dataclass(eq=False)
class ModuleModel:
    """Everything the rules know about one module.

    Structure: ``functions``, ``classes``, ``calls`` (every call, in source order),
    ``assignments``, ``strings`` (every string literal not part of a larger one),
    ``comparisons``, ``dicts`` and ``params`` (every ``Param`` node).

    FastAPI: ``apps``, ``routers``, ``routes``, ``dependency_functions``,
    ``middleware``, ``middleware_registrations``, ``exception_handlers``,
    ``includes`` and ``security_schemes``.
    """

    source: SourceFile
    tree: cst.Module
    name: str
    resolver: Resolver
    scope: Scope
    functions: list[Function] = field(default_factory=list)
    classes: list[Class] = field(default_factory=list)
    calls: list[CallSite] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    strings: list[Located] = field(default_factory=list)
    comparisons: list[Located] = field(default_factory=list)
    dicts: list[Located] = field(default_factory=list)
    params: list[Located] = field(default_factory=list)
    imports_fastapi: bool = False
    apps: list[App] = field(default_factory=list)
    routers: list[Router] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    dependency_functions: list[DependencyFunction] = field(default_factory=list)
    middleware: list[Middleware] = field(default_factory=list)
    middleware_registrations: list[MiddlewareRegistration] = field(default_factory=list)
    exception_handlers: list[ExceptionHandler] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    security_schemes: list[SecurityScheme] = field(default_factory=list)
    #: every statement in source order, and the innermost statement of every code node
    statements: list[cst.CSTNode] = field(default_factory=list)
    statement_of: dict[cst.CSTNode, cst.CSTNode] = field(default_factory=dict)
    #: CPython's ``ast`` of the same source (positions use it), when available
    ast_tree: Any = None

    @property
    def containers(self) -> list[Container]:
        return [*self.apps, *self.routers]

    def calls_to(self, names: Iterable[str]) -> Iterator[CallSite]:
        """Calls whose callee is one of ``names`` (canonical qualified names)."""
        wanted = frozenset(names)
        for call in self.calls:
            if call.callee in wanted:
                yield call

    def is_first_route_of_handler(self, route: Route) -> bool:
        """Whether ``route`` is the first of the module's routes with its handler: a
        function under several route decorators is one path operation to report on
        once (rules that judge the handler ask this)."""
        firsts = self.__dict__.get("_first_routes")
        if firsts is None:
            firsts = {}
            for each in self.routes:
                if each.handler is not None:
                    firsts.setdefault(id(each.handler), each)
            self.__dict__["_first_routes"] = firsts
        return route.handler is None or firsts.get(id(route.handler)) is route

    def route_handlers(self) -> set[Function]:
        return {r.handler for r in self.routes if r.handler is not None}

    def function_of(self, node: cst.FunctionDef) -> Function | None:
        for function in self.functions:
            if function.node is node:
                return function
        return None
