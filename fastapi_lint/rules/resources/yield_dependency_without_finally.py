"""FAPI501 yield-dependency-without-finally."""

from __future__ import annotations

import libcst as cst

from fastapi_lint.analysis import reraises, walk_body
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Applicability, Edit, Fix, FixAvailability, Severity, Span
from fastapi_lint.knowledge import BROAD_EXCEPTIONS
from fastapi_lint.model.nodes import DependencyFunction
from fastapi_lint.names import Scope
from fastapi_lint.rules.base import Rule

_BLOCKS = (cst.IndentedBlock, cst.SimpleStatementSuite)


class YieldDependencyWithoutFinally(Rule):
    """## What it does
    Checks for dependencies with `yield` whose code after the `yield` (the
    cleanup: closing a session, releasing a lock, deleting a temporary file) is
    neither in a `finally` clause nor done by a `with` block around the `yield`.

    ## Why is this bad?
    When the path operation (or a later dependency) raises -- an `HTTPException`,
    a validation error, a bug -- FastAPI throws the exception into the dependency
    at its `yield`. Code after the `yield` that is not in a `finally` never runs:
    the session stays open, the connection is not returned to the pool, the lock
    is held. Under errors, the pool runs dry and the app stops answering.

    ## Known problems
    Cleanup is recognised by name: a call of `close`, `aclose`, `dispose`,
    `release`, `shutdown`, `disconnect`, `cleanup`, `unlink`, `remove`, `rollback`,
    `stop`... after the `yield`. Code that only runs on success (`db.commit()`) is
    not reported by itself. Nothing is reported when the `yield` stands in a `try`
    with a `finally` or in a `with` block: the cleanup is there, and the code after
    the `yield` is meant for success only. A `try` whose broad `except` swallows the
    exception counts as protecting what follows it.

    ## Example
    ```python
    from fastapi import Depends, FastAPI
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session, sessionmaker

    app = FastAPI()
    SessionLocal = sessionmaker(bind=create_engine("sqlite://"))


    def get_db():
        db = SessionLocal()
        yield db
        db.close()


    @app.get("/items")
    def items(db: Session = Depends(get_db)) -> list:
        return []
    ```

    ## Use instead
    ```python
    from fastapi import Depends, FastAPI
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session, sessionmaker

    app = FastAPI()
    SessionLocal = sessionmaker(bind=create_engine("sqlite://"))


    def get_db():
        db = SessionLocal()
        try:
            yield db
        finally:
            db.close()


    @app.get("/items")
    def items(db: Session = Depends(get_db)) -> list:
        return []
    ```

    ## Fix safety
    The fix wraps the `yield` in `try:` and the code after it in `finally:`, when
    both stand directly in the function's body. It is unsafe: the code after the
    `yield` then also runs when the request fails, which is the point for cleanup
    but wrong for work meant only for success (sending a notification, writing an
    audit record). No fix is offered when that code commits a transaction, since
    committing the work of a failed request is never the intent.

    ## References
    - FastAPI: [Dependencies with yield](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/)
    - FastAPI: [Dependencies with yield and `except`](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/#dependencies-with-yield-and-except)

    ## Judging
    True when cleanup after `yield` in a dependency (closing a session, client
    or file) is skipped when the request fails because it is not in a `finally`
    (or a context manager).
    """

    code = "FAPI501"
    name = "yield-dependency-without-finally"
    summary = "Cleanup after `yield` in a dependency is skipped when the request fails"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = Applicability.UNSAFE
    tags = ("resources", "reliability")

    def check_dependency(self, dependency: DependencyFunction, ctx: RuleContext) -> None:
        function = dependency.function
        if not function.yields:
            return
        parents: dict[int, cst.CSTNode] = {}
        for node in [function.node.body, *walk_body(function.node.body)]:
            if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
                continue
            from fastapi_lint.model.builder import children

            for child in children(node):
                parents[id(child)] = node
        for yield_node in function.yields:
            statement = ctx.model.statement_of.get(yield_node)
            if statement is None:
                continue
            tail = _unprotected_tail(statement, parents, function.node.body, function.scope)
            if not tail:
                continue
            first = tail[0]
            body = first.body[0] if isinstance(first, cst.SimpleStatementLine) and len(first.body) == 1 else first
            ctx.report(
                first,
                f"`{_short(ctx.code(body))}` runs after the `yield` of dependency `{function.name}` only when the "
                f"request succeeds: when the path operation raises, the exception is thrown in at the `yield` and "
                f"this cleanup is skipped",
                help="Put the `yield` in `try:` and the cleanup in `finally:` (or use a `with` block)",
                fix=self._fix(statement, tail, parents, function.node.body, ctx),
            )
            return

    def _fix(self, statement: cst.CSTNode, tail: list[cst.CSTNode], parents: dict[int, cst.CSTNode],
             body: cst.BaseSuite, ctx: RuleContext) -> Fix | None:
        line_node = parents.get(id(statement))
        if not isinstance(line_node, cst.SimpleStatementLine) or parents.get(id(line_node)) is not body:
            return None
        if len(line_node.body) != 1 or any(parents.get(id(t)) is not body for t in tail):
            return None
        statements = list(body.body)
        tail = statements[statements.index(line_node) + 1 :]
        for node in [line_node, *tail]:
            for inner in [node, *walk_body(node)]:
                if isinstance(inner, (cst.SimpleString, cst.FormattedString)) and "\n" in ctx.code(inner):
                    return None  # re-indenting would change a multi-line string
                if isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) and \
                        inner.func.attr.value == "commit":
                    return None
        start = ctx.span(line_node)
        end = ctx.span(tail[-1])
        first_tail = start.end_line + 1
        lines = [ctx.source.line(n) for n in range(start.start_line, end.end_line + 1)]
        indent = lines[0][: start.start_col]
        if indent.strip() or any(ctx.source.line(n)[: len(indent)].strip() for n in range(start.start_line,
                                                                                            end.end_line + 1)):
            return None
        unit = ctx.model.tree.default_indent
        newline = ctx.source.newline
        out = [f"{indent}try:"]
        for number, text in zip(range(start.start_line, end.end_line + 1), lines):
            if number == first_tail:
                out.append(f"{indent}finally:")
            out.append(f"{unit}{text}" if text.strip() else text)
        edit = Edit(Span(start.start_line, 0, end.end_line, len(lines[-1])), newline.join(out))
        return Fix(Applicability.UNSAFE, "Wrap the `yield` in `try`/`finally`", (edit,))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:37] + "..."


