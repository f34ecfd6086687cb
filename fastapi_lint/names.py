"""Name resolution: which qualified name (or which type of value) an expression denotes.

A small resolver built from each module's own bindings, instead of libcst's
``ScopeProvider``/``QualifiedNameProvider`` (which cost ~90x an ``ast.parse``
on the corpus). It follows Python's scoping rules for what linters need:

* ``import a.b``, ``import a.b as c``, ``from a import b as c``, relative imports
  (``from ..deps import get_db``) and ``from fastapi import *``, at module level
  and inside functions (a function-level import binds for the whole function);
* definitions (``def``/``class``), parameters, assignments, ``with ... as``,
  ``for`` targets, ``except ... as``, walrus and ``global``/``nonlocal``;
* function scopes see enclosing function scopes and the module, never class
  bodies; unbound names fall back to builtins;
* module-level aliases (``R = APIRouter``) resolve to what they alias.

Types of values are tracked only as far as rules need them: a parameter's
annotation (through ``Annotated[...]``, ``Optional[...]`` and ``X | None``), a
constructor call (``httpx.Client()``), the result of a known factory
(``sessionmaker(...)()`` is a ``Session``) and ``with`` targets.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from fastapi_lint import knowledge

BUILTIN_NAMES = frozenset(dir(builtins))
_SESSION_FACTORIES = frozenset(
    {"sqlalchemy.orm.sessionmaker", "sqlalchemy.ext.asyncio.async_sessionmaker", "sqlalchemy.orm.scoped_session"}
)

IMPORT = "import"
FUNCTION = "function"
CLASS = "class"
PARAM = "param"
ASSIGN = "assign"
WITH = "with"
LOOP = "loop"
EXCEPT = "except"
TYPE_ALIAS = "type-alias"


@dataclass(eq=False)
class Binding:
    """One binding of a name in a scope.

    ``qualified`` is set for imports (the imported name) and for definitions
    (``module.qualname``); ``value`` holds the bound expression of assignments,
    ``with`` items and type aliases; ``annotation`` that of parameters and
    annotated assignments; ``definition`` the model object of a ``def``/``class``.
    """

    name: str
    kind: str
    node: cst.CSTNode
    scope: Scope
    qualified: str | None = None
    value: cst.BaseExpression | None = None
    annotation: cst.BaseExpression | None = None
    definition: Any = None


@dataclass(eq=False)
class Scope:
    """A Python scope: the module, a class body, a function or a lambda."""

    kind: str
    node: cst.CSTNode
    parent: Scope | None
    qualname: str
    resolver: Resolver
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    global_names: set[str] = field(default_factory=set)
    nonlocal_names: set[str] = field(default_factory=set)
    star_imports: list[str] = field(default_factory=list)
    #: the model object owning the scope (a Function or Class), if any
    owner: Any = None

    def bind(self, binding: Binding) -> None:
        target = self
        if binding.name in self.global_names:
            target = self.module
        self_list = target.bindings.setdefault(binding.name, [])
        self_list.append(binding)

    @property
    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def lookup_all(self, name: str) -> list[Binding]:
        """Every binding ``name`` may refer to here, following Python's LEGB rule."""
        scope: Scope | None = self
        if name in self.global_names:
            scope = self.module
        first = True
        while scope is not None:
            if first or scope.kind != "class":
                found = scope.bindings.get(name)
                if found:
                    return found
            first = False
            scope = scope.parent
        return []

    def lookup(self, name: str) -> Binding | None:
        """The binding ``name`` refers to here when there is exactly one candidate
        kind of value; the last binding otherwise (``None`` when unbound)."""
        found = self.lookup_all(name)
        return found[-1] if found else None

    def enclosing_function_scopes(self) -> Iterator[Scope]:
        scope: Scope | None = self
        while scope is not None:
            if scope.kind in ("function", "lambda"):
                yield scope
            scope = scope.parent


def dotted_name(expr: cst.CSTNode | None) -> str | None:
    """``a.b.c`` for a chain of ``Name``/``Attribute`` nodes, else ``None``."""
    parts: list[str] = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if isinstance(expr, cst.Name):
        parts.append(expr.value)
        return ".".join(reversed(parts))
    return None


