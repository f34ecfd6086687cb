"""FAPI503 client-created-per-request."""

from __future__ import annotations

import libcst as cst

from fastapi_lint.analysis import describe_call, request_functions
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.nodes import CallSite, Function
from fastapi_lint.rules.base import Rule

#: constructors of engines, pools and clients meant to live as long as the app, and what they are
LONG_LIVED = {
    "sqlalchemy.create_engine": "a database engine (with its connection pool)",
    "sqlmodel.create_engine": "a database engine (with its connection pool)",
    "sqlalchemy.ext.asyncio.create_async_engine": "a database engine (with its connection pool)",
    "sqlalchemy.orm.sessionmaker": "a session factory",
    "sqlalchemy.ext.asyncio.async_sessionmaker": "a session factory",
    "redis.Redis": "a Redis client (with its connection pool)",
    "redis.asyncio.Redis": "a Redis client (with its connection pool)",
    "redis.from_url": "a Redis client (with its connection pool)",
    "redis.Redis.from_url": "a Redis client (with its connection pool)",
    "redis.asyncio.from_url": "a Redis client (with its connection pool)",
    "redis.asyncio.Redis.from_url": "a Redis client (with its connection pool)",
    "redis.ConnectionPool": "a Redis connection pool",
    "redis.asyncio.ConnectionPool": "a Redis connection pool",
    "pymongo.MongoClient": "a MongoDB client (with its connection pool)",
    "motor.motor_asyncio.AsyncIOMotorClient": "a MongoDB client (with its connection pool)",
    "asyncpg.create_pool": "a connection pool",
    "httpx.Client": "an HTTP client (with its connection pool)",
    "httpx.AsyncClient": "an HTTP client (with its connection pool)",
    "aiohttp.ClientSession": "an HTTP client session (with its connection pool)",
}
#: clients that are fine per request inside ``with``/``async with`` (closed at its end)
_WITH_OK = frozenset({"httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession"})
_CACHES = frozenset({"functools.lru_cache", "functools.cache", "async_lru.alru_cache", "cachetools.cached"})


class ClientCreatedPerRequest(Rule):
    """## What it does
    Checks for engines, session factories, connection pools and clients built in a
    path operation or dependency, so once per request: `create_engine`,
    `create_async_engine`, `sessionmaker`, `redis.Redis(...)`, `MongoClient`,
    `AsyncIOMotorClient`, `asyncpg.create_pool`, and `httpx.Client()`,
    `httpx.AsyncClient()` or `aiohttp.ClientSession()` outside a `with` block.

    Not reported: an assignment to a global, an attribute or an item (a lazily
    created singleton), functions cached with `functools.lru_cache`/`cache`, and a
    Redis client built on a shared `connection_pool=`.

    ## Why is this bad?
    These objects own a connection pool. Built per request, every request opens
    fresh connections (TCP and TLS handshakes, database authentication), nothing is
    reused, and the ones not closed pile up until the database refuses connections
    or the process runs out of file descriptors. Create them once, in the lifespan
    handler or at module level, and share them.

    ## Example
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/weather")
    async def weather() -> dict:
        client = httpx.AsyncClient(timeout=10)
        response = await client.get("https://weather.example.com")
        return response.json()
    ```

    ## Use instead
    ```python
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI, Request


    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with httpx.AsyncClient(timeout=10) as client:
            app.state.client = client
            yield


    app = FastAPI(lifespan=lifespan)


    @app.get("/weather")
    async def weather(request: Request) -> dict:
        response = await request.app.state.client.get("https://weather.example.com")
        return response.json()
    ```

    ## References
    - HTTPX: [Why use a Client?](https://www.python-httpx.org/advanced/clients/#why-use-a-client)
    - SQLAlchemy: [Engine: one per database, per process](https://docs.sqlalchemy.org/en/20/core/connections.html#basic-usage)
    - FastAPI: [Lifespan Events](https://fastapi.tiangolo.com/advanced/events/)

    ## Judging
    True when an engine, connection pool or HTTP client is built on every
    request instead of once per app, so connections are not reused.
    """

    code = "FAPI503"
    name = "client-created-per-request"
    summary = "Engine, pool or client constructed on every request"
    severity = Severity.WARNING
    tags = ("performance", "resources")

    def check_module(self, ctx: RuleContext) -> None:
        for entry in request_functions(ctx.model):
            if entry.role == "middleware" or _cached(entry.function):
                continue
            for site in entry.function.calls:
                what = LONG_LIVED.get(site.callee or "")
                if what is None or _exempt(site, entry.function):
                    continue
                ctx.report(
                    site.node,
                    f"{describe_call(site)} in {entry.role} `{entry.function.name}` builds {what} on every request: "
                    f"connections are opened per request and never reused",
                    help="Create it once (at module level or in the lifespan handler) and share it",
                )


def _cached(function: Function) -> bool:
    resolver = function.scope.resolver
    for decorator in function.node.decorators:
        expr = decorator.decorator
        if isinstance(expr, cst.Call):
            expr = expr.func
        if resolver.qualified_name(expr, function.parent_scope) in _CACHES:
            return True
    return False


def _exempt(site: CallSite, function: Function) -> bool:
    statement = site.statement
    if site.callee in _WITH_OK and isinstance(statement, cst.With) and \
            any(item.item is site.node for item in statement.items):
        return True
    if site.callee in ("redis.Redis", "redis.asyncio.Redis") and site.argument("connection_pool") is not None:
        return True
    if isinstance(statement, (cst.Assign, cst.AnnAssign)) and statement.value is site.node:
        targets = [t.target for t in statement.targets] if isinstance(statement, cst.Assign) else [statement.target]
        scope = function.scope
        for target in targets:
            if not isinstance(target, cst.Name) or target.value in scope.global_names or \
                    target.value in scope.nonlocal_names:
                return True  # kept beyond the request: a lazily built singleton
    return False
