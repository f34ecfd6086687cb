"""The project summary's data: plain, picklable facts about one module.

Kept apart from :mod:`fastapi_lint.project.summary` (which builds them from the
libcst model) so that reading cached summaries imports no parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi_lint.diagnostics import Span


@dataclass(frozen=True, slots=True)
class DepRef:
    """A ``Depends``/``Security`` as the project index needs it.

    ``target`` is the qualified name of the dependency callable (or instance); for
    ``Depends(factory(...))``, ``call`` is the factory's qualified name; ``scheme``
    the security scheme class when the module saw one; ``origin`` where it was
    declared (``parameter``, ``decorator``, ``router``, ``app``, ``include``).
    """

    kind: str
    target: str | None
    origin: str
    call: str | None = None
    scheme: str | None = None
    text: str = ""
    #: an instance of ``target`` (a class): FastAPI calls its ``__call__``
    instance: bool = False

    @property
    def is_security(self) -> bool:
        return self.kind == "security"


@dataclass(frozen=True, slots=True)
class ParamSummary:
    name: str
    source: str
    type: str | None
    annotation: str | None
    dependency: DepRef | None = None


@dataclass(frozen=True, slots=True)
class FunctionSummary:
    """A function's signature and effects.

    ``blocking`` lists its direct blocking calls (callee, kind); ``calls`` the
    qualified callees of its other calls (only names that are not known
    libraries); ``yield_types``/``return_types`` the types its ``yield``/``return``
    values have when the module shows them.
    """

    qualname: str
    is_async: bool
    is_generator: bool
    params: tuple[ParamSummary, ...]
    yield_types: tuple[str | None, ...] = ()
    return_types: tuple[str | None, ...] = ()
    return_annotation: str | None = None
    blocking: tuple[tuple[str, str], ...] = ()
    calls: tuple[str, ...] = ()
    returns_container: str | None = None
    #: calls on parameters whose type the module could not tell: (param, method)
    param_calls: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Symbol:
    """A module-level name: ``kind`` is ``import``, ``function``, ``class``, ``assign``.

    ``target`` is what an import or alias refers to; ``value_type`` the type of an
    assigned value; ``callee`` what the value's call calls; ``annotated`` the
    ``(type, dependency)`` of an ``Annotated[...]`` alias; ``bases`` a class's bases.
    """

    kind: str
    target: str | None = None
    value_type: str | None = None
    callee: str | None = None
    annotated: tuple[str | None, DepRef | None] | None = None
    bases: tuple[str | None, ...] = ()


@dataclass(frozen=True, slots=True)
class ContainerSummary:
    id: str
    kind: str
    class_name: str
    name: str
    prefix: str
    dependencies: tuple[DepRef, ...] = ()
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class RouteSummary:
    index: int
    owner: str | None
    methods: tuple[str, ...]
    path: str | None
    handler: str | None
    handler_name: str
    is_async: bool
    params: tuple[ParamSummary, ...]
    dependencies: tuple[DepRef, ...]
    response_model: str | None
    span: Span
    line: int


@dataclass(frozen=True, slots=True)
class IncludeSummary:
    owner: str | None
    child: str | None
    factory: str | None
    prefix: str
    dependencies: tuple[DepRef, ...]
    line: int


@dataclass(frozen=True, slots=True)
class HandlerSummary:
    owner: str | None
    exception: str | int | None


@dataclass
class ModuleSummary:
    """Everything other modules may need to know about one module."""

    name: str
    path: str
    is_package: bool
    #: the file on disk (for on-demand inference), when linted from a file
    source_path: str | None = None
    symbols: dict[str, Symbol] = field(default_factory=dict)
    star_imports: tuple[str, ...] = ()
    functions: dict[str, FunctionSummary] = field(default_factory=dict)
    containers: dict[str, ContainerSummary] = field(default_factory=dict)
    routes: list[RouteSummary] = field(default_factory=list)
    includes: list[IncludeSummary] = field(default_factory=list)
    mounts: list[tuple[str | None, str, str | None]] = field(default_factory=list)
    exception_handlers: list[HandlerSummary] = field(default_factory=list)
    middleware: list[tuple[str | None, str | None]] = field(default_factory=list)
    #: apps whose HTTP middleware catches every exception around ``call_next``
    catch_all_middleware: list[str | None] = field(default_factory=list)
    #: (function id, argument position, container id) for calls passing an app/router
    container_arguments: list[tuple[str, int, str]] = field(default_factory=list)
