"""Questions several rules ask of functions: which calls block, which can fail,
what a function returns."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import libcst as cst

from fastapi_lint import knowledge
from fastapi_lint.knowledge import CallKind
from fastapi_lint.model.module import ModuleModel
from fastapi_lint.model.nodes import CallSite, Function, handler_types, is_broad_handler, literal_string


@dataclass(frozen=True)
class RouteFunction:
    """A function FastAPI runs per request: a path operation, dependency or middleware.

    ``role`` is ``path operation``, ``dependency`` or ``middleware``.
    """

    function: Function
    role: str


def request_functions(model: ModuleModel) -> list[RouteFunction]:
    """Every function of the module that FastAPI runs per request, each once."""
    out: list[RouteFunction] = []
    seen: set[int] = set()

    def add(function: Function | None, role: str) -> None:
        if function is not None and id(function) not in seen:
            seen.add(id(function))
            out.append(RouteFunction(function, role))

    for route in model.routes:
        add(route.handler, "path operation")
    for dependency in model.dependency_functions:
        add(dependency.function, "dependency")
    for middleware in model.middleware:
        add(middleware.function, "middleware")
    return out


def describe_call(site: CallSite) -> str:
    """How a message names a call: its source (``db.commit()``), and what it resolves
    to when that differs (``nap()`` -> ``time.sleep``)."""
    from fastapi_lint.names import dotted_name

    written = dotted_name(site.node.func)
    callee = site.callee
    if written is None:
        return f"`{callee}()`"
    if callee is None or callee == written or callee.endswith("." + written):
        return f"`{written}()`"
    return f"`{written}()` (`{callee}`)"


def blocking_kind(site: CallSite, extra: Iterable[str] = ()) -> CallKind | None:
    """The kind of blocking I/O a call performs, or ``None``.

    ``extra`` are qualified names configured as blocking.
    """
    return blocking_kind_of(site.callee, extra)


_CONFIGURED = CallKind("configured", (), frozenset(), "an async alternative or `await run_in_threadpool(...)`")


def blocking_kind_of(callee: str | None, extra: Iterable[str] = ()) -> CallKind | None:
    """The kind of blocking I/O calling the qualified name ``callee`` performs, or ``None``."""
    if callee is None:
        return None
    kind = _known_blocking_kind(callee)
    if kind is not None:
        return kind
    return _CONFIGURED if callee in extra else None


@lru_cache(maxsize=65536)
def _known_blocking_kind(callee: str) -> CallKind | None:
    for kind in knowledge.BLOCKING_KINDS:
        if kind.matches(callee):
            return kind
    return None


def blocking_calls(function: Function, extra: Iterable[str] = ()) -> Iterator[tuple[CallSite, CallKind]]:
    """Blocking calls made directly in ``function``'s body (not in nested functions or
    lambdas, which run only when called, e.g. by ``run_in_threadpool``)."""
    extra = frozenset(extra)
    for site in function.calls:
        if site.awaited:
            continue  # awaiting it means it is not the sync API
        kind = blocking_kind(site, extra)
        if kind is not None:
            yield site, kind


def fallible_kind(site: CallSite, kinds: frozenset[str]) -> CallKind | None:
    """The kind of fallible external I/O a call performs (among ``kinds``), or ``None``."""
    callee = site.callee
    if callee is None:
        return None
    for kind in knowledge.FALLIBLE_KINDS:
        if kind.name in kinds and kind.matches(callee):
            if kind.name == "http" and _in_process_client(site):
                return None
            return kind
    if "fs-write" in kinds and callee in ("builtins.open", "pathlib.Path.open", "aiofiles.open"):
        if _opens_for_writing(site):
            return _kind("fs-write")
    if "db-write" in kinds and callee.rpartition(".")[2] in ("execute", "exec_driver_sql", "executemany"):
        owner = callee.rpartition(".")[0]
        if owner in knowledge.SQL_EXECUTE_TYPES and _is_write_statement(site):
            return _kind("db-write")
    return None


def _in_process_client(site: CallSite) -> bool:
    """``client.get(...)`` where ``client`` was built with ``transport=``/``app=`` (an
    ``ASGITransport`` to the app itself): a call inside the process, not over the network."""
    func = site.node.func
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
        return False
    for binding in site.scope.lookup_all(func.value.value):
        value = binding.value
        if isinstance(value, cst.Await):
            value = value.expression
        if isinstance(value, cst.Call) and any(
            a.keyword is not None and a.keyword.value in ("transport", "app") for a in value.args
        ):
            return True
    return False


def _kind(name: str) -> CallKind:
    return next(k for k in knowledge.FALLIBLE_KINDS if k.name == name)


def _opens_for_writing(site: CallSite) -> bool:
    position = 0 if site.callee == "pathlib.Path.open" else 1
    mode = site.argument("mode", position)
    value = literal_string(mode.value) if mode is not None else None
    return value is not None and any(c in value for c in "wax+")


def _is_write_statement(site: CallSite) -> bool:
    arg = site.argument("statement", 0) or site.argument("query", 0) or site.argument("sql", 0)
    if arg is None:
        return False
    expr = arg.value
    text = literal_string(expr)
    resolver = site.scope.resolver
    if text is None and isinstance(expr, cst.Call):
        head = expr
        # insert(User).values(...).returning(...): walk down to the construct.
        while isinstance(head.func, cst.Attribute) and isinstance(head.func.value, cst.Call):
            head = head.func.value
        name = resolver.qualified_name(head.func, site.scope)
        if name in knowledge.SQLALCHEMY_WRITE_CONSTRUCTS:
            return True
        if name == "sqlalchemy.text" and head.args:
            text = literal_string(head.args[0].value)
    if text is None:
        return False
    return text.lstrip().lower().startswith(knowledge.SQL_WRITE_PREFIXES)


def handled_here(site: CallSite, kind: CallKind) -> bool:
    """Whether a ``try`` around the call (in its function) catches its failure."""
    callee = site.callee or ""
    for block in site.trys:
        for handler in block.handlers:
            if handler.is_bare:
                return True
            if any(knowledge.exception_handles(t, callee, kind) for t in handler.types):
                return True
    return False


def is_response_class(name: str | None) -> bool:
    """Whether a qualified name denotes a ``Response`` class: a known one, or one whose
    name ends in ``Response`` (``templates.TemplateResponse``, project subclasses)."""
    if name is None:
        return False
    return name in knowledge.RESPONSE_CLASSES or name.rpartition(".")[2].endswith("Response")


def returns_only_responses(function: Function, model: ModuleModel) -> bool:
    """Whether ``function`` returns something, and every ``return`` builds a Response."""
    values = [r.value for r in function.returns]
    if not values or any(v is None for v in values):
        return False
    resolver = model.resolver
    for value in values:
        if isinstance(value, cst.Await):
            value = value.expression
        if isinstance(value, cst.Call):
            callee = resolver.callee(value, function.scope)
            if not is_response_class(callee) and not _builds_response(value, function, model):
                return False
        elif isinstance(value, cst.Name):
            value_type = resolver.type_of(value, function.scope)
            if not is_response_class(value_type) and not _name_holds_response(value, function, model):
                return False
        else:
            return False
    return True


def _builds_response(call: cst.Call, function: Function, model: ModuleModel) -> bool:
    name = call.func
    if isinstance(name, cst.Attribute):
        return name.attr.value.endswith("Response")
    if isinstance(name, cst.Name):
        return name.value.endswith("Response")
    return False


def _name_holds_response(name: cst.Name, function: Function, model: ModuleModel) -> bool:
    bindings = function.scope.lookup_all(name.value)
    if not bindings:
        return False
    for binding in bindings:
        if binding.kind == "param":
            annotated = model.resolver.annotation_type(binding.annotation, binding.scope)
            if not is_response_class(annotated):
                return False
        elif isinstance(binding.value, cst.Call):
            callee = model.resolver.callee(binding.value, binding.scope)
            if not is_response_class(callee) and not _builds_response(binding.value, function, model):
                return False
        else:
            return False
    return True


# --- statement structure of one function ------------------------------------

_NESTED_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def walk_body(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under ``node`` in source order, without entering nested ``def``,
    ``class`` or ``lambda`` bodies (their code runs only when called)."""
    from fastapi_lint.model.builder import children

    stack = list(reversed(children(node)))
    while stack:
        current = stack.pop()
        yield current
        if not isinstance(current, _NESTED_SCOPES):
            stack.extend(reversed(children(current)))


