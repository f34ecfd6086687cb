"""FAPI101 route-missing-error-handling."""

from __future__ import annotations

import re

import libcst as cst

from fastapi_lint import knowledge
from fastapi_lint.analysis import describe_call, fallible_kind, handled_here
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Applicability, Edit, Fix, FixAvailability, Severity, Span
from fastapi_lint.knowledge import CallKind
from fastapi_lint.model.nodes import CallSite, Route
from fastapi_lint.project.context import ProjectContext, route_summary
from fastapi_lint.project.tree import RouteTree
from fastapi_lint.project.summary import ModuleSummary, RouteSummary
from fastapi_lint.rules.base import Option, Rule

IO_KINDS = ("http", "network", "db-write", "fs-write", "subprocess", "db-read")
DEFAULT_IO_KINDS = ["http", "network", "db-write", "fs-write", "subprocess"]

_LABELS = {
    "http": "an outbound HTTP call",
    "network": "a network call",
    "db-write": "a database write",
    "fs-write": "a file-system write",
    "subprocess": "a subprocess",
    "db-read": "a database read",
}

#: callee prefix -> (exception to catch, status code to answer)
_ADVICE = (
    ("requests.", "requests.RequestException", 502),
    ("httpx.", "httpx.HTTPError", 502),
    ("aiohttp.", "aiohttp.ClientError", 502),
    ("urllib.", "urllib.error.URLError", 502),
    ("urllib3.", "urllib3.exceptions.HTTPError", 502),
    ("smtplib.", "smtplib.SMTPException", 503),
    ("aiosmtplib.", "aiosmtplib.SMTPException", 503),
    ("boto3.", "botocore.exceptions.ClientError", 503),
    ("sqlalchemy.", "sqlalchemy.exc.SQLAlchemyError", 503),
    ("sqlmodel.", "sqlalchemy.exc.SQLAlchemyError", 503),
    ("sqlite3.", "sqlite3.Error", 503),
    ("psycopg2.", "psycopg2.Error", 503),
    ("psycopg.", "psycopg.Error", 503),
    ("pymysql.", "pymysql.MySQLError", 503),
    ("subprocess.", "subprocess.SubprocessError", 500),
    ("asyncio.create_subprocess", "OSError", 500),
)


def advice(callee: str, kind: CallKind) -> tuple[str, int]:
    """(exception class to catch, HTTP status to answer) for a failing call."""
    for prefix, exception, status in _ADVICE:
        if callee.startswith(prefix):
            return exception, status
    return ("OSError", 500) if kind.name in ("fs-write", "subprocess") else ("Exception", 503)


