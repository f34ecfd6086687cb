"""FAPI411 missing-trusted-host."""

from __future__ import annotations

import re
from pathlib import PurePath

from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity, Span
from fastapi_lint.model.module import ModuleModel
from fastapi_lint.project.context import ProjectContext
from fastapi_lint.rules.base import Rule
from fastapi_lint.rules.security import values

TRUSTED_HOST = "starlette.middleware.trustedhost.TrustedHostMiddleware"
#: middleware that show the deployment already thinks about the proxy's headers
PROXY_HEADERS = frozenset({"uvicorn.middleware.proxy_headers.ProxyHeadersMiddleware"})
TEST_CLIENTS = frozenset({"starlette.testclient.TestClient", "fastapi.testclient.TestClient", "httpx.ASGITransport"})
APP_CLASSES = frozenset({"fastapi.FastAPI", "starlette.applications.Starlette"})
#: a documented ``--forwarded-allow-ips`` / ``forwarded_allow_ips=`` / ``FORWARDED_ALLOW_IPS``
_FORWARDED = re.compile(r"forwarded[-_]allow[-_]ips", re.I)


def _is_test_module(path: str, model: ModuleModel) -> bool:
    """A test module: by its file name, or because it drives an app with a test client."""
    name = PurePath(path).name
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py" or \
        any(site.callee in TEST_CLIENTS for site in model.calls)


class MissingTrustedHost(Rule):
    """## What it does
    Checks for FastAPI (or Starlette) applications in a project where no module
    adds Starlette's `TrustedHostMiddleware`, and for `TrustedHostMiddleware`
    registrations that allow every host (`allowed_hosts=["*"]`, or no
    `allowed_hosts`, whose default is `["*"]`).

    An application is reported once, at its `FastAPI(...)` call, when it is built
    (at module level or in a factory) outside test modules (`test_*.py`,
    `*_test.py`, `conftest.py`, modules that call `TestClient` or
    `httpx.ASGITransport`), and no module of the linted project registers
    `TrustedHostMiddleware` (on any application) or uvicorn's
    `ProxyHeadersMiddleware`, or mentions a `forwarded_allow_ips` setting
    (`--forwarded-allow-ips`, `FORWARDED_ALLOW_IPS`). Off by default: many
    deployments validate the host in the reverse proxy instead.

    ## Why is this bad?
    The application trusts the `Host` header of every request. `request.url_for()`,
    `request.base_url`, redirects (including the trailing-slash redirect) and links
    built from them, such as password-reset or e-mail confirmation links, then point
    wherever the client said; together with a cache this poisons responses for other
    users (host header injection, CWE-644). Listing the served host names rejects
    other hosts with `400 Invalid host header`.

    ## Known problems
    A host check done in the reverse proxy (nginx `server_name`, a load balancer's
    host rules) or configured outside Python files is not visible: disable the rule
    or suppress the finding with a reason. Applications are not linked to the
    module that adds the middleware: one registration anywhere silences the project.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.trustedhost import TrustedHostMiddleware

    app = FastAPI()
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["example.com", "*.example.com"])
    ```

    ## Fix safety
    There is no fix: only the deployment knows the host names it serves.

    ## References
    - FastAPI: [TrustedHostMiddleware](https://fastapi.tiangolo.com/advanced/middleware/#trustedhostmiddleware)
    - Starlette: [TrustedHostMiddleware](https://www.starlette.io/middleware/#trustedhostmiddleware)
    - OWASP: [Testing for Host Header Injection](https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/07-Input_Validation_Testing/17-Testing_for_Host_Header_Injection)
    - [CWE-644](https://cwe.mitre.org/data/definitions/644.html)

    ## Judging
    True when an app deployed behind no proxy that checks the Host header
    accepts any host and a reviewer would ask for `TrustedHostMiddleware`.
    """

    code = "FAPI411"
    report_in_tests = False
    name = "missing-trusted-host"
    summary = "Application accepts any Host header"
    severity = Severity.WARNING
    default_enabled = False
    tags = ("security", "external/cwe/cwe-644")
    cwe = 644
    security_severity = 5.3

    def prescreen(self, text: str) -> bool:
        return super().prescreen(text) or "ProxyHeaders" in text or _FORWARDED.search(text) is not None

    def check_module(self, ctx: RuleContext) -> None:
        model = ctx.model
        guarded = _FORWARDED.search(ctx.source.text) is not None
        sites = values.call_sites(model)
        for registration in model.middleware_registrations:
            if registration.middleware_class in PROXY_HEADERS:
                guarded = True
            if registration.middleware_class != TRUSTED_HOST:
                continue
            guarded = True
            site = sites.get(id(registration.node))
            if site is None:
                continue
            call = registration.node
            hosts_node = values.arg_value(call, "allowed_hosts", 1)
            if hosts_node is None:
                if values.has_star_kwargs(call) or any(arg.star == "*" for arg in call.args):
                    continue
                ctx.report(call, "`TrustedHostMiddleware` without `allowed_hosts` allows every host (the default is "
                                 "`[\"*\"]`): the `Host` header is still trusted, so links and redirects built from "
                                 "it can point to an attacker's site",
                           help="Pass `allowed_hosts=[...]` with the host names the application serves")
                continue
            hosts = values.strings_value(hosts_node, site.scope, model)
            if hosts is not None and "*" in hosts:
                ctx.report(hosts_node, "`TrustedHostMiddleware` with `\"*\"` in `allowed_hosts` allows every host: the "
                                       "`Host` header is still trusted, so links and redirects built from it can point "
                                       "to an attacker's site",
                           help="List the host names the application serves (`*.example.com` for subdomains)")
        if guarded:
            ctx.defer(Span(1, 0, 1, 0), guard=True)
            return
        if _is_test_module(ctx.path, model):
            return
        for app in model.apps:
            if app.node is None or app.class_name not in APP_CLASSES:
                continue
            ctx.defer(app.node, guard=False, message=(
                f"Application `{app.name}` accepts requests for any `Host` header: no module of the project adds "
                f"`TrustedHostMiddleware`, so URLs, redirects and e-mailed links built from the request can point "
                f"to a host chosen by the client (host header injection)"))

    def check_project(self, project: ProjectContext) -> None:
        items = project.deferred()
        if any(item.data.get("guard") for item in items):
            return
        for item in items:
            project.report(item.path, item.span, item.data["message"],
                           help="Add `TrustedHostMiddleware` with the host names the application serves")
