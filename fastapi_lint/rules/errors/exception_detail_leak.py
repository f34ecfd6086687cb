"""FAPI103 exception-detail-leak."""

from __future__ import annotations

import libcst as cst

from fastapi_lint import knowledge
from fastapi_lint.analysis import is_broad_handler, request_functions, try_statements, walk_body
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.nodes import argument, literal_int
from fastapi_lint.names import Scope
from fastapi_lint.rules.base import Rule

_TRACEBACK_TEXT = frozenset({"traceback.format_exc", "traceback.format_exception", "traceback.format_tb",
                             "traceback.format_stack"})
#: what an error answer is built with: (keyword, position) of its payload
_PAYLOADS = {name: ("detail", 1) for name in knowledge.HTTP_EXCEPTIONS} | {
    name: ("content", 0) for name, json in knowledge.RESPONSE_CLASSES.items() if name != "fastapi.Response"}


class ExceptionDetailLeak(Rule):
    """## What it does
    Checks for error answers built from a caught exception -- `str(exc)`,
    `repr(exc)`, an f-string or `.format()` with `exc`, `exc.args`, or traceback
    text -- in the `detail` of an `HTTPException` or the `content` of a response,
    inside an `except` clause of a path operation, dependency or middleware, when
    the status is 5xx or the clause is broad (`except Exception`, `except
    BaseException`, bare `except:`).

    ## Why is this bad?
    The text of an unexpected exception describes the server's internals: SQL
    statements and table names, file paths, hostnames and ports of internal
    services, library versions, sometimes credentials in a connection string. Sent
    to the client, it helps an attacker map the system (CWE-209). The client needs
    a stable message and perhaps a correlation id; the details belong in the log.

    A specific handler answering 4xx with the exception's message
    (`except ValueError as exc: raise HTTPException(400, str(exc))`) is not
    reported: that message is usually written for the client. Neither is a broad
    handler's branch that first identifies the exception (`if isinstance(exc,
    ValidationError):`, `if "quota" in str(exc):`) and answers 4xx there.

    ## Example
    ```python
    from fastapi import FastAPI, HTTPException

    app = FastAPI()


    @app.get("/report")
    def report() -> dict:
        try:
            return {"total": 1 / 0}
        except Exception as exc:
            raise HTTPException(status_code=500, detail=str(exc)) from exc
    ```

    ## Use instead
    ```python
    import logging

    from fastapi import FastAPI, HTTPException

    app = FastAPI()
    logger = logging.getLogger(__name__)


    @app.get("/report")
    def report() -> dict:
        try:
            return {"total": 1 / 0}
        except Exception as exc:
            logger.exception("report failed")
            raise HTTPException(status_code=500, detail="Internal error") from exc
    ```

    ## References
    - CWE-209: [Generation of Error Message Containing Sensitive Information](https://cwe.mitre.org/data/definitions/209.html)
    - OWASP: [Improper Error Handling](https://owasp.org/www-community/Improper_Error_Handling)

    ## Judging
    True when the text of an exception from internals (database, HTTP client,
    file system, library errors) reaches a client response in request-serving
    code. False when the exception is the parse error of the client's own input
    (`int(value)`, `UUID(value)`), a project exception whose message is written
    for clients, or the code is not request-serving.
    """

    code = "FAPI103"
    name = "exception-detail-leak"
    summary = "Error response built from the text of a caught exception"
    severity = Severity.WARNING
    tags = ("security", "error-handling", "external/cwe/cwe-209")
    cwe = 209
    security_severity = 4.3

    def check_module(self, ctx: RuleContext) -> None:
        for entry in request_functions(ctx.model):
            function = entry.function
            scope = function.scope
            for statement in try_statements(function):
                for handler in statement.handlers:
                    if handler.name is None or not isinstance(handler.name.name, cst.Name):
                        continue
                    caught = handler.name.name.value
                    broad = is_broad_handler(handler, scope)
                    narrowed = _narrowed(handler.body, caught, scope) if broad else set()
                    for node in walk_body(handler.body):
                        if not isinstance(node, cst.Call):
                            continue
                        found = _leak(node, caught, broad and id(node) not in narrowed, scope)
                        if found is not None:
                            payload, status = found
                            why = f"a {status} answer" if status is not None and status >= 500 else \
                                "the answer of a broad handler"
                            ctx.report(
                                payload,
                                f"The text of the caught exception `{caught}` goes to the client in {why} of "
                                f"{entry.role} `{function.name}`: internals (queries, paths, hosts) leak",
                                help="Log the exception and answer with a fixed message",
                            )