class RouteMissingErrorHandling(Rule):
    """## What it does
    Checks for path operations that make a fallible external call -- outbound
    HTTP (requests, httpx, aiohttp, urllib), other network clients (SMTP, message
    brokers, cloud SDKs), database writes (session `commit`/`flush`, a driver
    `execute` of an `INSERT`/`UPDATE`/`DELETE`), file-system writes or subprocesses --
    outside any `try` that handles its failure, in an app that registers no
    exception handler for `Exception` or for that failure's class.

    One finding per path operation, at the first such call.

    ## Why is this bad?
    When the call fails, the exception escapes the path operation and the client
    receives a bare `500 Internal Server Error`. The failure deserves its own answer:
    `502 Bad Gateway` or `504 Gateway Timeout` when an upstream service is down,
    `409 Conflict` for an integrity error, `503 Service Unavailable` when the
    database is unreachable -- with the cause logged once, where you decided.

    Plain ORM reads are normal FastAPI style (a failing read is a real 500) and are
    not reported unless `db-read` is added to `io-kinds`.

    ## Known problems
    A `try` whose `except` names an exception class the linter cannot resolve (one
    defined in the project) counts as handling the call: it may be the right one.
    Exception handlers count when they are registered on every app that serves the
    route (found through `include_router` across modules); for a router no app of
    the project includes, handlers registered in its own module count. Calls made in
    the project's own helper functions are not followed.

    ## Example
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/orders/{order_id}/pay")
    async def pay(order_id: int) -> dict:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post("https://payments.example.com/charge", json={"id": order_id})
        return response.json()
    ```

    ## Use instead
    ```python
    import logging

    import httpx
    from fastapi import FastAPI, HTTPException

    app = FastAPI()
    logger = logging.getLogger(__name__)


    @app.post("/orders/{order_id}/pay")
    async def pay(order_id: int) -> dict:
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.post("https://payments.example.com/charge", json={"id": order_id})
        except httpx.HTTPError as exc:
            logger.warning("payment service failed: %s", exc)
            raise HTTPException(status_code=502, detail="Payment service unavailable") from exc
        return response.json()
    ```

    ## Fix safety
    The fix is display-only: it shows the `try`/`except` shape around the call
    (the exception class of the library and the status code to answer), but which
    exceptions to catch and what to answer are decisions for the developer.

    ## Options
    - `io-kinds` (list, default `["http", "network", "db-write", "fs-write", "subprocess"]`):
      the kinds of calls to report; add `"db-read"` to report ORM reads too.

    ## References
    - FastAPI: [Handling Errors](https://fastapi.tiangolo.com/tutorial/handling-errors/)
    - MDN: [502 Bad Gateway](https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/502)

    ## Judging
    True when the path operation (not a script, test or migration) calls an
    external service whose failure the client should see as a specific answer
    (payment provider, outbound HTTP, message broker), the call can raise, and
    neither the handler, a dependency, a wrapping decorator nor an app-wide
    exception handler (including one registered by a helper on a factory-built
    app) turns that failure into a deliberate response. Local file writes and
    plain database reads are not such calls.
    """

    code = "FAPI101"
    name = "route-missing-error-handling"
    summary = "Path operation makes a fallible external call without error handling"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = Applicability.DISPLAY_ONLY
    precision = "medium"
    tags = ("error-handling", "reliability")
    options = (
        Option("io-kinds", "list[str]", DEFAULT_IO_KINDS, "Kinds of fallible calls to report.", IO_KINDS),
    )

    def check_route(self, route: Route, ctx: RuleContext) -> None:
        handler = route.handler
        if handler is None:
            return
        if not ctx.model.is_first_route_of_handler(route):
            return  # one handler on several paths: reported once
        kinds = frozenset(self.settings["io-kinds"])
        for site in handler.calls:
            kind = fallible_kind(site, kinds)
            if kind is None or handled_here(site, kind):
                continue
            callee = site.callee or ""
            exception, status = advice(callee, kind)
            # Whether an exception handler covers it depends on the apps serving the
            # route, which may be set up in another module: decided in check_project.
            ctx.defer(
                site.node,
                module=ctx.model.name,
                route=ctx.model.routes.index(route),
                callee=callee,
                kind=kind.name,
                message=f"Path operation `{handler.name}` makes {_LABELS[kind.name]} {describe_call(site)} that no "
                        f"`try` or exception handler covers: when it fails, the client gets a bare 500",
                help=f"Catch `{exception}`, log it, and raise `HTTPException(status_code={status})` "
                     f"({kind.alternative})",
                fix=self._fix(site, exception, status, ctx),
            )
            return

    def check_project(self, project: ProjectContext) -> None:
        for item in project.deferred():
            data = item.data
            module, route = route_summary(project, data["module"], data["route"])
            kind = next(k for k in knowledge.FALLIBLE_KINDS if k.name == data["kind"])
            if module is not None and route is not None and _covered(project, module, route, data["callee"], kind):
                continue
            project.report(item.path, item.span, data["message"], help=data["help"], fix=data["fix"])

    @staticmethod
    def _fix(site: CallSite, exception: str, status: int, ctx: RuleContext) -> Fix | None:
        statement = site.statement
        if not isinstance(statement, (cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return)):
            return None
        span = ctx.span(statement)
        if span.start_line != span.end_line:
            return None
        line = ctx.source.line(span.start_line)
        indent = line[: span.start_col]
        if indent.strip() or not re.fullmatch(r"\s*(#.*)?", line[span.end_col:]):
            return None
        inner = ctx.model.tree.default_indent
        newline = ctx.source.newline
        text = newline.join(
            [
                f"{indent}try:",
                f"{indent}{inner}{line[span.start_col:]}",
                f"{indent}except {exception} as exc:",
                f'{indent}{inner}raise HTTPException(status_code={status}, detail="...") from exc',
            ]
        )
        edit = Edit(Span(span.start_line, 0, span.start_line, len(line)), text)
        return Fix(Applicability.DISPLAY_ONLY, f"Wrap in `try`/`except {exception}`", (edit,))


def _covered(project: ProjectContext, module: ModuleSummary, route: RouteSummary, callee: str, kind: CallKind) -> bool:
    """Whether every app serving the route answers the failure with an exception handler
    (or an HTTP middleware catching everything); for a router no app includes, whether
    its own module registers such a handler."""
    apps = project.tree.apps_of(module, route)
    if not apps:
        return _registered_in(module, None, callee, kind)
    tree = project.tree
    return all(
        any(_registered_in(other, app.id, callee, kind, tree) for other in project.index.modules.values())
        for app in apps
    )


def _registered_in(module: ModuleSummary, app_id: str | None, callee: str, kind: CallKind,
                   tree: RouteTree | None = None) -> bool:
    """Whether ``module`` registers, on ``app_id`` (any app when ``None``), a handler
    covering the failure."""

    def on_app(owner: str | None) -> bool:
        if app_id is None or owner == app_id:
            return True
        return tree is not None and owner is not None and tree.container_id(owner) == app_id

    for handler in module.exception_handlers:
        if on_app(handler.owner) and knowledge.registered_handler_covers(handler.exception, callee, kind):
            return True
    return any(on_app(owner) for owner in module.catch_all_middleware)