def unwrap_type(expr: cst.BaseExpression | None, scope: Scope) -> cst.BaseExpression | None:
    """Strip ``Annotated[T, ...]``, ``Optional[T]``, ``T | None`` and ``Union[T, None]`` to ``T``.

    Annotated aliases defined in the module (``SessionDep = Annotated[Session, ...]``)
    are followed.
    """
    resolver = scope.resolver
    for _ in range(8):
        if isinstance(expr, cst.Subscript):
            base = resolver.qualified_name(expr.value, scope)
            elements = [e.slice.value for e in expr.slice if isinstance(e.slice, cst.Index)]
            if base in (knowledge.ANNOTATED, "typing.Optional") and elements:
                expr = elements[0]
                continue
            if base == "typing.Union":
                rest = [e for e in elements if not _is_none(e)]
                if len(rest) == 1:
                    expr = rest[0]
                    continue
            return expr
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
            if _is_none(expr.right):
                expr = expr.left
                continue
            if _is_none(expr.left):
                expr = expr.right
                continue
            return expr
        if isinstance(expr, cst.Name):
            alias = resolver.alias_value(expr, scope)
            if alias is not None and isinstance(alias[0], (cst.Subscript, cst.BinaryOperation)):
                expr, scope = alias
                continue
        return expr
    return expr


def _is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