def _unprotected_tail(statement: cst.CSTNode, parents: dict[int, cst.CSTNode],
                      body: cst.BaseSuite, scope: Scope) -> list[cst.CSTNode]:
    """The statements that run after ``statement`` (a ``yield``) only when no
    exception is thrown in: up to the innermost ``try``/``finally`` or ``with``."""
    tail: list[cst.CSTNode] = []
    current: cst.CSTNode = statement
    # the statement line holding the yield expression
    line = parents.get(id(current))
    if isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        current = line
    while current is not body:
        parent = parents.get(id(current))
        if parent is None:
            return []
        if isinstance(parent, _BLOCKS):
            siblings = list(parent.body)
            index = next((i for i, s in enumerate(siblings) if s is current), None)
            if index is not None:
                tail.extend(siblings[index + 1 :])
        elif isinstance(parent, (cst.With,)):
            return []  # the context manager's exit runs either way; the rest is on purpose
        elif isinstance(parent, (cst.Try, cst.TryStar)):
            if parent.finalbody is not None:
                return []  # cleanup is in the finally; code after the yield is for success only
            if current is parent.body and any(_swallows(h, scope) for h in parent.handlers):
                break  # the handler catches the failure: what follows runs
        elif isinstance(parent, (cst.For, cst.While)):
            return []  # several yields: not a plain dependency
        current = parent
    return [s for s in tail if _cleans_up(s)]


def _swallows(handler: cst.ExceptHandler | cst.ExceptStarHandler, scope: Scope) -> bool:
    """A broad handler that does not re-raise: the code after the ``try`` runs."""
    if handler.type is not None and scope.resolver.qualified_name(handler.type, scope) not in BROAD_EXCEPTIONS:
        return False
    return not reraises(handler)


#: what releasing something is called, whatever the library
CLEANUP_NAMES = frozenset({
    "close", "aclose", "close_all", "dispose", "release", "shutdown", "disconnect", "cleanup", "unlink", "remove",
    "rmtree", "stop", "terminate", "kill", "unlock", "rollback", "cancel", "__exit__", "__aexit__",
})


def _cleans_up(statement: cst.CSTNode) -> bool:
    """Whether a statement calls something named like a cleanup (``db.close()``,
    ``os.remove(path)``, ``lock.release()``)."""
    for node in [statement, *walk_body(statement)]:
        if isinstance(node, cst.Call):
            func = node.func
            name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) \
                else None
            if name in CLEANUP_NAMES:
                return True
    return False
