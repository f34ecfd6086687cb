"""FAPI201 blocking-call-in-async-route."""

from __future__ import annotations

import libcst as cst

from fastapi_lint import knowledge
from fastapi_lint.analysis import RouteFunction, blocking_calls, blocking_kind_of, describe_call, request_functions
from fastapi_lint.project.context import ProjectContext
from fastapi_lint.project.index import ProjectIndex
from fastapi_lint.project.summary import DepRef, is_library
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

    Blocking calls hidden in the project's own functions are followed across
    modules, three calls deep (`get_profile()` -> `fetch()` -> `requests.get()`),
    and reported at the call in the handler with the chain; so are methods on a
    parameter whose type another module decides (`db: SessionDep`, or
    `Depends(get_db)` where `get_db` yields a sync `Session` made by a
    `sessionmaker` in `database.py`).

    ## Why is this bad?
    FastAPI runs `async def` path operations on the event loop. A blocking call
    there stops the loop: no other request is served, no other coroutine runs,
    until it returns. One slow upstream call makes the whole worker unresponsive.
    FastAPI's documentation ("Concurrency and async / await") says to use `def`
    for blocking code, or an async library inside `async def`.

    ## Known problems
    Calls inside nested functions and lambdas are not reported: they run only when
    called (typically by `run_in_threadpool` or `asyncio.to_thread`, which is
    the fix). Through helper functions, only calls that wait on other systems
    (network, databases, sleeps, subprocesses) are followed: local file access deep
    in helpers is usually a cold path (configuration read once, caches).

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

    ## Judging
    True when the flagged call blocks (network, database, sleep, subprocess,
    file I/O on a hot path) and really runs on the event loop inside an `async
    def` path operation, dependency or middleware at request time. False when it
    runs in a thread (`run_in_threadpool`, `to_thread`), only at start-up, or is
    not blocking.
    """

    code = "FAPI201"
    name = "blocking-call-in-async-route"
    summary = "Blocking call inside an async path operation, dependency or middleware"
    severity = Severity.ERROR
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = Applicability.SAFE
    tags = ("async", "performance")
    options = (
        Option(knowledge.BLOCKING_CALLS_OPTION, "list[str]", [], "More qualified names of blocking functions."),
    )

    def check_module(self, ctx: RuleContext) -> None:
        extra = self.settings[knowledge.BLOCKING_CALLS_OPTION]
        for item in request_functions(ctx.model):
            function = item.function
            if not function.is_async:
                continue
            reported = set()
            for site, kind in blocking_calls(function, extra):
                reported.add(id(site))
                callee = site.callee
                message = (
                    f"Blocking call {describe_call(site)} in async {item.role} `{function.name}`: it stops the event "
                    f"loop, so no other request is served until it returns"
                )
                fix = self._fix(site, ctx) if callee == "time.sleep" else None
                ctx.report(site.node, message, fix=fix, help=f"Use {kind.alternative} instead")
            self._defer_cross_module(item, reported, ctx)

    def _defer_cross_module(self, item: RouteFunction, reported: set[int], ctx: RuleContext) -> None:
        """Leave for the project phase the calls other modules decide: a method on a
        parameter whose type comes from elsewhere (``db: SessionDep``, ``Depends(get_db)``
        with ``get_db`` in ``deps.py``), and calls into the project's own functions."""
        function = item.function
        params = _parameter_facts(item, ctx)
        for site in function.calls:
            if id(site) in reported or site.awaited and site.callee is None:
                continue
            func = site.node.func
            receiver = func.value.value if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) \
                else None
            facts = params.get(receiver) if receiver is not None else None
            if facts is not None and (facts[0] or facts[1]) and (site.callee is None or not is_library(site.callee)):
                # A method on a parameter whose type another module decides.
                ctx.defer(site.node, kind="param", role=item.role, function=function.name,
                          param=receiver, method=func.attr.value, dependency=facts[0],
                          annotation=facts[1], written=f"`{receiver}.{func.attr.value}()`")
            elif site.callee is not None and not is_library(site.callee) and receiver not in params:
                ctx.defer(site.node, kind="call", role=item.role, function=function.name, callee=site.callee,
                          written=describe_call(site))

    def check_project(self, project: ProjectContext) -> None:
        extra = frozenset(self.settings[knowledge.BLOCKING_CALLS_OPTION])
        index = project.index
        for item in project.deferred():
            data = item.data
            where = f"async {data['role']} `{data['function']}`"
            if data["kind"] == "param":
                value_type = None
                source = None
                if data["dependency"]:
                    value_type = index.dependency_type(DepRef("depends", data["dependency"], "parameter"))
                    source = f"dependency `{data['dependency'].rpartition('.')[2]}`"
                if value_type is None and data["annotation"]:
                    value_type = index.instance_type(data["annotation"])
                    source = f"annotation `{data['annotation'].rpartition('.')[2]}`"
                if value_type is None:
                    continue
                callee = f"{value_type}.{data['method']}"
                kind = blocking_kind_of(callee, extra)
                if kind is None:
                    continue
                project.report(
                    item.path, item.span,
                    f"Blocking call {data['written']} (`{callee}`) in {where}: `{data['param']}` is a sync "
                    f"`{value_type.rpartition('.')[2]}` (from {source}), so the call stops the event loop",
                    help=f"Use {kind.alternative} instead",
                )
            else:
                chain = _blocking_chain(index, data["callee"], extra)
                if chain is None:
                    continue
                steps = " -> ".join(f"`{name.rpartition('.')[2]}()`" for name in chain[:-1])
                last, kind = chain[-1]
                project.report(
                    item.path, item.span,
                    f"Blocking call in {where}: {data['written']} leads to `{last}()` "
                    f"({steps} -> `{last}()`), which stops the event loop",
                    help=f"Use {kind.alternative}, or run the sync code with `await run_in_threadpool(...)`",
                )

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


