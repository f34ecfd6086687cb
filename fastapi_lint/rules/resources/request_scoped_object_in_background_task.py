"""FAPI502 request-scoped-object-in-background-task."""

from __future__ import annotations

import libcst as cst

from fastapi_lint import knowledge
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.nodes import CallSite, Function, Parameter, Route
from fastapi_lint.names import ASSIGN
from fastapi_lint.rules.base import Rule

#: what schedules a background task (canonical): the callable is the first argument
TASK_SCHEDULERS = frozenset({
    "fastapi.BackgroundTasks.add_task",
    "starlette.background.BackgroundTask",
    "fastapi.background.BackgroundTask",
    "starlette.background.BackgroundTasks.add_task",
})
#: methods that end a query with ORM instances
_LOADS = frozenset({"first", "one", "one_or_none", "scalar_one", "scalar_one_or_none", "get", "get_one", "all",
                    "unique"})


class RequestScopedObjectInBackgroundTask(Rule):
    """## What it does
    Checks for background tasks (`background_tasks.add_task(...)`, or a
    `BackgroundTask(...)` given to a response) that receive an object whose life
    ends before the task runs: a database session (or another resource) from a
    dependency with `yield`, or an ORM instance the path operation loaded through
    such a session.

    That happens only where the dependency's exit code runs before background tasks:
    on **FastAPI 0.106 to 0.117** (0.106 moved it before them; 0.118 moved it back
    after the response is sent), and, from 0.121, for a dependency declared with
    `Depends(..., scope="function")`. The rule reads the FastAPI version the project
    targets (`fastapi-version`, else its declared dependencies): outside that window,
    or when the version is unknown, it reports only `scope="function"` dependencies.

    ## Why is this bad?
    Background tasks run after the response is sent. When the exit code of a
    dependency with `yield` runs *before* them, the session the task gets is already
    closed (or its connection returned to the pool), and ORM instances loaded
    through it are detached -- touching a lazy-loaded attribute raises
    `DetachedInstanceError`, and writes go through a session that should no longer
    be used.

    Pass plain data (ids, strings, a dict) and let the task open its own session.

    ## Known problems
    Dependencies defined in another module count when the parameter is annotated
    with a session class; other resources are recognised only when their `yield`
    dependency is in the same module. A `Request` passed to a task is not reported:
    its headers, URL and state stay readable after the response.

    ## Example
    ```python
    from fastapi import BackgroundTasks, Depends, FastAPI
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


    def write_audit(db: Session, item_id: int) -> None:
        db.commit()


    # FastAPI 0.121+: scope="function" closes the session before the response
    @app.post("/items/{item_id}/archive")
    def archive(item_id: int, background_tasks: BackgroundTasks,
                db: Session = Depends(get_db, scope="function")) -> dict:
        background_tasks.add_task(write_audit, db, item_id)
        return {"ok": True}
    ```

    ## Use instead
    ```python
    from fastapi import BackgroundTasks, Depends, FastAPI
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


    def write_audit(item_id: int) -> None:
        with SessionLocal() as db:
            db.commit()


    @app.post("/items/{item_id}/archive")
    def archive(item_id: int, background_tasks: BackgroundTasks, db: Session = Depends(get_db)) -> dict:
        background_tasks.add_task(write_audit, item_id)
        return {"ok": True}
    ```

    ## References
    - FastAPI: [Background Tasks](https://fastapi.tiangolo.com/tutorial/background-tasks/)
    - FastAPI: [Dependencies with yield and background tasks](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/#dependencies-with-yield-httpexception-except-and-background-tasks)
    - FastAPI release notes: [0.106.0](https://fastapi.tiangolo.com/release-notes/#01060) (exit code
      before background tasks), [0.118.0](https://fastapi.tiangolo.com/release-notes/#01180) (after
      the response again), [0.121.0](https://fastapi.tiangolo.com/release-notes/#01210) (`scope=`)

    ## Judging
    True when, on the FastAPI version the project uses, a background task
    receives an object whose lifetime ends with the request (a session closed by
    a yield dependency, an ORM instance bound to it, a `Request` whose body is
    gone) and will use it after it is closed.
    """

    code = "FAPI502"
    name = "request-scoped-object-in-background-task"
    summary = "Background task receives a request-scoped object (session, Request, ORM instance)"
    severity = Severity.ERROR
    tags = ("resources", "correctness")

    def check_route(self, route: Route, ctx: RuleContext) -> None:
        handler = route.handler
        if handler is None or not ctx.model.is_first_route_of_handler(route):
            return
        parameters = {p.name: p for p in route.parameters}
        # FastAPI 0.106-0.117 ran the exit code of yield dependencies before background
        # tasks; 0.118 moved it back after the response (and its tasks); 0.121's
        # Depends(..., scope="function") brings the early exit back for one dependency.
        window = ctx.target.fastapi_in(EARLY_EXIT_SINCE, EARLY_EXIT_UNTIL) is True
        for site in handler.calls:
            if site.callee not in TASK_SCHEDULERS:
                continue
            for arg in _task_arguments(site):
                what = _request_scoped(arg.value, handler, parameters, window)
                if what is not None:
                    ctx.report(
                        arg.value,
                        f"Background task gets {what}: background tasks run after the response, when the request's "
                        f"dependencies have been cleaned up ({_why(window)})",
                        help="Pass ids or plain data, and open what the task needs inside the task",
                    )


