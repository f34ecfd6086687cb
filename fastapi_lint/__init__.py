"""fastapi-lint: a static-analysis linter for FastAPI projects.

The public API is re-exported here lazily, so that ``fastapi-lint --version`` and
a fully cached run never import libcst:

* :class:`Rule`, :class:`Option` -- the base class of every rule plugin
  (``fastapi_lint.rules.base``);
* :class:`Finding`, :class:`Fix`, :class:`Edit`, :class:`Span`,
  :class:`Applicability`, :class:`Severity` -- what a rule reports
  (``fastapi_lint.diagnostics``);
* :func:`lint_source`, :func:`lint_paths` -- run the linter from Python
  (``fastapi_lint.api``).
"""

import sys

if getattr(sys, "argv", None) and sys.argv[0] == "-m" and sys.path and sys.path[0] != "":  # pragma: no branch
    # ``python -m fastapi_lint`` put the working directory first on the import path;
    # drop it before any import (even ``__future__``) could find a module of the
    # linted project there. The console script and ``python -P`` never add it. This
    # module imports nothing else at import time (``typing`` is not loaded yet).
    import os

    if sys.path[0] == os.getcwd():
        del sys.path[0]

__version__ = "0.1.0"

_EXPORTS = {
    "Rule": "fastapi_lint.rules.base",
    "Option": "fastapi_lint.rules.base",
    "Finding": "fastapi_lint.diagnostics",
    "Fix": "fastapi_lint.diagnostics",
    "Edit": "fastapi_lint.diagnostics",
    "Span": "fastapi_lint.diagnostics",
    "Applicability": "fastapi_lint.diagnostics",
    "Severity": "fastapi_lint.diagnostics",
    "lint_source": "fastapi_lint.api",
    "lint_paths": "fastapi_lint.api",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> "object":
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'fastapi_lint' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