def _leak(call: cst.Call, caught: str, broad: bool, scope: Scope) -> tuple[cst.BaseExpression, int | None] | None:
    name = scope.resolver.qualified_name(call.func, scope)
    spec = _PAYLOADS.get(name or "")
    if spec is None:
        return None
    payload = argument(call, *spec)
    if payload is None:
        return None
    status_arg = argument(call, "status_code", 0 if name in knowledge.HTTP_EXCEPTIONS else 1)
    status = literal_int(status_arg.value) if status_arg is not None else None
    if name in knowledge.HTTP_EXCEPTIONS and status_arg is None:
        return None
    if not broad and (status is None or status < 500):
        return None
    if not _mentions_exception_text(payload.value, caught, scope):
        return None
    return payload.value, status


def _narrowed(body: cst.BaseSuite, caught: str, scope: Scope) -> set[int]:
    """Ids of the nodes under an ``if`` that identifies the caught exception inside a
    broad handler (``if isinstance(exc, ValidationError):``, ``if "quota" in str(exc):``):
    there the handler is as specific as ``except ValidationError``."""
    out: set[int] = set()
    for node in walk_body(body):
        if isinstance(node, cst.If) and _identifies(node.test, caught, scope):
            out.update(id(n) for n in walk_body(node.body))
    return out


def _identifies(test: cst.BaseExpression, caught: str, scope: Scope) -> bool:
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return _identifies(test.left, caught, scope) or _identifies(test.right, caught, scope)
    if isinstance(test, cst.Call) and scope.resolver.qualified_name(test.func, scope) == "builtins.isinstance" \
            and len(test.args) == 2 and _is(test.args[0].value, caught):
        kinds = test.args[1].value
        elements = [e.value for e in kinds.elements] if isinstance(kinds, cst.Tuple) else [kinds]
        names = [scope.resolver.qualified_name(e, scope) for e in elements]
        return all(n is not None and n not in knowledge.BROAD_EXCEPTIONS for n in names)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and \
            isinstance(test.comparisons[0].operator, cst.In) and \
            isinstance(test.left, (cst.SimpleString, cst.ConcatenatedString)):
        right = test.comparisons[0].comparator
        return isinstance(right, cst.Call) and scope.resolver.qualified_name(right.func, scope) == "builtins.str" \
            and len(right.args) == 1 and _is(right.args[0].value, caught)
    return False


def _mentions_exception_text(expr: cst.BaseExpression, caught: str, scope: Scope) -> bool:
    for node in [expr, *walk_body(expr)]:
        if isinstance(node, cst.Call):
            callee = scope.resolver.qualified_name(node.func, scope)
            if callee in ("builtins.str", "builtins.repr") and node.args and _is(node.args[0].value, caught):
                return True
            if callee in _TRACEBACK_TEXT:
                return True
            if isinstance(node.func, cst.Attribute) and node.func.attr.value == "format" and \
                    any(_is(a.value, caught) for a in node.args):
                return True
        elif isinstance(node, cst.FormattedStringExpression) and _is(node.expression, caught):
            return True
        elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo) and \
                isinstance(node.left, (cst.SimpleString, cst.ConcatenatedString)) and _uses(node.right, caught):
            return True
        elif isinstance(node, cst.Attribute) and node.attr.value == "args" and _is(node.value, caught):
            return True
    return False


def _is(expr: cst.BaseExpression, name: str) -> bool:
    return isinstance(expr, cst.Name) and expr.value == name


def _uses(expr: cst.BaseExpression, name: str) -> bool:
    return _is(expr, name) or (isinstance(expr, cst.Tuple) and any(_is(e.value, name) for e in expr.elements))
