"""FAPI504 session-not-closed."""

from __future__ import annotations

import libcst as cst

from fastapi_lint.analysis import describe_call, request_functions
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.nodes import CallSite, Function
from fastapi_lint.rules.base import Rule

#: calls that open a database session or connection, and what they open
OPENERS = {
    "sqlalchemy.orm.Session": "a database session",
    "sqlmodel.Session": "a database session",
    "sqlalchemy.ext.asyncio.AsyncSession": "a database session",
    "sqlmodel.ext.asyncio.AsyncSession": "a database session",
    "sqlalchemy.Engine.connect": "a database connection",
    "sqlite3.connect": "a database connection",
    "psycopg2.connect": "a database connection",
    "psycopg.connect": "a database connection",
    "psycopg.Connection.connect": "a database connection",
    "psycopg.AsyncConnection.connect": "a database connection",
    "asyncpg.connect": "a database connection",
    "pymysql.connect": "a database connection",
    "MySQLdb.connect": "a database connection",
    "mysql.connector.connect": "a database connection",
    "aiomysql.connect": "a database connection",
    "aiosqlite.connect": "a database connection",
}
#: session factories whose instances open a session when called (``scoped_session``
#: is left out: it hands out one session per thread, released with ``remove()``)
_FACTORIES = ("sqlalchemy.orm.sessionmaker", "sqlalchemy.ext.asyncio.async_sessionmaker")
#: methods that give the connection back
_CLOSERS = frozenset({"close", "aclose", "release", "terminate"})
#: parents of a name that read it without handing it over
_HARMLESS = (cst.Comparison, cst.ComparisonTarget, cst.UnaryOperation, cst.If, cst.While)


class SessionNotClosed(Rule):
    """## What it does
    Checks for database sessions and connections opened in a path operation, a
    dependency or a middleware, bound to a local name, and then never closed:
    `SessionLocal()` (an instance of `sessionmaker`/`async_sessionmaker`),
    `Session(engine)`, `AsyncSession(engine)`, `engine.connect()`,
    `sqlite3.connect`, `psycopg2.connect`, `psycopg.connect`, `asyncpg.connect`,
    `pymysql.connect`, `MySQLdb.connect`, `mysql.connector.connect`,
    `aiomysql.connect`, `aiosqlite.connect`.

    The rule is conservative. It stays silent when the function calls `.close()`
    (or `aclose`, `release`, `terminate`) on the name anywhere, uses it in a
    `with`/`async with`, or lets it escape: returned, yielded, passed as an
    argument to any call, stored in an attribute, a container or another name,
    rebound, or used by a nested function. Only method calls and attribute reads
    on it (`db.query(...)`, `conn.execute(...)`) and tests (`if db is None`) keep
    it local.

    ## Why is this bad?
    A session holds a pooled connection from its first query; a driver connection
    is one server connection. Neither is given back when the function returns: it
    waits for the garbage collector (longer when an exception's traceback keeps the
    frame alive). Under load every request keeps one checked out, SQLAlchemy's
    pool raises `QueuePool limit ... reached, connection timed out`, or the
    database refuses new connections, and the whole API stalls.

    ## Known problems
    A session factory or engine imported from another module (`from .database
    import SessionLocal`) is not resolved, so those sessions are not checked. A
    connection passed to a helper is assumed to be closed by it. `with
    sqlite3.connect(...) as conn:` only commits; it does not close the connection,
    but it is not reported.

    ## Example
    ```python
    from fastapi import FastAPI
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import sessionmaker

    engine = create_engine("sqlite://")
    SessionLocal = sessionmaker(bind=engine)
    app = FastAPI()


    @app.get("/count")
    def count() -> dict:
        db = SessionLocal()
        total = db.execute(text("SELECT count(*) FROM items")).scalar()
        return {"total": total}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import sessionmaker

    engine = create_engine("sqlite://")
    SessionLocal = sessionmaker(bind=engine)
    app = FastAPI()


    @app.get("/count")
    def count() -> dict:
        with SessionLocal() as db:
            total = db.execute(text("SELECT count(*) FROM items")).scalar()
        return {"total": total}
    ```

    ## Fix safety
    There is no fix: where the session should end (a `with` block, a `finally`, a
    dependency with `yield`) depends on the code around it.

    ## References
    - SQLAlchemy: [Opening and Closing a Session](https://docs.sqlalchemy.org/en/20/orm/session_basics.html#opening-and-closing-a-session)
    - SQLAlchemy: [QueuePool limit reached](https://docs.sqlalchemy.org/en/20/errors.html#error-3o7r)
    - FastAPI: [SQL (Relational) Databases](https://fastapi.tiangolo.com/tutorial/sql-databases/)
    - Python: [sqlite3 — how to use the connection context manager](https://docs.python.org/3/library/sqlite3.html#sqlite3-connection-context-manager)

    ## Judging
    True when a database session or connection opened while serving a request is
    never closed on some path.
    """

    code = "FAPI504"
    name = "session-not-closed"
    summary = "Database session or connection opened per request and never closed"
    severity = Severity.WARNING
    tags = ("resources", "reliability")

    def check_module(self, ctx: RuleContext) -> None:
        for entry in request_functions(ctx.model):
            function = entry.function
            for site in function.calls:
                what = _opens(site)
                if what is None:
                    continue
                name = _bound_local(site, function)
                if name is None or not _leaks(name, site, function):
                    continue
                ctx.report(
                    site.node,
                    f"{describe_call(site)} in {entry.role} `{function.name}` opens {what} bound to `{name}` that is "
                    f"never closed, used in `with` or handed over: the connection stays checked out until the garbage "
                    f"collector frees it, and under load the pool or the database runs out of connections",
                    help=f"Open it with `with`/`async with`, or call `{name}.close()` in a `finally` block",
                )


