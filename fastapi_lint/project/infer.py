"""On-demand inference with astroid, for the few values the summaries cannot type.

The project index answers "what does this dependency provide?" from module
summaries (``SessionLocal = sessionmaker(...)`` then ``yield SessionLocal()``). When
a dependency builds its value some other way (through a helper method, a
conditional expression, a context manager the summaries do not model), the index
asks astroid to infer that one function's ``yield``/``return`` values. Whole-project
inference would be far too slow; this runs only for dependencies whose value
decides a finding, at most :data:`MAX_FUNCTIONS` functions and :data:`MAX_SECONDS`
seconds per run, and caches per module.

**The linted code is never imported or run.** astroid builds its trees from the
source files, and the project's folders are never put on ``sys.path``: astroid
finds the project's own modules through a failed-import hook of its manager that
looks only in the project's source roots (:func:`_project_module`), while the
interpreter's import path keeps pointing at the interpreter's own modules. (Were
the project on ``sys.path``, a ``numbers.py`` or ``_decimal.py`` in it would run as
soon as astroid or the standard library imported that name, and astroid imports
standard extension modules by name.) Because astroid changes the working directory
to the analysed file's folder while it resolves an import, inference is skipped
altogether when the process's import path holds an entry that resolves against
the working directory (``""`` or a relative path) or one of the project's source
roots (:func:`fastapi_lint.importpath.is_isolated`); the command line removes
such entries at start (:mod:`fastapi_lint.importpath`).
``MANAGER.always_load_extensions`` stays off, and astroid's cache forgets the
project's modules before each run (a long-running process sees edited files, and
two projects with a module of the same name do not see each other's).
"""

from __future__ import annotations

import contextvars
import os
import time

from fastapi_lint import knowledge
from fastapi_lint.importpath import is_interpreter_path, is_isolated
from fastapi_lint.project.summary import FunctionSummary

MAX_FUNCTIONS = 32
#: seconds of inference a run may spend in all
MAX_SECONDS = 3.0

#: the source roots of the inference under way in this context (read by the hook)
_ACTIVE_ROOTS: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("fastapi_lint_roots", default=())


def _project_module(modname: str):
    """astroid's failed-import hook: the module ``modname`` of the project whose
    inference is under way, built from its source file in a source root (never
    imported); astroid's own error when there is none."""
    import astroid
    from astroid.exceptions import AstroidBuildingError

    parts = modname.split(".")
    roots = _ACTIVE_ROOTS.get()
    if roots and all(part.isidentifier() for part in parts):
        for root in roots:
            base = os.path.join(root, *parts)
            for candidate in (base + ".py", os.path.join(base, "__init__.py")):
                if os.path.isfile(candidate):
                    return astroid.MANAGER.ast_from_file(candidate, modname, fallback=False)
    raise AstroidBuildingError(f"{modname} is not a module of the project")


def _forget_project_modules(manager) -> None:
    """Drop from astroid's caches every module that is not the interpreter's own:
    the modules of this or an earlier run's project (they may have been edited, or
    belong to another project with the same module names)."""
    for name, module in list(manager.astroid_cache.items()):
        file = getattr(module, "file", None)
        if file and not is_interpreter_path(file):
            del manager.astroid_cache[name]
    manager._mod_file_cache.clear()


class Inference:
    """``roots`` are the project's source roots: astroid looks for the project's own
    modules there (it reads their files; nothing is imported)."""

    def __init__(self, roots: tuple[str, ...] = ()) -> None:
        self._roots = tuple(os.path.abspath(r) for r in roots)
        self._modules: dict[str, object] = {}
        self._results: dict[tuple[str, str], str | None] = {}
        self._budget = MAX_FUNCTIONS
        self._seconds = MAX_SECONDS
        self._started = False

    def value_type(self, path: str | None, function: FunctionSummary, module: str | None = None) -> str | None:
        """The canonical class of what ``function`` (in the file ``path``) yields (for a
        generator) or returns, when astroid infers one class; else ``None`` (also when
        the import path is not safe: see :func:`~fastapi_lint.importpath.is_isolated`)."""
        if path is None:
            return None
        key = (path, function.qualname)
        if key in self._results:
            return self._results[key]
        self._results[key] = None
        if self._budget <= 0 or self._seconds <= 0 or not is_isolated(self._roots):
            return None
        self._budget -= 1
        started = time.perf_counter()
        token = _ACTIVE_ROOTS.set(self._roots)
        try:
            result = self._infer(path, function, module)
        except Exception:  # astroid cannot: the finding is not made, never a crash
            result = None
        finally:
            _ACTIVE_ROOTS.reset(token)
            self._seconds -= time.perf_counter() - started
        self._results[key] = result
        return result

    def files_read(self) -> list[str]:
        """The project files astroid parsed for this inference (absolute paths): what
        its answers rest on besides the summaries (the results cache checks them)."""
        if not self._started:
            return []
        import astroid

        out = {os.path.abspath(module.file) for module in list(astroid.MANAGER.astroid_cache.values())
               if getattr(module, "file", None) and not is_interpreter_path(module.file)}
        return sorted(out)

    def _module(self, path: str, name: str | None):
        if path not in self._modules:
            import astroid

            manager = astroid.MANAGER
            if not self._started:
                self._started = True
                manager.always_load_extensions = False
                if _project_module not in manager._failed_import_hooks:
                    manager.register_failed_import_hook(_project_module)
                _forget_project_modules(manager)
            self._modules[path] = manager.ast_from_file(path, modname=name)
        return self._modules[path]

    def _infer(self, path: str, function: FunctionSummary, name: str | None) -> str | None:
        import astroid
        from astroid import nodes

        module = self._module(path, name)
        node = module
        for part in function.qualname.replace(".<locals>", "").split("."):
            found = node.locals.get(part) if hasattr(node, "locals") else None
            if not found:
                return None
            node = found[0]
        if not isinstance(node, nodes.FunctionDef):
            return None
        wanted = nodes.Yield if function.is_generator else nodes.Return
        values = [n.value for n in node.nodes_of_class(wanted, skip_klass=(nodes.FunctionDef, nodes.Lambda))
                  if n.value is not None]
        types: set[str] = set()
        for value in values:
            for inferred in value.infer():
                if inferred is astroid.Uninferable:
                    return None
                if isinstance(inferred, astroid.Instance):
                    types.add(knowledge.canonical(inferred.pytype()))
                else:
                    return None
        return types.pop() if len(types) == 1 else None
