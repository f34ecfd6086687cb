"""The project index: module summaries joined, names resolved across modules.

This extends each module's resolver (:mod:`fastapi_lint.names`) across the
project: a qualified name such as ``app.api.deps.CurrentUser`` is followed
through the module that defines it, re-exports in ``__init__.py``, ``import x as
y``, relative imports (already absolute in summaries), star imports and
module-level aliases, to the function, class, app/router or assignment it
denotes.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi_lint import knowledge
from fastapi_lint.project.summary import ContainerSummary, DepRef, FunctionSummary, ModuleSummary, Symbol

_MAX_DEPTH = 16
#: resolution steps one question may take: star imports and re-export cycles can
#: otherwise multiply the names to try without end
_MAX_STEPS = 400


@dataclass(frozen=True)
class Target:
    """What a qualified name denotes: ``kind`` is ``function``, ``class``, ``container``,
    ``assign``, ``module`` or ``external`` (outside the project); ``name`` is the
    resolved qualified name."""

    kind: str
    name: str
    module: ModuleSummary | None = None
    function: FunctionSummary | None = None
    container: ContainerSummary | None = None
    symbol: Symbol | None = None


class ProjectIndex:
    """All module summaries of a run, and resolution across them."""

    def __init__(self, summaries: list[ModuleSummary]) -> None:
        self.modules: dict[str, ModuleSummary] = {}
        self.ambiguous: set[str] = set()
        for summary in summaries:
            if summary.name in self.modules:
                self.ambiguous.add(summary.name)
            else:
                self.modules[summary.name] = summary
        self.functions: dict[str, tuple[ModuleSummary, FunctionSummary]] = {}
        self.containers: dict[str, tuple[ModuleSummary, ContainerSummary]] = {}
        for summary in self.modules.values():
            for fid, function in summary.functions.items():
                self.functions[fid] = (summary, function)
            for cid, container in summary.containers.items():
                self.containers[cid] = (summary, container)
        self._cache: dict[str, Target | None] = {}
        self._lookups: dict[tuple[str, str], tuple[str, Symbol] | None] = {}
        self._active: set[str] = set()
        #: on-demand astroid inference (set by the engine; ``None`` disables it)
        self.inference = None
        self._budget = _MAX_STEPS

    # -- names -------------------------------------------------------------

    def resolve(self, qualified: str | None) -> Target | None:
        """Follow ``qualified`` to what it denotes (``None`` for unknown names)."""
        if not qualified:
            return None
        if qualified in self._cache:
            return self._cache[qualified]
        if not self._active:
            self._budget = _MAX_STEPS  # per top-level question
        if len(self._active) > _MAX_DEPTH or self._budget <= 0:
            return None
        self._budget -= 1
        self._cache[qualified] = None  # a name defined in terms of itself resolves to nothing
        self._active.add(qualified)
        try:
            result = self._resolve(qualified, 0)
        finally:
            self._active.discard(qualified)
        self._cache[qualified] = result
        return result

    def _resolve(self, qualified: str, depth: int) -> Target | None:
        """One step; every further step goes through :meth:`resolve` (memoized)."""
        if qualified in self.functions:
            module, function = self.functions[qualified]
            return Target("function", qualified, module, function=function)
        if qualified in self.containers:
            module, container = self.containers[qualified]
            return Target("container", qualified, module, container=container)
        if qualified in self.modules and qualified not in self.ambiguous:
            return Target("module", qualified, self.modules[qualified])
        parts = qualified.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module_name = ".".join(parts[:cut])
            module = self.modules.get(module_name)
            if module is None or module_name in self.ambiguous:
                continue
            name, tail = parts[cut], parts[cut + 1:]
            found = self._lookup(module_name, name)
            if found is None:
                return None
            module_name, symbol = found
            module = self.modules[module_name]
            rest = "." + ".".join(tail) if tail else ""
            if symbol.kind in ("import",) or (symbol.kind == "assign" and symbol.target):
                if symbol.target and symbol.target != qualified:
                    return self.resolve(symbol.target + rest) or (
                        Target("external", symbol.target + rest) if not self._in_project(symbol.target) else None)
                return None
            if symbol.kind == "function":
                return self.resolve(symbol.target + rest) if tail else self._resolve_function(symbol)
            if symbol.kind == "class":
                if tail:
                    return self.resolve(f"{symbol.target}{rest}")
                return Target("class", symbol.target or qualified, module, symbol=symbol)
            if symbol.kind == "assign" and not tail:
                return Target("assign", f"{module_name}.{name}", module, symbol=symbol)
            return None
        if not self._in_project(qualified):
            return Target("external", qualified)
        return None

    def _lookup(self, module_name: str, name: str) -> tuple[str, Symbol] | None:
        """``name`` in a module's namespace, star imports included: (defining module,
        symbol). Memoized per (module, name), so star-import graphs cost each pair once."""
        key = (module_name, name)
        if key in self._lookups:
            return self._lookups[key]
        self._lookups[key] = None  # star-import cycles find nothing more
        module = self.modules.get(module_name)
        result = None
        if module is not None:
            symbol = module.symbols.get(name)
            if symbol is not None:
                result = (module_name, symbol)
            else:
                for star in module.star_imports:
                    if star in self.modules and star not in self.ambiguous:
                        result = self._lookup(star, name)
                        if result is not None:
                            break
        self._lookups[key] = result
        return result

    def _resolve_function(self, symbol: Symbol) -> Target | None:
        found = self.functions.get(symbol.target or "")
        if found is None:
            return None
        return Target("function", symbol.target or "", found[0], function=found[1])

    def _in_project(self, qualified: str) -> bool:
        head = qualified.split(".")[0]
        return any(name == head or name.startswith(head + ".") for name in self.modules)

    # -- types --------------------------------------------------------------

    def instance_type(self, type_name: str | None, depth: int = 0) -> str | None:
        """The canonical class of values a module described as ``type_name``.

        A module names the callee of a constructor-like call as the value's type
        (``SessionLocal()`` -> ``app.db.SessionLocal``); when that name is in fact a
        project variable (``SessionLocal = sessionmaker(...)``), the value is what
        calling that variable returns (a ``Session``).
        """
        if type_name is None or depth > 8:
            return type_name
        target = self.resolve(type_name)
        if target is None:
            return None if self._in_project(type_name) else type_name
        if target.kind in ("class", "external"):
            return target.name
        if target.kind == "module":
            return None
        if target.kind == "assign" and target.symbol is not None:
            symbol = target.symbol
            if symbol.annotated is not None:
                return self.instance_type(symbol.annotated[0], depth + 1)
            made_by = symbol.value_type
            if made_by is None:
                return None
            if made_by.endswith("]") and "[" in made_by:  # sessionmaker(class_=AsyncSession)
                return made_by[made_by.index("[") + 1: -1]
            called = knowledge.returns(f"{self.instance_type(made_by, depth + 1)}()")
            return called
        if target.kind == "function" and target.function is not None:
            return self.function_value_type(target.function, depth + 1)
        return None

    def function_value_type(self, function: FunctionSummary, depth: int = 0) -> str | None:
        """What calling ``function`` provides (as a dependency: what it yields)."""
        candidates = function.yield_types if function.is_generator else function.return_types
        types = {self.instance_type(t, depth + 1) for t in candidates if t is not None}
        if function.return_annotation is not None and not function.is_generator:
            types.add(self.instance_type(function.return_annotation, depth + 1))
        types.discard(None)
        return types.pop() if len(types) == 1 else None

    def dependency_type(self, dependency: DepRef | None) -> str | None:
        """The type of the value a dependency provides, when the project shows it.

        The module summaries answer most cases; when they cannot (a value built in a
        way the summaries do not follow), astroid infers the function's ``yield`` or
        ``return`` values, for that function only (see :mod:`fastapi_lint.project.infer`).
        """
        if dependency is None or dependency.target is None:
            return None
        target = self.resolve(dependency.target)
        if target is None:
            return None
        if target.kind == "function" and target.function is not None:
            found = self.function_value_type(target.function)
            if found is None and self.inference is not None and target.module is not None:
                found = self.inference.value_type(target.module.source_path, target.function, target.module.name)
            return found
        if target.kind == "class":
            return target.name
        return None

    def class_bases(self, class_name: str, depth: int = 0) -> set[str]:
        """Every base class (canonical) of a project class, transitively."""
        out: set[str] = set()
        target = self.resolve(class_name)
        if target is None or target.kind != "class" or target.symbol is None or depth > 10:
            return out
        for base in target.symbol.bases:
            if base is None:
                continue
            resolved = self.resolve(base)
            name = resolved.name if resolved is not None else base
            out.add(name)
            out |= self.class_bases(name, depth + 1)
        return out

    def is_subclass(self, class_name: str | None, bases: frozenset[str]) -> bool:
        if class_name is None:
            return False
        return class_name in bases or bool(self.class_bases(class_name) & bases)

    def container_of(self, reference: str | None) -> ContainerSummary | None:
        """The app or router a reference (container id or qualified name) denotes."""
        if reference is None:
            return None
        if reference in self.containers:
            return self.containers[reference][1]
        target = self.resolve(reference)
        if target is not None and target.kind == "container":
            return target.container
        if target is not None and target.kind == "function" and target.function is not None:
            return self.container_of(target.function.returns_container)
        if target is not None and target.kind == "assign" and target.symbol is not None and target.symbol.callee:
            # ``router = make_router(...)`` with the factory in another module
            made_by = self.resolve(target.symbol.callee)
            if made_by is not None and made_by.kind == "function" and made_by.function is not None:
                return self.container_of(made_by.function.returns_container)
        return None
