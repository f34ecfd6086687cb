"""FAPI201 blocking-call-in-async-route."""

from __future__ import annotations

import libcst as cst

from fastapi_lint.analysis import blocking_calls, describe_call, request_functions
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Applicability, Fix, FixAvailability, Severity
from fastapi_lint.model.nodes import CallSite
from fastapi_lint.rules.base import Option, Rule


class BlockingCallInAsyncRoute(Rule):
    """## What it does
    Checks for calls to blocking APIs inside an `async def` path operation,
    dependency or middleware: `time.sleep`, `requests`, sync `httpx`,
    `urllib.request.urlopen`, `open()` and `pathlib.Path` file I/O, `subprocess`,
    `os.system`, sync database drivers (sqlite3, psycopg2, pymysql, pymongo,
    `redis.Redis`) and the methods of a sync SQLAlchemy `Session`. Calls are matched
    by qualified name, whatever the import style (`from time import sleep as nap`).

    ## Why is this bad?
    FastAPI runs `async def` path operations on the event loop. A blocking call
    there stops the loop: no other request is served, no other coroutine runs,
    until it returns. One slow upstream call makes the whole worker unresponsive.
    FastAPI's documentation ("Concurrency and async / await") says to use `def`
    for blocking code, or an async library inside `async def`.

    ## Known problems
    Calls inside nested functions and lambdas are not reported: they run only when
    called (typically by `run_in_threadpool` or `asyncio.to_thread`, which is
    the fix). Blocking calls hidden behind the project's own helper functions are
    not followed yet.

    ## Example
    ```python
    import time

    import requests
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/weather")
    async def weather(city: str) -> dict:
        time.sleep(1)
        return requests.get(f"https://api.example.com/{city}", timeout=5).json()
    ```

    ## Use instead
    ```python
    import asyncio

    import httpx
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/weather")
    async def weather(city: str) -> dict:
        await asyncio.sleep(1)
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(f"https://api.example.com/{city}")
        return response.json()
    ```

    ## Fix safety
    `time.sleep(x)` becomes `await asyncio.sleep(x)` (and `import asyncio` is added
    when missing). The fix is safe: both wait `x` seconds; the only difference is
    that other requests are served meanwhile. It is offered only where the call is a
    whole statement, the value of an assignment or of a `return`, so the `await`
    lands where the syntax allows it. Other blocking calls get a hint naming the
    async alternative, not an edit.

    ## Options
    - `extend-blocking-calls` (list of qualified names, default `[]`): more
      functions to treat as blocking, e.g. `["mylib.client.fetch"]`.

    ## References
    - FastAPI: [Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - flake8-async: ASYNC210, ASYNC220, ASYNC230, ASYNC251
    """

    code = "FAPI201"
    name = "blocking-call-in-async-route"
    summary = "Blocking call inside an async path operation, dependency or middleware"
    severity = Severity.ERROR
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = Applicability.SAFE
    tags = ("async", "performance")
    options = (
        Option("extend-blocking-calls", "list[str]", [], "More qualified names of blocking functions."),
    )

    def check_module(self, ctx: RuleContext) -> None:
        extra = self.settings["extend-blocking-calls"]
        for item in request_functions(ctx.model):
            function = item.function
            if not function.is_async:
                continue
            for site, kind in blocking_calls(function, extra):
                callee = site.callee
                message = (
                    f"Blocking call {describe_call(site)} in async {item.role} `{function.name}`: it stops the event "
                    f"loop, so no other request is served until it returns"
                )
                fix = self._fix(site, ctx) if callee == "time.sleep" else None
                ctx.report(site.node, message, fix=fix, help=f"Use {kind.alternative} instead")

    @staticmethod
    def _fix(site: CallSite, ctx: RuleContext) -> Fix | None:
        statement = site.statement
        if not isinstance(statement, (cst.Expr, cst.Assign, cst.AnnAssign, cst.Return)):
            return None
        if getattr(statement, "value", None) is not site.node:
            return None
        imported = ctx.import_edit("asyncio", site.scope)
        if imported is None:
            return None  # ``asyncio`` means something else here
        asyncio_name, import_edit = imported
        call_text = ctx.code(site.node)
        func_text = ctx.code(site.node.func)
        replacement = f"await {asyncio_name}.sleep{call_text[len(func_text):]}"
        return ctx.fix(
            Applicability.SAFE,
            "Replace `time.sleep` with `await asyncio.sleep`",
            ctx.replace(site.node, replacement),
            import_edit,
        )