def _parameter_facts(item: RouteFunction, ctx: RuleContext) -> dict[str, tuple[str | None, str | None]]:
    """For each parameter: (dependency target, qualified annotation when it is not a
    type this module resolves to a known class)."""
    model = ctx.model
    parameters = ()
    for route in model.routes:
        if route.handler is item.function:
            parameters = route.parameters
            break
    else:
        for dependency in model.dependency_functions:
            if dependency.function is item.function:
                parameters = dependency.parameters
                break
    out: dict[str, tuple[str | None, str | None]] = {}
    scope = item.function.parent_scope
    for parameter in parameters:
        dependency = parameter.dependency.target if parameter.dependency is not None else None
        annotation = None
        if parameter.annotation is not None and parameter.type is None or (
                parameter.type is not None and not is_library(parameter.type)):
            node = parameter.node.annotation.annotation if parameter.node.annotation is not None else None
            if isinstance(node, (cst.Name, cst.Attribute)):
                annotation = model.resolver.qualified_name(node, scope)
            elif parameter.type is not None:
                annotation = parameter.type
        out[parameter.name] = (dependency, annotation)
    return out


#: kinds of blocking calls not reported through helper functions: local file access
#: deep in helpers is mostly a cold path (configuration, caches filled once)
_NOT_FOLLOWED = frozenset({"file"})


def _blocking_chain(index: ProjectIndex, callee: str, extra: frozenset[str], depth: int = 0,
                    memo: dict[tuple[str, int], list | None] | None = None) -> list | None:
    """[function, ..., (blocking callee, kind)] when calling ``callee`` reaches a blocking
    call within three hops of the project's own functions (memoized per run)."""
    if memo is None:
        memo = index.__dict__.setdefault("_blocking_chains", {})
    key = (callee, depth)
    if key in memo:
        return memo[key]
    memo[key] = None  # recursion through this name finds nothing new
    result = None
    target = index.resolve(callee) if depth <= 2 else None
    if target is not None and target.kind == "function" and target.function is not None:
        function = target.function
        for blocked, _ in function.blocking:
            kind = blocking_kind_of(blocked, extra)
            if kind is not None and kind.name not in _NOT_FOLLOWED:
                result = [target.name, (blocked, kind)]
                break
        else:
            for inner in function.calls:
                kind = blocking_kind_of(inner, extra)
                if kind is not None and kind.name not in _NOT_FOLLOWED:
                    result = [target.name, (inner, kind)]
                    break
                sub = _blocking_chain(index, inner, extra, depth + 1, memo)
                if sub is not None:
                    result = [target.name, *sub]
                    break
    memo[key] = result
    return result