def _task_arguments(site: CallSite) -> list[cst.Arg]:
    """The arguments passed on to the task (all but the task callable)."""
    args = list(site.node.args)
    positional = [a for a in args if a.keyword is None and a.star == ""]
    func_arg = next((a for a in args if a.keyword is not None and a.keyword.value == "func"), None)
    if func_arg is None and positional:
        func_arg = positional[0]
    return [a for a in args if a is not func_arg and a.star == ""]


#: the FastAPI versions whose yield dependencies exit before background tasks run
EARLY_EXIT_SINCE = (0, 106)
EARLY_EXIT_UNTIL = (0, 118)


def _why(window: bool) -> str:
    return "FastAPI 0.106 to 0.117" if window else "a dependency declared with `scope=\"function\"`"


def _request_scoped(value: cst.BaseExpression, handler: Function, parameters: dict[str, Parameter],
                    window: bool) -> str | None:
    if not isinstance(value, cst.Name):
        return None
    bindings = handler.scope.bindings.get(value.value)
    if not bindings:
        return None
    parameter = parameters.get(value.value)
    if parameter is not None and len(bindings) == 1:
        return _from_parameter(parameter, window)
    early = window or any(_exits_early(p.dependency) for p in parameters.values()
                          if p.source in ("depends", "security") and p.type in knowledge.SESSION_TYPES)
    if early and all(b.kind == ASSIGN and b.value is not None and _loads_orm(b.value, handler) for b in bindings):
        return f"`{value.value}`, an ORM instance loaded through the request's session (detached by then)"
    return None


def _exits_early(dependency: object) -> bool:
    """``Depends(..., scope="function")`` (FastAPI 0.121+): its exit code runs before
    the response is sent, so before background tasks."""
    node = getattr(dependency, "node", None)
    if not isinstance(node, cst.Call):
        return False
    return any(a.keyword is not None and a.keyword.value == "scope" and isinstance(a.value, cst.SimpleString)
               and a.value.evaluated_value == "function" for a in node.args)


def _from_parameter(parameter: Parameter, window: bool) -> str | None:
    # A Request or WebSocket is not reported: its headers, URL and state stay readable
    # after the response, and a body read later fails loudly; the tasks that matter
    # get a session or ORM objects.
    if parameter.source not in ("depends", "security") or parameter.dependency is None:
        return None
    dependency = parameter.dependency
    if not (window or _exits_early(dependency)):
        return None
    if parameter.type in knowledge.SESSION_TYPES:
        return f"the database session `{parameter.name}` of a dependency (closed by then)"
    if dependency.function is not None and dependency.function.is_generator:
        return (f"`{parameter.name}`, a resource of the `yield` dependency `{dependency.function.name}` "
                f"(cleaned up by then)")
    return None


def _loads_orm(value: cst.BaseExpression, handler: Function) -> bool:
    """``db.get(User, 1)``, ``db.query(User).filter(...).first()``,
    ``(await db.execute(q)).scalar_one()`` with ``db`` a session."""
    if isinstance(value, cst.Await):
        value = value.expression
    if not isinstance(value, cst.Call) or not isinstance(value.func, cst.Attribute):
        return False
    if value.func.attr.value not in _LOADS:
        return False
    resolver = handler.scope.resolver
    node: cst.BaseExpression = value
    for _ in range(12):
        if not isinstance(node, cst.Call):
            return False
        callee = resolver.callee(node, handler.scope)
        if callee is not None and callee.rpartition(".")[0] in knowledge.SESSION_TYPES:
            return True
        if not isinstance(node.func, cst.Attribute):
            return False
        node = node.func.value
        if isinstance(node, cst.Await):
            node = node.expression
    return False