def _opens(site: CallSite) -> str | None:
    """What the call opens, or ``None`` when it is not a known opener."""
    what = OPENERS.get(site.callee or "")
    if what is not None:
        return what
    if site.callee is None and isinstance(site.node.func, (cst.Name, cst.Call)):
        factory = site.scope.resolver.type_of(site.node.func, site.scope)
        if factory is not None and factory.split("[", 1)[0] in _FACTORIES:
            return "a database session"
    return None


def _bound_local(site: CallSite, function: Function) -> str | None:
    """The local name the call's result is bound to (``x = open()``, ``x = await open()``)."""
    statement = site.statement
    if isinstance(statement, cst.Assign):
        if len(statement.targets) != 1:
            return None
        target, value = statement.targets[0].target, statement.value
    elif isinstance(statement, cst.AnnAssign) and statement.value is not None:
        target, value = statement.target, statement.value
    else:
        return None
    if isinstance(value, cst.Await):
        value = value.expression
    if value is not site.node or not isinstance(target, cst.Name):
        return None
    scope = function.scope
    if target.value in scope.global_names or target.value in scope.nonlocal_names:
        return None
    return target.value


def _leaks(name: str, site: CallSite, function: Function) -> bool:
    """Whether every use of ``name`` in the function keeps it local and none closes it."""
    statement = site.statement
    own_target = statement.targets[0].target if isinstance(statement, cst.Assign) else statement.target
    stack: list[tuple[cst.CSTNode, cst.CSTNode | None, cst.CSTNode | None]] = [
        (child, function.node, None) for child in (function.node.body,)
    ]
    while stack:
        node, parent, grandparent = stack.pop()
        if isinstance(node, cst.Name) and node.value == name and node is not own_target:
            if isinstance(parent, cst.Attribute):
                if parent.attr is node:
                    continue
                if isinstance(grandparent, cst.Call) and grandparent.func is parent and parent.attr.value in _CLOSERS:
                    return False
                continue  # a method call or an attribute read on it
            if isinstance(parent, cst.Arg) and parent.keyword is node:
                continue
            if isinstance(parent, _HARMLESS):
                continue
            return False  # with, return, yield, argument, stored, rebound...: not ours to judge
        for child in node.children:
            stack.append((child, node, parent))
    return True
