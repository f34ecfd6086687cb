"""On-demand inference with astroid, for the few values the summaries cannot type.

The project index answers "what does this dependency provide?" from module
summaries (``SessionLocal = sessionmaker(...)`` then ``yield SessionLocal()``). When
a dependency builds its value some other way (through a helper method, a
conditional expression, a context manager the summaries do not model), the index
asks astroid to infer that one function's ``yield``/``return`` values. Whole-project
inference would be far too slow; this runs only for dependencies whose value
decides a finding, at most :data:`MAX_FUNCTIONS` functions and :data:`MAX_SECONDS`
seconds per run, and caches per module.

The linted code is never imported: astroid builds its trees from the source files
(``MANAGER.always_load_extensions`` stays off, so no extension module is loaded
for live inspection).
"""

from __future__ import annotations

from fastapi_lint import knowledge
from fastapi_lint.project.summary import FunctionSummary

MAX_FUNCTIONS = 32
#: seconds of inference a run may spend in all
MAX_SECONDS = 3.0


class Inference:
    """``roots`` are the project's source roots: astroid looks for the project's own
    modules there (it reads their files; nothing is imported)."""

    def __init__(self, roots: tuple[str, ...] = ()) -> None:
        self._roots = list(roots)
        self._modules: dict[str, object] = {}
        self._results: dict[tuple[str, str], str | None] = {}
        self._budget = MAX_FUNCTIONS
        self._seconds = MAX_SECONDS

    def value_type(self, path: str | None, function: FunctionSummary, module: str | None = None) -> str | None:
        """The canonical class of what ``function`` (in the file ``path``) yields (for a
        generator) or returns, when astroid infers one class; else ``None``."""
        if path is None:
            return None
        key = (path, function.qualname)
        if key in self._results:
            return self._results[key]
        self._results[key] = None
        if self._budget <= 0 or self._seconds <= 0:
            return None
        self._budget -= 1
        import time

        started = time.perf_counter()
        import sys

        saved = list(sys.path)
        sys.path[:0] = [r for r in self._roots if r not in sys.path]
        try:
            result = self._infer(path, function, module)
        except Exception:  # astroid cannot: the finding is not made, never a crash
            result = None
        finally:
            sys.path[:] = saved
            self._seconds -= time.perf_counter() - started
        self._results[key] = result
        return result

    def _module(self, path: str, name: str | None):
        if path not in self._modules:
            import astroid

            astroid.MANAGER.always_load_extensions = False
            self._modules[path] = astroid.MANAGER.ast_from_file(path, modname=name)
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
