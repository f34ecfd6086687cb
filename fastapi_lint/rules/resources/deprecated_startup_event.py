"""FAPI505 deprecated-startup-event."""

from __future__ import annotations

from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.nodes import literal_string
from fastapi_lint.rules.base import Rule

#: ``on_event``/``add_event_handler`` of apps and routers (canonical)
EVENT_REGISTRATIONS = frozenset(
    f"{owner}.{method}"
    for owner in ("fastapi.FastAPI", "fastapi.APIRouter", "starlette.applications.Starlette")
    for method in ("on_event", "add_event_handler")
)


#: FastAPI gained ``FastAPI(lifespan=...)`` in 0.93.0
LIFESPAN_SINCE = (0, 93)


class DeprecatedStartupEvent(Rule):
    """## What it does
    Checks for startup and shutdown handlers registered with
    `@app.on_event("startup")`/`@app.on_event("shutdown")` or
    `app.add_event_handler(...)` (on an app or a router).

    ## Why is this bad?
    FastAPI deprecates these events in favour of a *lifespan* handler: one async
    context manager given to `FastAPI(lifespan=...)` whose code before the `yield`
    runs at startup and after it at shutdown. Startup and shutdown logic then lives
    in one place and shares its resources (a client opened before the `yield` is
    closed after it) instead of module globals. And once a lifespan is given, FastAPI
    no longer calls the event handlers at all: a handler left behind silently stops
    running.

    ## Known problems
    Projects that target FastAPI older than 0.93 (`fastapi-version`, else the
    project's declared dependencies) are not reported: `lifespan` does not exist
    there. When the version is unknown, the rule reports.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.on_event("startup")
    async def connect() -> None:
        print("connecting")
    ```

    ## Use instead
    ```python
    from contextlib import asynccontextmanager

    from fastapi import FastAPI


    @asynccontextmanager
    async def lifespan(app: FastAPI):
        print("connecting")
        yield


    app = FastAPI(lifespan=lifespan)
    ```

    ## References
    - FastAPI: [Lifespan Events](https://fastapi.tiangolo.com/advanced/events/)
    - FastAPI: [Alternative Events (deprecated)](https://fastapi.tiangolo.com/advanced/events/#alternative-events-deprecated)

    ## Judging
    True when `@app.on_event("startup"/"shutdown")` is used in a project whose
    FastAPI version supports `lifespan` (0.93+).
    """

    code = "FAPI505"
    name = "deprecated-startup-event"
    summary = "Startup/shutdown handler registered with the deprecated `on_event`"
    severity = Severity.WARNING
    tags = ("deprecated", "maintainability")

    def check_module(self, ctx: RuleContext) -> None:
        if ctx.target.fastapi_at_least(LIFESPAN_SINCE) is False:
            return  # no lifespan before 0.93: the events are the only way
        for site in ctx.model.calls:
            if site.callee not in EVENT_REGISTRATIONS:
                continue
            event_arg = site.argument("event_type", 0)
            event = literal_string(event_arg.value) if event_arg is not None else None
            if event not in ("startup", "shutdown"):
                continue
            method = site.callee.rpartition(".")[2]
            ctx.report(
                site.node,
                f"`{method}(\"{event}\")` is deprecated: FastAPI wants a lifespan handler, and ignores these "
                f"events when the app is given one",
                help="Move the code into an `@asynccontextmanager` lifespan function passed as "
                     "`FastAPI(lifespan=...)`: startup before its `yield`, shutdown after",
            )
