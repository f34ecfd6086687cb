"""FAPI412 unbounded-request-body."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePath

import libcst as cst

from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity, Span
from fastapi_lint.model.module import ModuleModel
from fastapi_lint.model.nodes import Container, Function, Parameter, Route, argument
from fastapi_lint.names import dotted_name, unwrap_type
from fastapi_lint.project.context import ProjectContext
from fastapi_lint.project.summary import container_id
from fastapi_lint.rules.base import Rule

UPLOAD_FILE = "fastapi.UploadFile"
BYTES = "builtins.bytes"
#: ``request.body()`` reads the whole body into memory; ``request.stream()`` yields it chunk by chunk
BODY_READS = {"fastapi.Request.body": "`request.body()`", "fastapi.Request.stream": "`request.stream()`"}
_SEQUENCES = frozenset({"builtins.list", "typing.List", "typing.Sequence", "collections.abc.Sequence",
                        "builtins.tuple", "typing.Tuple", "builtins.set", "typing.Set"})
#: names of middleware, dependencies and helpers that limit the size of a body
#: (``ContentSizeLimitMiddleware``, ``limit_upload_size``, ``check_file_size``, ``validate_max_size``)
LIMIT_NAME = re.compile(r"limit|max_?(?:upload_?|body_?|file_?|content_?)?size|size_?(?:check|guard)|"
                        r"(?:check|validate|verify|ensure|enforce)_?\w*size|too_?large|toolarge", re.I)
#: limits of something else: request rates, concurrency (``RateLimiter``, ``RequestLimitMiddleware(limit=100)``)
_NOT_SIZE = re.compile(r"rate|concurren|throttl|request_?limit|capacity", re.I)
_SIZE_HINT = re.compile(r"size|body|content|upload|length|bytes", re.I)
#: names in a comparison that say it is about a size (``size > MAX``, ``total_bytes > limit``)
_SIZE_WORD = re.compile(r"size|length|limit|max|bytes", re.I)
_READ_METHODS = frozenset({"read", "read1", "readexactly"})


def _is_test_module(path: str) -> bool:
    name = PurePath(path).name
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def _upload_kind(param: Parameter, model: ModuleModel, function: Function) -> str | None:
    """``UploadFile``, ``bytes`` or ``list[...]`` of them, when FastAPI reads the body into the parameter."""
    if param.type == UPLOAD_FILE:
        return "`UploadFile`"
    if param.type == BYTES and param.source in ("body", "file"):
        return "`bytes`"
    if param.annotation is None or param.source not in ("file", "form", "body", "implicit"):
        return None
    inner = unwrap_type(param.annotation, function.parent_scope)
    if not isinstance(inner, cst.Subscript):
        return None
    resolver = model.resolver
    if resolver.qualified_name(inner.value, function.parent_scope) not in _SEQUENCES:
        return None
    for element in inner.slice:
        if not isinstance(element.slice, cst.Index):
            continue
        name = resolver.annotation_type(element.slice.value, function.parent_scope)
        if name == UPLOAD_FILE:
            return "`list[UploadFile]`"
        if name == BYTES and param.source == "file":
            return "`list[bytes]`"
    return None


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def _last(name: str | None) -> str:
    return (name or "").rpartition(".")[2]


def _limit_name(name: str | None) -> bool:
    """A name like a body-size limit (``limit_upload_size``, ``ContentSizeLimitMiddleware``), not a rate limit."""
    last = _last(name)
    return bool(LIMIT_NAME.search(last)) and (bool(_SIZE_HINT.search(last)) or not _NOT_SIZE.search(last))


def _sets_max_body_size(call: cst.Call | None) -> bool:
    """``max_body_size=`` with a value other than ``None`` (FastAPI's own body limit)."""
    arg = argument(call, "max_body_size") if call is not None else None
    return arg is not None and not (isinstance(arg.value, cst.Name) and arg.value.value == "None")


def _sizeish(node: cst.CSTNode, function: Function, depth: int = 0) -> bool:
    """A comparison operand that measures a size: ``len(...)``, ``.size``, a name like
    ``max_size``, or a local variable computed from ``len(...)``/``.size``."""
    for part in _walk(node):
        if isinstance(part, cst.Call) and isinstance(part.func, cst.Name) and part.func.value == "len":
            return True
        if isinstance(part, cst.Attribute) and _SIZE_WORD.search(part.attr.value):
            return True
        if isinstance(part, cst.Name):
            if _SIZE_WORD.search(part.value):
                return True
            if depth == 0:
                for binding in function.scope.lookup_all(part.value):
                    if binding.scope is function.scope and binding.value is not None and \
                            _sizeish(binding.value, function, 1):
                        return True
    return False


def _bounded(function: Function, model: ModuleModel, depth: int = 0) -> bool:
    """Whether ``function`` shows any sign of limiting a size (conservative: any one is enough)."""
    for located in model.comparisons:
        if located.function is function and _sizeish(located.node, function):
            return True
    if _reads_content_length(function, model):
        return True
    for site in function.calls:
        func = site.node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _READ_METHODS and site.node.args:
            return True  # reads a bounded amount (or chunks it counts)
        name = site.callee or dotted_name(func)
        if _limit_name(name) and _last(name) != "limit":  # not a query's ``.limit(10)``
            return True
        if depth == 0 and name is not None:
            helper = _module_function(model, name)
            if helper is not None and helper is not function and _bounded(helper, model, 1):
                return True
    return False


def _module_function(model: ModuleModel, callee: str) -> Function | None:
    prefix = model.name + "."
    if not callee.startswith(prefix):
        return None
    qualname = callee[len(prefix):]
    for function in model.functions:
        if function.qualname == qualname:
            return function
    return None


def _limit_middleware_owners(model: ModuleModel) -> Iterator[Container | None]:
    """The apps (``None`` when unknown) to which the module adds middleware named like a size limit."""
    for registration in model.middleware_registrations:
        if _limit_name(registration.middleware_class or dotted_name(registration.class_node)):
            yield registration.owner
    for middleware in model.middleware:
        # an ``@app.middleware("http")`` function named like a limit, or any middleware
        # that reads the ``content-length`` header
        if (middleware.kind == "http" and _limit_name(middleware.function.name)) or \
                _reads_content_length(middleware.function, model):
            yield middleware.owner


def _reads_content_length(function: Function, model: ModuleModel) -> bool:
    return any(located.function is function and isinstance(located.node, cst.SimpleString) and
               "content-length" in located.node.value.lower() for located in model.strings)


class UnboundedRequestBody(Rule):
    """## What it does
    Checks for path operations that read a request body of any size: a `bytes`
    body (`Body()`, `File()`), an `UploadFile` or `list[UploadFile]` parameter, or
    a call to `request.body()` or `request.stream()`, with no size limit in sight.

    A limit is any of: FastAPI's `max_body_size=` (other than `None`) on the route,
    its router, an `include_router` call on the way or its app; a comparison in the path operation that measures a size
    (`len(data) > MAX`, `file.size > limit`, `total > max_bytes`), a read with a
    size argument (`await file.read(1024)`, `file.file.read(CHUNK)`), a
    `content-length` header check, a call to a helper named like a size check
    (`check_file_size(file)`) or to a function of the same module that does one;
    a dependency of the route, its routers or its app (across modules) named like a
    limit (`*limit*`, `*max_size*`, `ContentSizeLimit*`), or one of the same module
    that reads `content-length`; or middleware named like a limit
    (`ContentSizeLimitMiddleware`, an `@app.middleware("http")` function
    `limit_upload_size`) or reading `content-length`, added to the app that serves
    the route (to any app, for a route no known app serves; when the module does not
    show which app it is added to, it counts for every app). Rate and concurrency
    limits (`RateLimiter`, `RequestLimitMiddleware`) do not count. Off by default:
    the limit is often set in the reverse proxy (nginx `client_max_body_size`).

    ## Why is this bad?
    Starlette and uvicorn put no limit on the size of a request body. A client can
    send gigabytes: `request.body()`, a `bytes` parameter or `await file.read()`
    holds all of it in memory, and an `UploadFile` is spooled to a temporary file
    on disk before the path operation runs. A few such requests exhaust the
    memory or the disk of the server (uncontrolled resource consumption, CWE-770).

    ## Known problems
    A limit enforced outside the Python code (the reverse proxy, the ASGI server
    wrapper) or in a helper of another module is not visible: disable the rule or
    suppress the finding with a reason. Checking `file.size` inside the path
    operation does not stop the upload from being written to disk first; only a
    limit in front of the application does. Bodies parsed by FastAPI into models
    and `request.json()`/`request.form()` are not checked, to keep the rule to
    raw bodies and uploads. Any comparison that measures a size counts as a
    limit, even one on another value.

    ## Example
    ```python
    from fastapi import FastAPI, UploadFile

    app = FastAPI()


    @app.post("/avatar")
    async def upload_avatar(file: UploadFile) -> dict:
        data = await file.read()
        return {"received": len(data)}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI, HTTPException, UploadFile

    app = FastAPI()
    MAX_AVATAR_BYTES = 1_000_000


    @app.post("/avatar")
    async def upload_avatar(file: UploadFile) -> dict:
        if file.size is None or file.size > MAX_AVATAR_BYTES:
            raise HTTPException(status_code=413, detail="File too large")
        data = await file.read()
        return {"received": len(data)}
    ```

    With FastAPI 0.165 or later, `FastAPI(max_body_size=...)`, `APIRouter(max_body_size=...)`
    or `@app.post(..., max_body_size=...)` rejects larger bodies with `413` before
    they are read.

    ## Fix safety
    There is no fix: the right limit depends on what the endpoint accepts, and the
    best place for it (reverse proxy, middleware, the path operation) on the
    deployment.

    ## References
    - CWE-770: [Allocation of Resources Without Limits or Throttling](https://cwe.mitre.org/data/definitions/770.html)
    - FastAPI: [Request Files](https://fastapi.tiangolo.com/tutorial/request-files/), [Request Body Limits](https://fastapi.tiangolo.com/advanced/request-body-limits/)
    - Starlette: [Requests](https://www.starlette.io/requests/#body)
    - OWASP: [Unrestricted File Upload](https://owasp.org/www-community/vulnerabilities/Unrestricted_File_Upload)

    ## Judging
    True when a request body is read whole with no size limit in an endpoint
    open to untrusted clients.
    """

    code = "FAPI412"
    report_in_tests = False
    name = "unbounded-request-body"
    summary = "Request body read with no size limit"
    severity = Severity.WARNING
    default_enabled = False
    tags = ("security", "external/cwe/cwe-770")
    cwe = 770
    security_severity = 5.3
    precision = "medium"

    def check_module(self, ctx: RuleContext) -> None:
        # Middleware guards the app it is added to; with no known app, every app of the project.
        model = ctx.model
        for owner in _limit_middleware_owners(model):
            ctx.defer(Span(1, 0, 1, 0), guard=True, app=container_id(model, owner) if owner is not None else None,
                      whole_app=True)
        # FastAPI's ``max_body_size=`` on an app, a router or an include call limits every route below it
        for container in model.containers:
            if _sets_max_body_size(container.node):
                ctx.defer(Span(1, 0, 1, 0), guard=True, app=container_id(model, container), whole_app=container.is_app)
        for include in model.includes:
            if _sets_max_body_size(include.node):
                ctx.defer(Span(1, 0, 1, 0), guard=True, include=(model.name, ctx.line(include.node)))

    def check_route(self, route: Route, ctx: RuleContext) -> None:
        handler = route.handler
        model = ctx.model
        if handler is None or route.is_websocket or _is_test_module(ctx.path):
            return
        if _sets_max_body_size(route.call) or (route.owner is not None and _sets_max_body_size(route.owner.node)):
            return
        index = model.routes.index(route)
        if any(r.handler is handler for r in model.routes[:index]):
            return  # one handler on several paths: reported once
        for dep in route.all_dependencies():
            if _limit_name(dep.target or dotted_name(dep.target_node)) or (
                    dep.function is not None and _reads_content_length(dep.function, model)):
                return
        candidates: list[tuple[cst.CSTNode, str, str]] = []
        for param in route.parameters:
            kind = _upload_kind(param, model, handler)
            if kind is not None:
                stored = "spooled to disk" if "UploadFile" in kind else "held in memory"
                candidates.append((param.node.name, f"`{param.name}` ({kind})", stored))
        seen: set[str] = set()
        for site in handler.calls:
            what = BODY_READS.get(site.callee or "")
            if what is not None and what not in seen:
                seen.add(what)
                stored = "read into memory" if site.callee == "fastapi.Request.body" else "read to its end"
                candidates.append((site.node, what, stored))
        if not candidates or _bounded(handler, model):
            return
        for node, what, stored in candidates:
            ctx.defer(node, guard=False, module=model.name, route=index, message=(
                f"{what} in path operation `{handler.name}` takes a request body of any size: a client can send "
                f"an arbitrarily large body, {stored}, and exhaust the server (CWE-770); Starlette and uvicorn "
                f"set no body limit by default"))

    def check_project(self, project: ProjectContext) -> None:
        items = project.deferred()
        guards = [item.data for item in items if item.data.get("guard")]
        if any(data.get("app", "") is None for data in guards):
            return  # limit middleware added to an app the module does not show
        limited = {project.tree.container_id(data["app"]) or data["app"] for data in guards if data.get("app")}
        limited_includes = {tuple(data["include"]) for data in guards if data.get("include")}
        # a route no known app serves may be served by an app that has a limit
        any_app_limited = any(data.get("whole_app") for data in guards)
        items = [item for item in items if not item.data.get("guard")]
        if not items:
            return
        instances: dict[tuple[str, int], list] = {}
        for instance in project.tree.instances:
            instances.setdefault((instance.module.name, instance.route.index), []).append(instance)
        for item in items:
            chain = instances.get((item.data["module"], item.data["route"]), [])
            if chain and all(_limited(instance, limited, limited_includes) or (instance.app is None and any_app_limited)
                             for instance in chain):
                continue
            if any(_limit_name(dep.target or dep.call or dep.text)
                   for instance in chain for dep in instance.dependencies):
                continue
            project.report(item.path, item.span, item.data["message"],
                           help="Set `max_body_size=` on the app, router or route (FastAPI 0.165+), reject "
                                "larger bodies yourself (`file.size`, `len(data)` -> `HTTPException(413)`), or limit "
                                "the body size in middleware or the reverse proxy")


def _limited(instance, containers: set[str], includes: set[tuple]) -> bool:
    """A route instance served under a container or include call that limits the body size."""
    for link in instance.chain:
        if link.container.id in containers:
            return True
        if link.include is not None and (link.include_module, link.include.line) in includes:
            return True
    return False