class Resolver:
    """Resolves names and simple types within one module.

    ``module`` is the dotted module name (``app.api.routes``); ``is_package`` is true
    for an ``__init__.py``. Results are canonical qualified names (see
    :func:`fastapi_lint.knowledge.canonical`).
    """

    def __init__(self, module: str, is_package: bool = False) -> None:
        self.module = module
        self.is_package = is_package
        self._active: set[int] = set()
        self._binding_types: dict[int, str | None] = {}

    # -- imports --------------------------------------------------------

    def absolute_module(self, level: int, module: str | None) -> str:
        """The absolute module of ``from <level dots><module> import ...``."""
        if level == 0:
            return module or ""
        package = self.module if self.is_package else self.module.rpartition(".")[0]
        parts = package.split(".") if package else []
        if level > 1:
            parts = parts[: max(0, len(parts) - (level - 1))]
        if module:
            parts.append(module)
        return ".".join(p for p in parts if p)

    # -- names ----------------------------------------------------------

    def qualified_name(self, expr: cst.CSTNode | None, scope: Scope) -> str | None:
        """The canonical qualified name an expression statically denotes, or ``None``.

        ``requests.get`` -> ``requests.get``; ``R`` after ``from fastapi import APIRouter
        as R`` -> ``fastapi.APIRouter``; ``open`` -> ``builtins.open``; a function
        defined in module ``app.deps`` -> ``app.deps.get_db``. Variables (parameters,
        assignments of non-aliases) have no qualified name: see :meth:`type_of`.
        """
        parts: list[str] = []
        while isinstance(expr, cst.Attribute):
            parts.append(expr.attr.value)
            expr = expr.value
        if not isinstance(expr, cst.Name):
            return None
        base = self._name(expr, scope)
        if base is None:
            return None
        if parts:
            return knowledge.canonical(".".join([base, *reversed(parts)]))
        return base

    def _name(self, name: cst.Name, scope: Scope) -> str | None:
        binding = scope.lookup(name.value)
        if binding is None:
            for module in scope.module.star_imports:
                candidate = knowledge.canonical(f"{module}.{name.value}")
                if candidate != f"{module}.{name.value}" or module in ("fastapi", "starlette"):
                    return candidate
            if name.value in BUILTIN_NAMES:
                return f"builtins.{name.value}"
            return None
        if binding.kind in (IMPORT, FUNCTION, CLASS):
            return binding.qualified
        if binding.kind in (ASSIGN, TYPE_ALIAS) and binding.scope.kind == "module":
            value = binding.value
            if isinstance(value, (cst.Name, cst.Attribute)) and self._enter(value):
                try:
                    return self.qualified_name(value, binding.scope)
                finally:
                    self._leave(value)
        return None

    def alias_value(self, name: cst.Name, scope: Scope) -> tuple[cst.BaseExpression, Scope] | None:
        """The value a module-level alias ``name`` stands for (``X = Annotated[...]``)."""
        binding = scope.lookup(name.value)
        if binding is None or binding.kind not in (ASSIGN, TYPE_ALIAS) or binding.value is None:
            return None
        if binding.scope.kind != "module" or len(scope.lookup_all(name.value)) != 1:
            return None
        return binding.value, binding.scope

    # -- types ----------------------------------------------------------

    def type_of(self, expr: cst.CSTNode | None, scope: Scope) -> str | None:
        """The canonical type of the value of ``expr``, when the module shows it."""
        if expr is None or not self._enter(expr):
            return None
        try:
            return self._type_of(expr, scope)
        finally:
            self._leave(expr)

    def _type_of(self, expr: cst.CSTNode, scope: Scope) -> str | None:
        if isinstance(expr, cst.Await):
            return self.type_of(expr.expression, scope)
        if isinstance(expr, cst.Call):
            return self._call_type(expr, scope)
        if isinstance(expr, cst.Name):
            bindings = scope.lookup_all(expr.value)
            if len(bindings) > 8:
                return None
            types = {self._binding_type(b) for b in bindings}
            if len(types) == 1:
                return types.pop()
            return None
        return None

    def _binding_type(self, binding: Binding) -> str | None:
        """The type of the value a binding holds (memoized; ``None`` inside a cycle)."""
        key = id(binding)
        if key in self._binding_types:
            return self._binding_types[key]
        self._binding_types[key] = None  # a binding defined in terms of itself is unknown
        result = self._compute_binding_type(binding)
        self._binding_types[key] = result
        return result

    def _compute_binding_type(self, binding: Binding) -> str | None:
        if binding.kind == PARAM or (binding.kind == ASSIGN and binding.annotation is not None):
            annotated = self.annotation_type(binding.annotation, binding.scope)
            if annotated is not None or binding.kind == PARAM:
                return annotated
        if binding.kind in (ASSIGN, WITH) and binding.value is not None:
            return self.type_of(binding.value, binding.scope)
        return None

    def annotation_type(self, annotation: cst.BaseExpression | None, scope: Scope) -> str | None:
        """The class an annotation names, after unwrapping ``Annotated``/``Optional``."""
        if annotation is None:
            return None
        inner = unwrap_type(annotation, scope)
        if isinstance(inner, (cst.Name, cst.Attribute)):
            return self.qualified_name(inner, scope)
        return None

    def _call_type(self, call: cst.Call, scope: Scope) -> str | None:
        func = call.func
        callee = self.qualified_name(func, scope)
        if callee is not None:
            if callee in _SESSION_FACTORIES:
                return self._sessionmaker_type(call, scope, callee)
            known = knowledge.returns(callee)
            if known is not None:
                return known
            # Calling a class makes an instance; what other callables return is unknown.
            return callee if callee.rpartition(".")[2][:1].isupper() else None
        if isinstance(func, (cst.Name, cst.Call)):
            # Calling an instance: ``SessionLocal()`` where ``SessionLocal = sessionmaker(...)``.
            instance = self.type_of(func, scope)
            if instance is not None:
                if instance.endswith("]") and "[" in instance:  # sessionmaker(class_=X)
                    return instance[instance.index("[") + 1 : -1]
                return knowledge.returns(f"{instance}()")
            return None
        if isinstance(func, cst.Attribute):
            owner = self.type_of(func.value, scope)
            if owner is not None:
                return knowledge.returns(f"{owner}.{func.attr.value}")
        return None

    def _sessionmaker_type(self, call: cst.Call, scope: Scope, callee: str) -> str:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "class_":
                cls = self.qualified_name(arg.value, scope)
                if cls is not None:
                    # sessionmaker(class_=AsyncSession) makes async sessions.
                    return f"{callee}[{cls}]"
        return callee

    def callee(self, call: cst.Call, scope: Scope) -> str | None:
        """The qualified name of what ``call`` calls: a static name (``time.sleep``) or
        a method on a value of known type (``httpx.AsyncClient.get``)."""
        func = call.func
        name = self.qualified_name(func, scope)
        if name is not None:
            return name
        if isinstance(func, cst.Attribute):
            parts: list[str] = []
            head: cst.CSTNode = func
            while isinstance(head, cst.Attribute):
                parts.append(head.attr.value)
                head = head.value
            owner = self.type_of(head, scope) if isinstance(head, (cst.Name, cst.Call, cst.Await)) else None
            if owner is not None:
                return ".".join([owner, *reversed(parts)])
        return None

    # -- recursion guard --------------------------------------------------

    def _enter(self, node: cst.CSTNode) -> bool:
        key = id(node)
        if key in self._active or len(self._active) > 64:
            return False
        self._active.add(key)
        return True

    def _leave(self, node: cst.CSTNode) -> None:
        self._active.discard(id(node))