_TRY_CACHE: dict[int, tuple[cst.CSTNode, list[cst.Try | cst.TryStar]]] = {}


def try_statements(function: Function) -> list[cst.Try | cst.TryStar]:
    """The ``try`` statements of ``function``'s own body, outermost first (several
    rules ask for the same function: remembered for the last few hundred)."""
    body = function.node.body
    hit = _TRY_CACHE.get(id(body))
    if hit is not None and hit[0] is body:
        return hit[1]
    found = [n for n in walk_body(body) if isinstance(n, (cst.Try, cst.TryStar))]
    if len(_TRY_CACHE) > 512:
        _TRY_CACHE.clear()
    _TRY_CACHE[id(body)] = (body, found)
    return found


def reraises(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    """Whether an ``except`` clause lets the exception go on: a bare ``raise`` or
    ``raise <the caught name>`` anywhere in its body."""
    caught = handler.name.name.value if handler.name is not None and isinstance(handler.name.name, cst.Name) \
        else None
    for node in walk_body(handler.body):
        if isinstance(node, cst.Raise):
            if node.exc is None:
                return True
            if caught is not None and isinstance(node.exc, cst.Name) and node.exc.value == caught:
                return True
    return False


def is_trivial_body(body: cst.BaseSuite) -> bool:
    """Whether a block does nothing: only ``pass``, ``...``, ``continue``,
    ``return``/``return None`` (docstrings and comments aside)."""
    statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
    small: list[cst.CSTNode] = []
    for statement in statements:
        if not isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return False
        small.extend(statement.body)
    for node in small:
        if isinstance(node, (cst.Pass, cst.Continue)):
            continue
        if isinstance(node, cst.Return) and (node.value is None or
                                             (isinstance(node.value, cst.Name) and node.value.value == "None")):
            continue
        if isinstance(node, cst.Expr) and isinstance(node.value, (cst.Ellipsis, cst.SimpleString)):
            continue
        return False
    return True


def local_function(model: ModuleModel, callee: str | None) -> Function | None:
    """The ``def`` of this module a qualified name denotes (module-level functions and
    methods), or ``None``."""
    if callee is None or not callee.startswith(model.name + "."):
        return None
    qualname = callee[len(model.name) + 1 :]
    for function in model.functions:
        if function.qualname == qualname:
            return function
    return None


def call_without(call: cst.Call, removed: cst.Arg) -> cst.Call:
    """``call`` without its argument ``removed`` (the commas kept tidy), for fixes."""
    args = list(call.args)
    index = next(i for i, a in enumerate(args) if a is removed)
    if index == len(args) - 1 and index > 0:
        args[index - 1] = args[index - 1].with_changes(comma=removed.comma)
    del args[index]
    return call.with_changes(args=args)
