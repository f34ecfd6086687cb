"""FAPI105 silent-exception."""

from __future__ import annotations

from fastapi_lint.analysis import is_broad_handler, is_trivial_body, request_functions, try_statements
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.rules.base import Rule


class SilentException(Rule):
    """## What it does
    Checks for broad exception handlers (`except Exception`, `except
    BaseException`, a bare `except:`) in path operations, dependencies and
    middleware whose whole body is `pass`, `...`, `continue` or `return`/`return
    None`: they neither log, re-raise nor answer with an error.

    Not reported: in dependencies, `return None` (an optional dependency -- the
    current user, if any -- answering `None` on failure is a deliberate value); a
    `try` whose body returns (the code after it is a fallback answer); a `try`
    inside another `except` clause (best effort while handling an error).

    ## Why is this bad?
    Every failure in the `try` -- a bug, a dropped database connection, an expired
    credential -- disappears without a trace. The client gets a success (`200` with
    `null`, or a partial result) for a request that failed, and nobody can find out
    why: no log line, no error status, no exception for monitoring to count.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()
    cache: dict = {}


    @app.post("/cache/{key}")
    def store(key: str, value: str) -> dict:
        try:
            cache[key] = value.encode("ascii")
        except Exception:
            pass
        return {"stored": key}
    ```

    ## Use instead
    ```python
    import logging

    from fastapi import FastAPI, HTTPException

    app = FastAPI()
    cache: dict = {}
    logger = logging.getLogger(__name__)


    @app.post("/cache/{key}")
    def store(key: str, value: str) -> dict:
        try:
            cache[key] = value.encode("ascii")
        except UnicodeEncodeError as exc:
            logger.info("rejected non-ASCII value for %s", key)
            raise HTTPException(status_code=422, detail="value must be ASCII") from exc
        return {"stored": key}
    ```

    ## References
    - Python: [Errors should never pass silently](https://peps.python.org/pep-0020/)
    - FastAPI: [Handling Errors](https://fastapi.tiangolo.com/tutorial/handling-errors/)

    ## Judging
    True when a broad `except` in request-serving code swallows the failure with
    no log, no re-raise and no deliberate answer, and a reviewer would want it
    visible. False for documented best-effort cleanup (closing, cancelling) and
    optional features that deliberately fall back.
    """

    code = "FAPI105"
    name = "silent-exception"
    summary = "Broad exception handler that swallows failures silently"
    severity = Severity.WARNING
    tags = ("error-handling", "observability")

    def check_module(self, ctx: RuleContext) -> None:
        for entry in request_functions(ctx.model):
            function = entry.function
            in_handlers = _tries_in_handlers(function)
            for statement in try_statements(function):
                if id(statement) in in_handlers or _returns_in_body(statement):
                    continue  # best effort while handling another error, or a fallback after the try
                for handler in statement.handlers:
                    if not is_broad_handler(handler, function.scope) or not is_trivial_body(handler.body):
                        continue
                    if entry.role == "dependency" and _returns_none(handler):
                        continue
                    caught = "`except:`" if handler.type is None else f"`except {ctx.code(handler.type)}`"
                    ctx.report(
                        handler.type if handler.type is not None else handler,
                        f"{caught} in {entry.role} `{function.name}` swallows every failure silently: no log, no "
                        f"error status, and the client is told it worked",
                        help="Catch the exceptions you expect, and log or answer with an error status",
                    )


def _tries_in_handlers(function) -> set[int]:
    import libcst as cst

    from fastapi_lint.analysis import walk_body

    out: set[int] = set()
    for statement in try_statements(function):
        for handler in statement.handlers:
            out.update(id(n) for n in walk_body(handler.body) if isinstance(n, (cst.Try, cst.TryStar)))
    return out


def _returns_in_body(statement) -> bool:
    """``try: return compute() / except Exception: pass / return fallback``: the
    handler hands over to a fallback answer on purpose."""
    import libcst as cst

    from fastapi_lint.analysis import walk_body

    return any(isinstance(n, cst.Return) for n in walk_body(statement.body))


def _returns_none(handler) -> bool:
    import libcst as cst

    from fastapi_lint.analysis import walk_body

    return any(isinstance(n, cst.Return) for n in walk_body(handler.body))
