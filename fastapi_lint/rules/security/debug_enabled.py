"""FAPI408 debug-enabled."""

from __future__ import annotations

import re

import libcst as cst

from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.builder import children
from fastapi_lint.model.module import ModuleModel
from fastapi_lint.model.nodes import literal_string
from fastapi_lint.rules.base import Rule
from fastapi_lint.rules.security import values
from fastapi_lint.screening import folded

APP_CONSTRUCTORS = frozenset({"fastapi.FastAPI", "starlette.applications.Starlette"})
UVICORN_RUN = frozenset({"uvicorn.run", "uvicorn.main.run"})
_DEV_WORDS = ("dev", "debug", "local", "reload")

#: ``debug=``/``reload=`` written as an argument or a binding, in any case (the
#: pre-screen; searched in :func:`~fastapi_lint.screening.folded` text)
_FLAG = re.compile(r"(?:debug|reload)\w*\s*[:=]")


class DebugEnabled(Rule):
    """## What it does
    Checks for `FastAPI(debug=True)` and `Starlette(debug=True)`, and for
    `uvicorn.run(..., reload=True)` or `uvicorn.run(..., debug=True)`, outside
    development code: an `if __name__ == "__main__":` block, an `if` testing a
    development flag (`if settings.debug:`, `if in_dev_mode():`), or (for
    `uvicorn.run`) a function named for development (`run_dev`, `debug_server`...). `True` is followed through module constants
    and settings defaults declared in the module; a value read from the
    environment (`debug=settings.DEBUG` with an env-provided field) is not reported.

    ## Why is this bad?
    With `debug=True`, Starlette's `ServerErrorMiddleware` answers an unhandled
    exception with the full traceback -- source lines, local paths, sometimes
    secrets in the frames -- to whoever sent the request. Uvicorn's `reload=True`
    runs a file watcher that restarts the server on every change: made for
    development, it costs CPU, drops connections and can pick up any file written
    to the tree in production.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI(debug=True)
    ```

    ## Use instead
    ```python
    import os

    from fastapi import FastAPI

    app = FastAPI(debug=os.environ.get("APP_DEBUG") == "1")
    ```

    ## References
    - CWE-489: [Active Debug Code](https://cwe.mitre.org/data/definitions/489.html)
    - CWE-209: [Generation of Error Message Containing Sensitive Information](https://cwe.mitre.org/data/definitions/209.html)
    - Starlette: [Applications: `debug`](https://www.starlette.io/applications/)
    - Uvicorn: [Settings: development](https://www.uvicorn.org/settings/#development)

    ## Judging
    True when debug mode or auto-reload is switched on in code that runs in
    production (not a CLI development command, a dev script or a `__main__`
    block for local use).
    """

    code = "FAPI408"
    report_in_tests = False
    request_serving_only = True
    name = "debug-enabled"
    summary = "Debug mode or auto-reload enabled outside development code"
    severity = Severity.WARNING
    tags = ("security", "external/cwe/cwe-489")
    cwe = 489
    security_severity = 5.3

    def prescreen(self, text: str) -> bool:
        """An app constructor or ``uvicorn.run`` can only be recognised in a module
        that names its library; and the flag must be written there."""
        return ("fastapi" in text or "starlette" in text or "uvicorn" in text) and (
            _FLAG.search(folded(text)) is not None)

    def check_module(self, ctx: RuleContext) -> None:
        model = ctx.model
        guarded: set[int] | None = None
        for site in model.calls:
            callee = site.callee
            if callee in APP_CONSTRUCTORS:
                if guarded is None:
                    guarded = _main_guarded_calls(model)
                if id(site.node) in guarded:
                    continue
                arg = values.arg_value(site.node, "debug")
                if arg is not None and values.bool_value(arg, site.scope, model) is True:
                    kind = "FastAPI" if callee == "fastapi.FastAPI" else "Starlette"
                    ctx.report(arg, f"`{kind}(debug=True)`: an unhandled error sends its traceback (code, paths, "
                               "local values) to the client",
                               help="Read the flag from the environment, off by default")
            elif callee in UVICORN_RUN:
                if guarded is None:
                    guarded = _main_guarded_calls(model)
                if id(site.node) in guarded:
                    continue
                if site.function is not None and any(w in site.function.name.lower() for w in _DEV_WORDS):
                    continue
                for keyword in ("reload", "debug"):
                    arg = values.arg_value(site.node, keyword)
                    if arg is not None and values.bool_value(arg, site.scope, model) is True:
                        ctx.report(arg, f"`uvicorn.run({keyword}=True)` outside a development entry point: "
                                   + ("a file watcher restarts the server on every change"
                                      if keyword == "reload" else "tracebacks and debug logs reach clients"),
                                   help='Enable it only under `if __name__ == "__main__":` or from a flag')


def _main_guarded_calls(model: ModuleModel) -> set[int]:
    """Ids of the calls in the body of an ``if __name__ == "__main__":`` block or of an
    ``if`` whose test names a development flag (``if settings.debug:``, ``if in_dev_mode():``)."""
    out: set[int] = set()
    stack: list[tuple[cst.CSTNode, bool]] = [(model.tree, False)]
    while stack:
        node, guarded = stack.pop()
        if guarded and isinstance(node, cst.Call):
            out.add(id(node))
        if isinstance(node, cst.If) and not guarded and (_is_main_test(node.test) or _names_dev_flag(node.test)):
            stack.append((node.body, True))
            if node.orelse is not None:
                stack.append((node.orelse, False))
            stack.append((node.test, False))
            continue
        stack.extend((child, guarded) for child in children(node))
    return out


def _names_dev_flag(test: cst.BaseExpression) -> bool:
    stack: list[cst.CSTNode] = [test]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name) and any(w in node.value.lower() for w in _DEV_WORDS):
            return True
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            continue  # ``if not debug:`` guards production code
        stack.extend(children(node))
    return False


def _is_main_test(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    sides = [test.left, test.comparisons[0].comparator]
    names = [s for s in sides if isinstance(s, cst.Name) and s.value == "__name__"]
    strings = [literal_string(s) for s in sides]
    return bool(names) and "__main__" in strings and isinstance(test.comparisons[0].operator, cst.Equal)
