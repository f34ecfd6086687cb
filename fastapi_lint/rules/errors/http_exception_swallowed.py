"""FAPI102 http-exception-swallowed."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from fastapi_lint import knowledge
from fastapi_lint.analysis import local_function, request_functions, reraises, walk_body
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.nodes import CallSite, Function, Handler, literal_int
from fastapi_lint.rules.base import Rule


@dataclass(frozen=True)
class _Raise:
    """An ``HTTPException`` raised in a ``try`` body: directly, or by a call of a
    function of the module that raises it."""

    site: CallSite
    status: int | None
    via: str | None  # the helper's name when raised by a call


class HttpExceptionSwallowed(Rule):
    """## What it does
    Checks for a `try` in a path operation or dependency whose body raises
    `HTTPException` -- directly, or by calling a function of the same module that
    raises it -- and whose broad handler (`except Exception`, `except
    BaseException` or a bare `except:`) catches it: no earlier `except
    HTTPException` clause takes it, and the broad handler does not re-raise it.

    ## Why is this bad?
    `HTTPException` is an ordinary exception: FastAPI turns it into the intended
    response (404, 401, 409...) only when it leaves the path operation. A broad
    handler around it catches it first, so the intended answer is lost: the
    handler's own answer goes out instead, often a `500 Internal Server Error`
    whose detail is the text of the 404.

    A broad handler that raises an `HTTPException` with the same literal status as
    every one it catches is not reported: the intended status survives.

    ## Known problems
    Only helpers defined in the same module are followed, one call deep.

    ## Example
    ```python
    from fastapi import FastAPI, HTTPException

    app = FastAPI()
    items = {"a": 1}


    @app.get("/items/{key}")
    def read_item(key: str) -> int:
        try:
            if key not in items:
                raise HTTPException(status_code=404, detail="Item not found")
            return items[key]
        except Exception as exc:
            raise HTTPException(status_code=500, detail="Internal error") from exc
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI, HTTPException

    app = FastAPI()
    items = {"a": 1}


    @app.get("/items/{key}")
    def read_item(key: str) -> int:
        try:
            if key not in items:
                raise HTTPException(status_code=404, detail="Item not found")
            return items[key]
        except HTTPException:
            raise
        except Exception as exc:
            raise HTTPException(status_code=500, detail="Internal error") from exc
    ```

    ## References
    - FastAPI: [Handling Errors](https://fastapi.tiangolo.com/tutorial/handling-errors/)
    - Python: [The `try` statement](https://docs.python.org/3/reference/compound_stmts.html#the-try-statement)

    ## Judging
    True when the `try` body can raise an `HTTPException` (directly or from a
    called function) that the broad `except` then turns into a different answer
    the client should not get (usually a 500). False when the handler re-raises
    `HTTPException`, when no `HTTPException` can reach it, or when swallowing is
    the documented purpose (optional auth returning `None`).
    """

    code = "FAPI102"
    name = "http-exception-swallowed"
    summary = "Broad `except` catches the `HTTPException` raised in its `try`"
    severity = Severity.ERROR
    tags = ("error-handling", "correctness")

    def check_module(self, ctx: RuleContext) -> None:
        model = ctx.model
        raising = {}  # helper Function -> (its raise site, status) or None
        websockets = {id(r.handler) for r in model.routes if r.is_websocket}
        for entry in request_functions(model):
            # In a websocket an HTTPException answers nothing anyway.
            if entry.role == "middleware" or id(entry.function) in websockets:
                continue
            function = entry.function
            in_loops: set[int] | None = None
            swallowed: dict[int, tuple[Handler, list[_Raise]]] = {}
            for site in function.calls:
                raised = _http_raise(site)
                if raised is None:
                    helper = local_function(model, site.callee)
                    if helper is None or helper is function:
                        continue
                    if helper not in raising:
                        raising[helper] = _raises_unguarded(helper)
                    found = raising[helper]
                    if found is None:
                        continue
                    raised = _Raise(site, found.status, helper.name)
                if not site.trys:
                    continue
                handler = _swallowing_handler(site)
                if handler is not None:
                    swallowed.setdefault(id(handler.node), (handler, []))[1].append(raised)
            for handler, raises in swallowed.values():
                if _answers_same_status(handler, raises, function):
                    continue
                if in_loops is None:
                    in_loops = _handlers_in_loops(function)
                if id(handler.node) in in_loops and not _leaves(handler.node):
                    continue  # one item of a batch failed: recorded, and the loop goes on
                self._report(ctx, entry.role, function, handler, raises)

    def _report(self, ctx: RuleContext, role: str, function: Function, handler: Handler,
                raises: list[_Raise]) -> None:
        first = raises[0]
        line = ctx.line(first.site.node)
        status = f" ({first.status})" if first.status is not None else ""
        where = f"by `{first.via}()` on line {line}" if first.via else f"on line {line}"
        caught = "a bare `except:`" if handler.is_bare else f"`except {ctx.code(handler.node.type)}`"
        node = handler.node.type if handler.node.type is not None else handler.node
        ctx.report(
            node,
            f"{caught} in {role} `{function.name}` catches the `HTTPException`{status} raised {where}: the "
            f"intended response is lost and the client gets what this handler answers (often a 500)",
            help="Add `except HTTPException: raise` before it, or narrow it to the exceptions you expect",
        )


def _http_raise(site: CallSite) -> _Raise | None:
    """``raise HTTPException(...)`` at this call."""
    statement = site.statement
    if site.callee not in knowledge.HTTP_EXCEPTIONS or not isinstance(statement, cst.Raise):
        return None
    if statement.exc is not site.node:
        return None
    return _Raise(site, _status(site.node), None)


def _status(call: cst.Call) -> int | None:
    arg = _argument(call, "status_code", 0)
    return literal_int(arg.value) if arg is not None else None


def _argument(call: cst.Call, keyword: str, position: int) -> cst.Arg | None:
    from fastapi_lint.model.nodes import argument

    return argument(call, keyword, position)


def _raises_unguarded(function: Function) -> _Raise | None:
    """The first ``raise HTTPException(...)`` of a helper outside any ``try``."""
    for site in function.calls:
        raised = _http_raise(site)
        if raised is not None and not site.trys:
            return raised
    return None


def _swallowing_handler(site: CallSite) -> Handler | None:
    """The broad handler that ends the HTTPException raised at ``site``, innermost
    ``try`` first; ``None`` when it leaves the function (or may)."""
    for block in reversed(site.trys):
        for handler in block.handlers:
            types = handler.types
            if None in types or any(t in knowledge.HTTP_EXCEPTIONS for t in types):
                return None  # taken on purpose (or by a class we cannot see)
            if not handler.is_broad:
                continue
            if reraises(handler.node) or _checks_http_exception(handler) or _translates(handler):
                break  # goes on to the enclosing try
            return handler
    return None


def _checks_http_exception(handler: Handler) -> bool:
    """``isinstance(exc, HTTPException)`` in the handler: it tells them apart."""
    resolver = handler.scope.resolver
    for node in walk_body(handler.node.body):
        if isinstance(node, cst.Call) and resolver.qualified_name(node.func, handler.scope) == "builtins.isinstance":
            for arg in node.args[1:]:
                values = [e.value for e in arg.value.elements] if isinstance(arg.value, cst.Tuple) else [arg.value]
                if any(resolver.qualified_name(v, handler.scope) in knowledge.HTTP_EXCEPTIONS for v in values):
                    return True
    return False


def _handlers_in_loops(function: Function) -> set[int]:
    out: set[int] = set()
    for node in walk_body(function.node.body):
        if isinstance(node, (cst.For, cst.While)):
            out.update(id(n) for n in walk_body(node.body) if isinstance(n, (cst.ExceptHandler, cst.ExceptStarHandler)))
    return out


def _leaves(handler: cst.ExceptHandler) -> bool:
    """The handler raises, returns or breaks out of the loop."""
    return any(isinstance(n, (cst.Raise, cst.Return, cst.Break)) for n in walk_body(handler.body))


def _translates(handler: Handler) -> bool:
    """``raise convert(exc)`` / ``return to_response(exc)``: the caught exception itself
    goes to a function whose result leaves the handler, which may keep its status
    (``handle_exception_on_proxy(e)`` checks ``isinstance(e, HTTPException)``)."""
    name = handler.node.name
    if name is None or not isinstance(name.name, cst.Name):
        return False
    caught = name.name.value
    resolver = handler.scope.resolver
    for node in walk_body(handler.node.body):
        value = node.exc if isinstance(node, cst.Raise) else node.value if isinstance(node, cst.Return) else None
        if isinstance(value, cst.Await):
            value = value.expression
        if not isinstance(value, cst.Call):
            continue
        if resolver.qualified_name(value.func, handler.scope) in knowledge.HTTP_EXCEPTIONS:
            continue
        if any(isinstance(a.value, cst.Name) and a.value.value == caught for a in value.args):
            return True
    return False


def _answers_same_status(handler: Handler, raises: list[_Raise], function: Function) -> bool:
    """The handler raises an HTTPException whose literal status is that of every
    exception it swallows."""
    statuses = {r.status for r in raises}
    if len(statuses) != 1 or None in statuses:
        return False
    for site in function.calls:
        raised = _http_raise(site)
        if raised is not None and raised.status in statuses and _inside(site.node, handler.node):
            return True
    return False


def _inside(node: cst.CSTNode, handler: cst.ExceptHandler) -> bool:
    return any(n is node for n in walk_body(handler.body))
