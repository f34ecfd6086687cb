"""The FastAPI model of one module: what the rules ask about.

Objects are frozen dataclasses compared by identity; they keep the libcst nodes
they were built from, so rules can report on them and build fixes. Lists inside
them are filled by :mod:`fastapi_lint.model.builder` and must be treated as
read-only by rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Union

import libcst as cst

from fastapi_lint import knowledge
from fastapi_lint.names import Binding, Scope

if TYPE_CHECKING:
    from fastapi_lint.model.module import ModuleModel


# --- plain Python structure -------------------------------------------------


@dataclass(frozen=True, eq=False)
class Handler:
    """One ``except`` clause."""

    node: cst.ExceptHandler
    scope: Scope

    @cached_property
    def types(self) -> tuple[str | None, ...]:
        """Canonical names of the classes it catches (see :func:`handler_types`)."""
        return handler_types(self.node, self.scope)

    @property
    def is_bare(self) -> bool:
        return self.node.type is None

    @property
    def is_broad(self) -> bool:
        """``except:``, ``except Exception`` or ``except BaseException`` (see :func:`is_broad_handler`)."""
        return self.is_bare or any(t in knowledge.BROAD_EXCEPTIONS for t in self.types)


def handler_types(handler: cst.ExceptHandler | cst.ExceptStarHandler, scope: Scope) -> tuple[str | None, ...]:
    """Canonical names of the classes an ``except`` clause catches: empty for a bare
    ``except:``, ``None`` for a name that does not resolve or has several bindings
    that may differ (``try: from prisma.errors import E`` / ``except ImportError: E =
    Exception``). The one answer every rule and the model use."""
    expr = handler.type
    if expr is None:
        return ()
    elements = [e.value for e in expr.elements] if isinstance(expr, cst.Tuple) else [expr]
    return tuple(_exception_class(e, scope) for e in elements)


def _exception_class(expr: cst.BaseExpression, scope: Scope) -> str | None:
    if isinstance(expr, cst.Name):
        bindings = scope.lookup_all(expr.value)
        if len(bindings) > 1 and len({b.qualified or id(b) for b in bindings}) > 1:
            return None
    return scope.resolver.qualified_name(expr, scope)


def is_broad_handler(handler: cst.ExceptHandler | cst.ExceptStarHandler, scope: Scope) -> bool:
    """``except:``, ``except Exception`` or ``except BaseException`` (also in a tuple)."""
    return handler.type is None or any(t in knowledge.BROAD_EXCEPTIONS for t in handler_types(handler, scope))


@dataclass(frozen=True, eq=False)
class TryBlock:
    """A ``try`` statement whose *body* encloses something (``try``/``try*``)."""

    node: Union[cst.Try, cst.TryStar]
    handlers: tuple[Handler, ...]


@dataclass(frozen=True, eq=False)
class CallSite:
    """A call expression and where it stands.

    ``function`` is the innermost enclosing ``def`` (``None`` at module level, in a
    class body or in a lambda: check ``scope.kind``). ``trys`` are the ``try``
    bodies around it inside that function, outermost first. ``statement`` is the
    simple statement (or compound-statement header) that contains it.
    """

    node: cst.Call
    scope: Scope
    function: Function | None
    trys: tuple[TryBlock, ...]
    statement: cst.CSTNode
    awaited: bool = False

    @cached_property
    def callee(self) -> str | None:
        """Canonical qualified name of what is called (see :meth:`Resolver.callee`)."""
        return self.scope.resolver.callee(self.node, self.scope)

    def argument(self, keyword: str, position: int | None = None) -> cst.Arg | None:
        """The argument passed as ``keyword=`` or at 0-based ``position``."""
        return argument(self.node, keyword, position)

    @property
    def is_expression_statement(self) -> bool:
        return isinstance(self.statement, cst.Expr) and self.statement.value is self.node


def argument(call: cst.Call, keyword: str, position: int | None = None) -> cst.Arg | None:
    """The argument of ``call`` passed as ``keyword=`` or at 0-based ``position``.

    After a ``*args`` the positions of later arguments are unknown: ``None``.
    """
    index = 0
    positions_known = True
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value == keyword:
                return arg
        elif arg.star == "*":
            positions_known = False
        elif arg.star == "":
            if position is not None and positions_known and index == position:
                return arg
            index += 1
    return None


@dataclass(frozen=True, eq=False)
class Function:
    """A ``def`` or ``async def``.

    ``qualname`` is Python's ``__qualname__`` (``create_app.<locals>.index``);
    ``calls``, ``returns``, ``yields`` and ``raises`` hold what appears directly in
    its body, not in nested functions, classes or lambdas.
    """

    node: cst.FunctionDef
    name: str
    qualname: str
    scope: Scope
    parent_scope: Scope
    class_: Class | None
    calls: list[CallSite] = field(default_factory=list)
    returns: list[cst.Return] = field(default_factory=list)
    yields: list[cst.Yield] = field(default_factory=list)
    raises: list[cst.Raise] = field(default_factory=list)

    @property
    def is_async(self) -> bool:
        return self.node.asynchronous is not None

    @property
    def is_generator(self) -> bool:
        return bool(self.yields)

    @property
    def is_method(self) -> bool:
        return self.class_ is not None and self.parent_scope.kind == "class"

    @property
    def params(self) -> list[cst.Param]:
        p = self.node.params
        return [*p.posonly_params, *p.params, *p.kwonly_params]

    @property
    def docstring(self) -> str | None:
        return self.node.get_docstring()


@dataclass(frozen=True, eq=False)
class Class:
    """A ``class`` statement."""

    node: cst.ClassDef
    name: str
    qualname: str
    scope: Scope
    methods: dict[str, Function] = field(default_factory=dict)

    @cached_property
    def bases(self) -> tuple[str | None, ...]:
        """Canonical names of its base classes (``None`` for one that does not resolve)."""
        outer = self.scope.parent or self.scope
        return tuple(
            self.scope.resolver.qualified_name(arg.value, outer) for arg in self.node.bases if arg.keyword is None
        )


# --- FastAPI ----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Dependency:
    """A ``Depends(...)``/``Security(...)``, wherever it is declared.

    ``target`` is the canonical qualified name of the dependency callable when it
    resolves; ``function`` its ``def`` when it is in this module (for a class
    dependency, its ``__init__``; for a callable instance, its ``__call__``);
    ``scheme`` the security scheme class when the dependency is an instance of
    one (``Depends(oauth2_scheme)``). ``origin`` says where it was declared:
    ``parameter``, ``decorator``, ``router``, ``app`` or ``include``.
    """

    node: cst.Call | None
    kind: str
    origin: str
    target_node: cst.BaseExpression | None
    target: str | None
    function: Function | None = None
    class_: Class | None = None
    scheme: str | None = None
    scopes: tuple[str, ...] = ()
    #: the dependency is an instance (``Depends(RoleChecker("admin"))``): FastAPI calls
    #: its ``__call__``; ``target`` is then its class
    instance: bool = False

    @property
    def is_security(self) -> bool:
        return self.kind == "security"


@dataclass(frozen=True, eq=False)
class Parameter:
    """A parameter of a path operation or dependency.

    ``source`` is where FastAPI reads it from: ``path``, ``query``, ``body``,
    ``header``, ``cookie``, ``form``, ``file``, ``depends``, ``security``,
    ``request``, ``websocket``, ``background-tasks``, ``response``,
    ``security-scopes`` or ``implicit`` (no marker: query or body by type).
    ``type`` is the canonical class of its annotation, when it resolves.
    """

    node: cst.Param
    name: str
    source: str
    annotation: cst.BaseExpression | None
    type: str | None
    marker: cst.Call | None = None
    dependency: Dependency | None = None


@dataclass(frozen=True, eq=False)
class Container:
    """An application or router object (see :class:`App` and :class:`Router`).

    ``node`` is its constructor call, or ``None`` when the module receives it (a
    parameter ``app: FastAPI``) or imports it. ``name`` is how the module refers to
    it (``app``, ``router``, ``self.router``).
    """

    name: str
    node: cst.Call | None
    class_name: str
    scope: Scope
    binding: Binding | None
    routes: list[Route] = field(default_factory=list)
    dependencies: list[Dependency] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    middleware: list[MiddlewareRegistration] = field(default_factory=list)
    exception_handlers: list[ExceptionHandler] = field(default_factory=list)

    def keyword(self, name: str) -> cst.Arg | None:
        return argument(self.node, name) if self.node is not None else None

    @property
    def is_app(self) -> bool:
        return isinstance(self, App)


@dataclass(frozen=True, eq=False)
class App(Container):
    """A ``FastAPI(...)`` (or Starlette) application."""


@dataclass(frozen=True, eq=False)
class Router(Container):
    """An ``APIRouter(...)`` (or a subclass of it)."""

    @property
    def prefix(self) -> str | None:
        arg = self.keyword("prefix")
        return literal_string(arg.value) if arg is not None else ""


@dataclass(frozen=True, eq=False)
class Route:
    """A path operation.

    ``owner`` is the app or router it is registered on when the model knows it
    (``None`` when the receiver is imported or received untyped). ``methods`` are
    upper-case HTTP methods, ``("WEBSOCKET",)`` for a websocket route. ``path`` is
    the literal path, ``None`` when it is not a literal. ``call`` is the decorator
    call (``@router.get(...)``) or the ``add_api_route(...)`` call.
    """

    owner: Container | None
    receiver: str
    methods: tuple[str, ...]
    path: str | None
    call: cst.Call
    decorator: cst.Decorator | None
    handler: Function | None
    parameters: tuple[Parameter, ...] = ()
    dependencies: tuple[Dependency, ...] = ()

    @property
    def is_websocket(self) -> bool:
        return self.methods == ("WEBSOCKET",)

    def keyword(self, name: str) -> cst.Arg | None:
        return argument(self.call, name)

    @property
    def response_model(self) -> cst.Arg | None:
        return self.keyword("response_model")

    @property
    def response_class(self) -> cst.Arg | None:
        return self.keyword("response_class")

    @property
    def status_code(self) -> cst.Arg | None:
        return self.keyword("status_code")

    @property
    def return_annotation(self) -> cst.BaseExpression | None:
        if self.handler is None or self.handler.node.returns is None:
            return None
        return self.handler.node.returns.annotation

    def all_dependencies(self) -> list[Dependency]:
        """Decorator dependencies, then parameter dependencies (this module only)."""
        return [*self.dependencies, *(p.dependency for p in self.parameters if p.dependency is not None)]


@dataclass(frozen=True, eq=False)
class DependencyFunction:
    """A function FastAPI calls as a dependency (its ``def`` is in this module)."""

    function: Function
    parameters: tuple[Parameter, ...] = ()

    @property
    def is_generator(self) -> bool:
        return self.function.is_generator


@dataclass(frozen=True, eq=False)
class Middleware:
    """Middleware code: ``kind`` is ``http`` (``@app.middleware("http")``),
    ``base-http`` (``BaseHTTPMiddleware.dispatch``) or ``asgi`` (``__call__`` of a
    class registered with ``add_middleware``)."""

    kind: str
    function: Function
    owner: Container | None = None
    class_: Class | None = None


@dataclass(frozen=True, eq=False)
class MiddlewareRegistration:
    """``app.add_middleware(Cls, ...)`` or ``Middleware(Cls, ...)`` in ``FastAPI(middleware=[...])``."""

    node: cst.Call
    owner: Container | None
    middleware_class: str | None
    class_node: cst.BaseExpression | None
    class_: Class | None = None

    def keyword(self, name: str) -> cst.Arg | None:
        return argument(self.node, name)


@dataclass(frozen=True, eq=False)
class ExceptionHandler:
    """An exception handler: ``exception`` is a canonical class name or an HTTP
    status code (``@app.exception_handler(404)``), ``None`` when unresolved."""

    node: cst.CSTNode
    owner: Container | None
    exception: str | int | None
    function: Function | None


@dataclass(frozen=True, eq=False)
class Include:
    """``parent.include_router(child, prefix=..., dependencies=[...])``."""

    node: cst.Call
    owner: Container | None
    router_node: cst.BaseExpression | None
    router: Container | None
    target: str | None
    prefix: str | None
    dependencies: tuple[Dependency, ...] = ()


@dataclass(frozen=True, eq=False)
class SecurityScheme:
    """An instance of a ``fastapi.security`` class (``oauth2_scheme = OAuth2PasswordBearer(...)``)."""

    name: str
    node: cst.Call
    class_name: str
    binding: Binding | None


def literal_string(expr: cst.CSTNode | None) -> str | None:
    """The value of a plain string literal (implicit concatenation included), else ``None``."""
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = expr.evaluated_value
        except Exception:  # pragma: no cover - malformed escapes
            return None
        if isinstance(value, bytes):
            return None
        return value
    return None


def literal_int(expr: cst.CSTNode | None) -> int | None:
    """The value of an integer literal, or of ``status.HTTP_204_NO_CONTENT``-style names."""
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.evaluated_value)
        except ValueError:
            return None
    if isinstance(expr, (cst.Attribute, cst.Name)):
        name = expr.attr.value if isinstance(expr, cst.Attribute) else expr.value
        if name.startswith(("HTTP_", "WS_")):
            digits = name.split("_")[1]
            if digits.isdigit():
                return int(digits)
    return None


__all__ = [
    "App",
    "CallSite",
    "Class",
    "Container",
    "Dependency",
    "DependencyFunction",
    "ExceptionHandler",
    "Function",
    "Handler",
    "Include",
    "Middleware",
    "MiddlewareRegistration",
    "ModuleModel",
    "Parameter",
    "Route",
    "Router",
    "SecurityScheme",
    "TryBlock",
    "argument",
    "literal_int",
    "literal_string",
]
