"""What one module tells the rest of the project: a small, picklable summary.

Workers build a :class:`ModuleSummary` from each parsed module's model; the main
process joins them into a :class:`~fastapi_lint.project.index.ProjectIndex`. A
summary holds no libcst node: names are canonical qualified names, places are
:class:`~fastapi_lint.diagnostics.Span` values computed in the worker.

Identifiers: a function is ``module.qualname``; an app or router is the qualified
name of the variable holding it (``app.main.app``), ``module.func.<locals>.name``
for one made inside a function, ``module.Class.attr`` for ``self.attr``, and
``module.func.<param>.name`` for one received as a parameter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from fastapi_lint import knowledge
from fastapi_lint.analysis import blocking_calls
from fastapi_lint.project.facts import (  # noqa: F401 (re-exported)
    DepRef, ParamSummary, FunctionSummary, Symbol, ContainerSummary, RouteSummary, IncludeSummary, HandlerSummary, ModuleSummary,
)
from fastapi_lint.model.nodes import Container, Dependency, Function, Parameter, literal_string
from fastapi_lint.names import ASSIGN, CLASS, FUNCTION, IMPORT, PARAM, TYPE_ALIAS, Scope, dotted_name, unwrap_type

if TYPE_CHECKING:
    from fastapi_lint.context import RuleContext
    from fastapi_lint.model.module import ModuleModel


def container_id(model: ModuleModel, container: Container) -> str:
    """The project-wide identifier of an app or router (see the module doc)."""
    scope = container.scope
    if container.name.startswith("self."):
        owner = _enclosing_class_qualname(scope)
        return f"{model.name}.{owner}.{container.name[5:]}" if owner else f"{model.name}.{container.name}"
    if container.node is None and container.binding is not None and container.binding.kind == PARAM:
        return f"{model.name}.{scope.qualname}.<param>.{container.name}"
    if scope.kind == "module":
        return f"{model.name}.{container.name}"
    return f"{model.name}.{scope.qualname}.<locals>.{container.name}"


def _enclosing_class_qualname(scope: Scope | None) -> str | None:
    while scope is not None:
        if scope.kind == "class":
            return scope.qualname
        if scope.kind == "function" and scope.owner is not None and scope.owner.class_ is not None:
            return scope.owner.class_.qualname
        scope = scope.parent
    return None


class _Builder:
    def __init__(self, model: ModuleModel, ctx: RuleContext) -> None:
        self.m = model
        self.ctx = ctx
        self.resolver = model.resolver
        self.ids = {id(c): container_id(model, c) for c in model.containers}
        self.by_binding = {id(c.binding): c for c in model.containers if c.binding is not None}

    def _endpoint_text(self, route) -> str:
        """Source of the endpoint argument when the handler is not a known function.

        ``add_api_route("/x", make_handler(runner))`` has no def to name; its
        argument's text (shortened to one line) names it instead.
        """
        arg = route.keyword("endpoint")
        if arg is None and len(route.call.args) >= 2 and route.call.args[1].keyword is None:
            arg = route.call.args[1]
        if arg is None or route.decorator is not None:
            return ""
        text = " ".join(self.ctx.code(arg.value).split())
        return text if len(text) <= 60 else text[:57] + "..."

    def dep(self, dependency: Dependency | None, origin: str | None = None) -> DepRef | None:
        if dependency is None:
            return None
        call = None
        target = dependency.target
        if isinstance(dependency.target_node, cst.Call) and not dependency.instance:
            call = self.resolver.callee(dependency.target_node, self.m.scope)
        text = dotted_name(dependency.target_node) or (
            f"{dotted_name(dependency.target_node.func)}()" if isinstance(dependency.target_node, cst.Call) else "")
        return DepRef(dependency.kind, target, origin or dependency.origin, call, dependency.scheme, text or "",
                      dependency.instance)

    def param(self, parameter: Parameter, scope: Scope) -> ParamSummary:
        annotation = None
        if parameter.annotation is not None:
            inner = parameter.annotation
            annotation = self.resolver.qualified_name(inner, scope) if isinstance(
                inner, (cst.Name, cst.Attribute)) else None
        return ParamSummary(parameter.name, parameter.source, parameter.type, annotation, self.dep(parameter.dependency))

    def build(self) -> ModuleSummary:
        m = self.m
        summary = ModuleSummary(m.name, self.ctx.path, m.resolver.is_package)
        summary.star_imports = tuple(m.scope.star_imports)
        self.symbols(summary)
        self.functions(summary)
        for container in m.containers:
            cid = self.ids[id(container)]
            prefix_arg = container.keyword("prefix")
            prefix = ""
            if prefix_arg is not None:
                literal = literal_string(prefix_arg.value)
                prefix = literal if literal is not None else f"<{self.ctx.code(prefix_arg.value)}>"
            summary.containers[cid] = ContainerSummary(
                cid, "app" if container.is_app else "router", container.class_name, container.name, prefix,
                tuple(d for d in (self.dep(x) for x in container.dependencies) if d is not None),
                self.ctx.span(container.node) if container.node is not None else None,
            )
        for index, route in enumerate(m.routes):
            handler = route.handler
            scope = handler.parent_scope if handler is not None else m.scope
            owner = self.ids.get(id(route.owner)) if route.owner is not None else None
            if owner is None and isinstance(route.call.func, cst.Attribute):
                owner = self.resolver.qualified_name(route.call.func.value, scope)
            anchor = handler.node.name if handler is not None else route.call
            model_arg = route.response_model
            summary.routes.append(RouteSummary(
                index=index, owner=owner, methods=route.methods, path=route.path,
                handler=f"{m.name}.{handler.qualname}" if handler is not None else None,
                handler_name=handler.name if handler is not None else self._endpoint_text(route),
                is_async=handler.is_async if handler is not None else False,
                params=tuple(self.param(p, scope) for p in route.parameters),
                dependencies=tuple(d for d in (self.dep(x) for x in route.dependencies) if d is not None),
                response_model=self.ctx.code(model_arg.value) if model_arg is not None else (
                    self.ctx.code(route.return_annotation) if route.return_annotation is not None else None),
                span=self.ctx.span(anchor),
                line=self.ctx.line(route.decorator or route.call),
            ))
        for include in m.includes:
            scope = m.scope
            owner = self.ids.get(id(include.owner)) if include.owner is not None else None
            child = self.ids.get(id(include.router)) if include.router is not None else include.target
            factory = None
            if isinstance(include.router_node, cst.Call):
                factory = self.resolver.callee(include.router_node, scope)
            if owner is None and isinstance(include.node.func, cst.Attribute):
                owner = self.resolver.qualified_name(include.node.func.value, scope)
            prefix = include.prefix if include.prefix is not None else "<?>"
            summary.includes.append(IncludeSummary(
                owner, child, factory, prefix,
                tuple(d for d in (self.dep(x) for x in include.dependencies) if d is not None),
                self.ctx.line(include.node),
            ))
        for site in m.calls:
            func = site.node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "mount":
                owner = self._container_of(func.value, site.scope)
                path_arg = site.argument("path", 0)
                app_arg = site.argument("app", 1)
                if owner is not None and path_arg is not None and app_arg is not None:
                    summary.mounts.append((owner, literal_string(path_arg.value) or "<?>",
                                           self._container_of(app_arg.value, site.scope)))
            callee = site.callee
            if callee is not None and not is_library(callee):
                for position, arg in enumerate(site.node.args):
                    if arg.keyword is None and not arg.star:
                        target = self._container_of(arg.value, site.scope)
                        if target is not None:
                            summary.container_arguments.append((callee, position, target))
        for handler in m.exception_handlers:
            owner = self.ids.get(id(handler.owner)) if handler.owner is not None else \
                self._receiver(handler.node, m.scope)
            summary.exception_handlers.append(HandlerSummary(owner, handler.exception))
        for registration in m.middleware_registrations:
            owner = self.ids.get(id(registration.owner)) if registration.owner is not None else \
                self._receiver(registration.node, m.scope)
            summary.middleware.append((owner, registration.middleware_class))
        for middleware in m.middleware:
            if middleware.kind in ("http", "base-http") and any(
                site.awaited and any(h.is_broad for block in site.trys for h in block.handlers)
                for site in middleware.function.calls
            ):
                owner = self.ids.get(id(middleware.owner)) if middleware.owner is not None else None
                summary.catch_all_middleware.append(owner)
        return summary

    def _receiver(self, node: cst.CSTNode, scope: Scope) -> str | None:
        """The app a registration call or decorator is made on (qualified), if any."""
        call = node.decorator if isinstance(node, cst.Decorator) else node
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute):
            return self._container_of(call.func.value, scope)
        return None

    def _container_of(self, expr: cst.BaseExpression, scope: Scope) -> str | None:
        if isinstance(expr, cst.Name):
            for binding in reversed(scope.lookup_all(expr.value)):
                container = self.by_binding.get(id(binding))
                if container is not None:
                    return self.ids[id(container)]
        return self.resolver.qualified_name(expr, scope)

    def symbols(self, summary: ModuleSummary) -> None:
        resolver = self.resolver
        for name, bindings in self.m.scope.bindings.items():
            binding = bindings[-1]
            if binding.kind == IMPORT:
                summary.symbols[name] = Symbol("import", target=binding.qualified)
            elif binding.kind == FUNCTION:
                summary.symbols[name] = Symbol("function", target=binding.qualified)
            elif binding.kind == CLASS:
                summary.symbols[name] = Symbol("class", target=binding.qualified, bases=binding.definition.bases)
            elif binding.kind in (ASSIGN, TYPE_ALIAS):
                value = binding.value
                alias = resolver.qualified_name(value, binding.scope) if isinstance(
                    value, (cst.Name, cst.Attribute)) else None
                callee = resolver.callee(value, binding.scope) if isinstance(value, cst.Call) else None
                annotated = None
                if isinstance(value, cst.Subscript) and resolver.qualified_name(
                        value.value, binding.scope) == knowledge.ANNOTATED:
                    annotated = self._annotated(value, binding.scope)
                container = self.by_binding.get(id(binding))
                summary.symbols[name] = Symbol(
                    "assign", target=alias if container is None else self.ids[id(container)],
                    value_type=resolver.type_of(value, binding.scope) if value is not None else None,
                    callee=callee, annotated=annotated,
                )

    def _annotated(self, value: cst.Subscript, scope: Scope) -> tuple[str | None, DepRef | None]:
        from fastapi_lint.model.builder import _Linker

        elements = [e.slice.value for e in value.slice if isinstance(e.slice, cst.Index)]
        base = self.resolver.annotation_type(elements[0], scope) if elements else None
        dep = None
        linker = _Linker(self.m)
        for meta in elements[1:]:
            if isinstance(meta, cst.Call):
                found = linker.dependency(meta, scope, "parameter", base)
                if found is not None:
                    dep = self.dep(found)
                    break
        return base, dep

    def functions(self, summary: ModuleSummary) -> None:
        resolver = self.resolver
        dependency_params = {id(d.function): d.parameters for d in self.m.dependency_functions}
        route_params = {id(r.handler): r.parameters for r in self.m.routes if r.handler is not None}
        for function in self.m.functions:
            params = dependency_params.get(id(function)) or route_params.get(id(function))
            if params is None:
                params = _plain_params(function, resolver)
            scope = function.parent_scope
            yield_types = tuple(resolver.type_of(y.value, function.scope) for y in function.yields
                                if y.value is not None and not isinstance(y.value, cst.From))
            return_types = tuple(resolver.type_of(r.value, function.scope) for r in function.returns
                                 if r.value is not None)
            annotation = None
            if function.node.returns is not None:
                annotation = resolver.annotation_type(function.node.returns.annotation, scope)
            returns_container = None
            for ret in function.returns:
                if isinstance(ret.value, cst.Name):
                    for binding in reversed(function.scope.lookup_all(ret.value.value)):
                        container = self.by_binding.get(id(binding))
                        if container is not None:
                            returns_container = self.ids[id(container)]
                            break
            blocking = tuple((site.callee or "", kind.name) for site, kind in blocking_calls(function))
            calls = tuple(dict.fromkeys(
                site.callee for site in function.calls
                if site.callee is not None and not is_library(site.callee)
            ))
            param_names = {p.name.value for p in function.params}
            untyped = {p.name for p in (self.param(x, scope) for x in params) if p.type is None or not is_library(
                p.type)}
            param_calls = []
            for site in function.calls:
                func = site.node.func
                if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and \
                        func.value.value in param_names and func.value.value in untyped and site.callee is None:
                    param_calls.append((func.value.value, func.attr.value))
            summary.functions[f"{self.m.name}.{function.qualname}"] = FunctionSummary(
                qualname=function.qualname, is_async=function.is_async, is_generator=function.is_generator,
                params=tuple(self.param(p, scope) for p in params), yield_types=yield_types,
                return_types=return_types, return_annotation=annotation, blocking=blocking, calls=calls,
                returns_container=returns_container, param_calls=tuple(dict.fromkeys(param_calls)),
            )


def _plain_params(function: Function, resolver) -> tuple[Parameter, ...]:
    out = []
    for param in function.params:
        annotation = param.annotation.annotation if param.annotation is not None else None
        inner = unwrap_type(annotation, function.parent_scope) if annotation is not None else None
        out.append(Parameter(param, param.name.value, "implicit", inner,
                             resolver.annotation_type(annotation, function.parent_scope)))
    return tuple(out)


_LIBRARY_ROOTS = frozenset({
    "builtins", "fastapi", "starlette", "pydantic", "pydantic_settings", "sqlalchemy", "sqlmodel", "typing",
    "typing_extensions", "requests", "httpx", "aiohttp", "asyncio", "anyio", "logging", "json", "os", "sys", "re",
    "time", "datetime", "uuid", "pathlib", "subprocess", "collections", "functools", "itertools", "dataclasses",
    "enum", "redis", "celery", "jose", "jwt", "passlib", "bcrypt", "boto3", "botocore", "smtplib", "urllib",
    "urllib3", "math", "random", "hashlib", "hmac", "base64", "secrets", "io", "shutil", "tempfile", "contextlib",
    "inspect", "traceback", "copy", "abc", "decimal", "fractions", "string", "textwrap", "warnings", "threading",
    "multiprocessing", "concurrent", "socket", "ssl", "http", "email", "csv", "zipfile", "gzip", "pickle",
    "sqlite3", "psycopg2", "psycopg", "pymysql", "asyncpg", "motor", "pymongo", "numpy", "pandas", "yaml",
    "orjson", "ujson", "aiofiles", "tortoise", "databases", "alembic", "uvicorn", "gunicorn", "openai",
    "structlog", "loguru", "sentry_sdk", "opentelemetry", "prometheus_client", "tenacity", "cachetools",
})


def is_library(qualified: str) -> bool:
    """Whether a qualified name belongs to the standard library or a well-known library
    (never to the project): such calls are not followed across modules."""
    import sys

    root = qualified.partition(".")[0]
    return root in _LIBRARY_ROOTS or root in sys.stdlib_module_names


def summarize(model: ModuleModel, ctx: RuleContext) -> ModuleSummary:
    """The summary of a module (positions come from ``ctx``)."""
    return _Builder(model, ctx).build()
