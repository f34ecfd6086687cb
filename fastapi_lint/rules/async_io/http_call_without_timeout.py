"""FAPI203 http-call-without-timeout."""

from __future__ import annotations

import libcst as cst

from fastapi_lint.analysis import describe_call, request_functions
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.nodes import CallSite
from fastapi_lint.rules.base import Rule

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
#: calls that wait forever unless given ``timeout=``
NO_DEFAULT_TIMEOUT = frozenset(
    [f"requests.{v}" for v in _VERBS] + [f"requests.Session.{v}" for v in _VERBS] + ["urllib.request.urlopen"]
)
#: calls with a default timeout that ``timeout=None`` switches off
DEFAULT_TIMEOUT = frozenset(
    ["httpx.Client", "httpx.AsyncClient"] + [f"httpx.{v}" for v in (*_VERBS, "stream")]
    + [f"httpx.{c}.{v}" for c in ("Client", "AsyncClient") for v in (*_VERBS, "stream", "send")]
)


class HttpCallWithoutTimeout(Rule):
    """## What it does
    Checks for outbound HTTP calls in path operations, dependencies and middleware
    that can wait forever: `requests` calls without `timeout=`,
    `urllib.request.urlopen` without a timeout, and `httpx` clients or calls given
    `timeout=None`.

    ## Why is this bad?
    `requests` and `urllib` have no default timeout: when the remote end accepts the
    connection and never answers, the call waits forever, and so does the request
    that made it -- holding a worker thread (or, in `async def`, the event loop) and
    the client's connection. A few such requests exhaust the thread pool and the app
    stops answering. `httpx` waits 5 seconds by default, unless the timeout is
    switched off with `timeout=None`.

    ## Known problems
    A `timeout` passed through `**kwargs` counts as given. Calls made in helper
    functions are not followed.

    ## Example
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/rates")
    def rates() -> dict:
        return requests.get("https://rates.example.com/latest").json()
    ```

    ## Use instead
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/rates")
    def rates() -> dict:
        return requests.get("https://rates.example.com/latest", timeout=5).json()
    ```

    ## References
    - Requests: [Timeouts](https://requests.readthedocs.io/en/latest/user/advanced/#timeouts)
    - HTTPX: [Timeouts](https://www.python-httpx.org/advanced/timeouts/)

    ## Judging
    True when an outbound HTTP call made while serving a request has no timeout
    (neither on the call nor on the client it uses) and the library's default is
    to wait forever.
    """

    code = "FAPI203"
    name = "http-call-without-timeout"
    summary = "Outbound HTTP call in a request that can wait forever"
    severity = Severity.WARNING
    tags = ("reliability", "performance")

    def check_module(self, ctx: RuleContext) -> None:
        for entry in request_functions(ctx.model):
            for site in entry.function.calls:
                problem = _problem(site)
                if problem is not None:
                    ctx.report(
                        site.node,
                        f"{describe_call(site)} in {entry.role} `{entry.function.name}` {problem}: when the remote "
                        f"end stops answering, the request waits forever and holds its worker",
                        help="Pass `timeout=` (seconds, e.g. `timeout=10`)",
                    )


def _problem(site: CallSite) -> str | None:
    callee = site.callee
    if callee in NO_DEFAULT_TIMEOUT:
        if any(a.star == "**" for a in site.node.args):
            return None
        position = 2 if callee == "urllib.request.urlopen" else None
        if site.argument("timeout", position) is None:
            return "has no timeout"
        return None
    if callee in DEFAULT_TIMEOUT:
        arg = site.argument("timeout")
        if arg is not None and isinstance(arg.value, cst.Name) and arg.value.value == "None":
            return "switches the timeout off (`timeout=None`)"
    return None
