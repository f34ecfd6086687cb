"""FAPI202 sync-route-performs-io."""

from __future__ import annotations

from fastapi_lint import knowledge
from fastapi_lint.analysis import blocking_calls, describe_call
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.nodes import Route
from fastapi_lint.rules.base import Option, Rule


class SyncRoutePerformsIO(Rule):
    """## What it does
    Checks for sync (`def`) path operations that perform blocking I/O: HTTP
    calls, file and subprocess I/O, sync database drivers and sessions (the calls
    FAPI201 looks for). One finding per path operation, at its first I/O call.

    This rule is off by default: it encodes an *async-first* policy. Enable it
    with `extend-select = ["FAPI202"]`.

    ## Why is this bad?
    It is not a bug: FastAPI runs a `def` path operation in a worker thread
    (`anyio`'s thread pool, 40 threads by default), so the event loop stays free.
    But every request in flight holds a thread while it waits for I/O; under load,
    requests queue for threads, and memory grows with them. An `async def` path
    operation using async clients waits without holding a thread, so one worker
    serves many more concurrent requests.

    ## Example
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/rates")
    def rates() -> dict:
        return requests.get("https://api.example.com/rates", timeout=5).json()
    ```

    ## Use instead
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/rates")
    async def rates() -> dict:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get("https://api.example.com/rates")
        return response.json()
    ```

    ## Options
    - `extend-blocking-calls` (list of qualified names, default `[]`): more
      functions to treat as blocking I/O (set it for FAPI201 as well).

    ## References
    - FastAPI: [Concurrency and async / await](https://fastapi.tiangolo.com/async/#path-operation-functions)
    - Starlette/anyio: [thread pool limits](https://anyio.readthedocs.io/en/stable/threads.html)

    ## Judging
    True when a sync path operation performs blocking I/O that would be better
    done asynchronously in that codebase (it already uses async drivers). A
    reviewer would ask for the change.
    """

    code = "FAPI202"
    name = "sync-route-performs-io"
    summary = "Sync path operation performs blocking I/O in a worker thread"
    severity = Severity.INFO
    default_enabled = False
    tags = ("async", "performance")
    options = (
        Option(knowledge.BLOCKING_CALLS_OPTION, "list[str]", [], "More qualified names of blocking functions."),
    )

    def check_route(self, route: Route, ctx: RuleContext) -> None:
        handler = route.handler
        if handler is None or handler.is_async:
            return
        if not ctx.model.is_first_route_of_handler(route):
            return  # a handler registered on several paths is reported once
        calls = list(blocking_calls(handler, self.settings[knowledge.BLOCKING_CALLS_OPTION]))
        if not calls:
            return
        site, kind = calls[0]
        more = f" and {len(calls) - 1} more I/O call{'s' if len(calls) > 2 else ''}" if len(calls) > 1 else ""
        ctx.report(
            site.node,
            f"Sync path operation `{handler.name}` performs blocking I/O, {describe_call(site)}{more}: FastAPI runs it "
            f"in a worker thread, which it holds while waiting; an async path operation would not",
            help=f"Make it `async def` and use {kind.alternative}",
        )
