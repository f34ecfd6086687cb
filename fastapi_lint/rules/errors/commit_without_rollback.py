"""FAPI104 commit-without-rollback."""

from __future__ import annotations

import libcst as cst

from fastapi_lint import knowledge
from fastapi_lint.analysis import describe_call, handler_types, request_functions, walk_body
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.nodes import CallSite
from fastapi_lint.rules.base import Rule

#: owners of a ``commit()`` that leaves a failed transaction behind (canonical)
TRANSACTION_OWNERS = frozenset({
    *knowledge.SESSION_TYPES, "sqlalchemy.Connection", "sqlite3.Connection", "psycopg2.connection",
    "psycopg.Connection", "pymysql.connections.Connection",
})
_DB_WRITE = next(k for k in knowledge.FALLIBLE_KINDS if k.name == "db-write")


class CommitWithoutRollback(Rule):
    """## What it does
    Checks for a database `commit()` (SQLAlchemy or SQLModel session, DB-API
    connection) in a path operation or dependency, inside a `try` whose handler
    catches the failure but neither calls `rollback()` nor raises.

    ## Why is this bad?
    A failed commit leaves the session's transaction in a failed state. Until
    `rollback()` is called, every later use of the session in the request raises
    (`PendingRollbackError: This Session's transaction has been rolled back due to
    a previous exception during flush`), and a connection handed back without
    rollback can carry the broken transaction to the next request. The handler
    carries on as if nothing happened.

    ## Known problems
    A session closed right after by its dependency is rolled back by `close()`;
    the finding then matters only when the request goes on using the session.

    ## Example
    ```python
    import logging

    from fastapi import Depends, FastAPI
    from sqlalchemy.orm import Session

    from .database import get_db

    app = FastAPI()
    logger = logging.getLogger(__name__)


    @app.post("/items")
    def create_item(name: str, db: Session = Depends(get_db)) -> dict:
        try:
            db.commit()
        except Exception:
            logger.exception("commit failed")
            return {"ok": False}
        return {"ok": True}
    ```

    ## Use instead
    ```python
    import logging

    from fastapi import Depends, FastAPI
    from sqlalchemy.orm import Session

    from .database import get_db

    app = FastAPI()
    logger = logging.getLogger(__name__)


    @app.post("/items")
    def create_item(name: str, db: Session = Depends(get_db)) -> dict:
        try:
            db.commit()
        except Exception:
            db.rollback()
            logger.exception("commit failed")
            return {"ok": False}
        return {"ok": True}
    ```

    ## References
    - SQLAlchemy: [“This Session’s transaction has been rolled back due to a previous exception during flush”](https://docs.sqlalchemy.org/en/20/faq/sessions.html#this-session-s-transaction-has-been-rolled-back-due-to-a-previous-exception-during-flush-or-similar)
    - SQLAlchemy: [Managing Transactions](https://docs.sqlalchemy.org/en/20/orm/session_transaction.html)

    ## Judging
    True when a database commit can fail inside a `try` whose handler neither
    rolls back nor re-raises, so the session is left in a failed transaction for
    later use in the same request or connection.
    """

    code = "FAPI104"
    name = "commit-without-rollback"
    summary = "Database commit in a `try` whose handler neither rolls back nor raises"
    severity = Severity.WARNING
    tags = ("error-handling", "database")

    def check_module(self, ctx: RuleContext) -> None:
        for entry in request_functions(ctx.model):
            if entry.role == "middleware":
                continue
            reported: set[int] = set()
            for site in entry.function.calls:
                if not _is_commit(site):
                    continue
                handler = _careless_handler(site)
                if handler is None or id(handler) in reported:
                    continue
                reported.add(id(handler))
                ctx.report(
                    handler.type if handler.type is not None else handler,
                    f"This handler catches the failure of {describe_call(site)} in {entry.role} "
                    f"`{entry.function.name}` but neither rolls back nor raises: the session stays in a failed "
                    f"transaction and its next use raises",
                    help="Call `rollback()` in the handler (or re-raise)",
                )


def _is_commit(site: CallSite) -> bool:
    callee = site.callee
    if callee is None:
        return False
    owner, _, method = callee.rpartition(".")
    return method == "commit" and owner in TRANSACTION_OWNERS


def _careless_handler(site: CallSite) -> cst.ExceptHandler | None:
    """The handler that takes the commit's failure, innermost ``try`` first, when it
    neither rolls back nor raises; ``None`` otherwise."""
    callee = site.callee or ""
    for block in reversed(site.trys):
        for handler in block.handlers:
            node = handler.node
            types = handler_types(node, handler.scope)
            if node.type is not None and not any(knowledge.exception_handles(t, callee, _DB_WRITE) for t in types):
                continue
            for inner in walk_body(node.body):
                if isinstance(inner, cst.Raise):
                    return None
                if isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) and \
                        inner.func.attr.value == "rollback":
                    return None
            return node
    return None
