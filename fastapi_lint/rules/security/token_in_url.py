"""FAPI410 token-in-url."""

from __future__ import annotations

import re

import libcst as cst

from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.nodes import Dependency, DependencyFunction, Parameter, Route
from fastapi_lint.project.auth import _AUTH_CALL, _AUTH_NAME
from fastapi_lint.rules.base import Rule
from fastapi_lint import secrets

API_KEY_QUERY = "fastapi.security.APIKeyQuery"
REQUIRES = frozenset({"starlette.authentication.requires"})
#: the secret terms (see ``secrets.SECRET_TERMS``) that name a credential of the caller
_CREDENTIAL_TERMS = frozenset({"apikey", "token", "password", "passwd", "pwd", "passphrase", "secret", "secretkey",
                               "apisecret", "clientsecret", "accesskey", "authkey", "credentials", "credential"})
_EXTRA_NAMES = frozenset({"jwt", "authorization", "bearer"})
#: words in a name (or, for a bare ``token``, in the route's path) that make it a
#: pagination cursor, an anti-CSRF value, or a one-time token delivered by a link
_NOT_CREDENTIAL = re.compile(
    r"page|cursor|next|prev|continuation|offset|csrf|xsrf|state|nonce|reset|invit|verif|confirm|activat|"
    r"unsubscribe|magic|share|signup|register|email|onetime|otp|download|sso|oauth|callback|hash|include", re.I)
_ONE_TIME_PATH = re.compile(r"reset|invit|verif|confirm|activat|unsubscribe|magic|share|signup|register|email|"
                            r"download|sso|oauth|callback|login/|/link", re.I)
#: annotations FastAPI reads from the query string when no marker says otherwise
_SCALARS = frozenset({"builtins.str", "pydantic.SecretStr", "pydantic.types.SecretStr"})


def _term(name: str) -> str | None:
    """The credential term ``name`` ends with (``api_key`` -> ``apikey``), else ``None``."""
    flat = secrets.normalize(name)
    if flat in _EXTRA_NAMES or flat in {f"x{n}" for n in _EXTRA_NAMES}:
        return flat
    if not secrets.is_secret_name(name):
        return None
    last = None
    for match in secrets._TERMS_RE.finditer(flat):
        last = match
    if last is None or last.group() not in _CREDENTIAL_TERMS:
        return None
    if _NOT_CREDENTIAL.search(flat[: last.start()]) or _NOT_CREDENTIAL.search(flat[last.end():]):
        return None
    return last.group()


def _is_auth_dependency(dep: Dependency) -> bool:
    if dep.is_security or dep.scheme is not None:
        return True
    last = (dep.target or "").rpartition(".")[2]
    return bool(last) and bool(_AUTH_NAME.search(last) or _AUTH_CALL.match(last))


class TokenInUrl(Rule):
    """## What it does
    Checks for credentials read from the query string: a parameter of a path
    operation or of a dependency named like an access token, API key, password or
    secret (`token`, `access_token`, `api_key`, `apikey`, `password`,
    `client_secret`, `jwt`...) that FastAPI takes from the query, either declared
    with `Query(...)` or, in a path operation, a plain `str` (or `SecretStr`, or
    unannotated) parameter that is not in the path and has no default or a literal
    one; and every `APIKeyQuery(...)` security scheme. In a dependency only
    `Query(...)` counts: a plain parameter there may be a path parameter of the
    routes that use it.

    Not reported: parameters whose name says they are something else
    (`token_type`, `page_token`, `next_token`, `cursor`, `csrf_token`, `state`,
    `include_secrets`, `token_hash`...); one-time tokens delivered by links
    (`reset_token`, `invite_token`, `verification_token`, and a bare `token` on a
    path about resets, invitations, verification, sign-up, e-mail, OAuth/SSO
    callbacks or downloads): the link is the only way to deliver them, and they
    should expire after one use; websocket routes (browsers cannot set headers
    on a WebSocket handshake, so dependencies taking a `WebSocket` are skipped too);
    and a path operation or dependency that also authenticates by other means (a
    `Security(...)` or security-scheme dependency, a dependency named like
    `get_current_user`, `verify_api_key`, or Starlette's `@requires(...)`): there
    the parameter selects a key or token to act on, it is not the caller's
    credential.

    ## Why is this bad?
    The query string is part of the URL, and URLs are written to web server,
    proxy and load-balancer access logs, kept in browser history and bookmarks,
    sent to other sites in the `Referer` header, and shown in monitoring tools.
    Anyone with access to any of these can reuse the credential. A header
    (`Authorization`, `X-API-Key`) or a cookie is not logged by default.

    ## Known problems
    Server-sent events read with the browser's `EventSource` cannot set headers
    either; such endpoints often take a token in the query on purpose. Use a
    short-lived, single-purpose token there and suppress with
    `# noqa: FAPI410`.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/reports")
    def reports(api_key: str) -> list:
        return []
    ```

    ## Use instead
    ```python
    from typing import Annotated

    from fastapi import FastAPI, Header

    app = FastAPI()


    @app.get("/reports")
    def reports(x_api_key: Annotated[str, Header()]) -> list:
        return []
    ```

    ## References
    - CWE-598: [Use of GET Request Method With Sensitive Query Strings](https://cwe.mitre.org/data/definitions/598.html)
    - OWASP: [Information exposure through query strings in URL](https://owasp.org/www-community/vulnerabilities/Information_exposure_through_query_strings_in_url)
    - FastAPI: [Security - First Steps](https://fastapi.tiangolo.com/tutorial/security/first-steps/) (headers), [`APIKeyQuery`](https://fastapi.tiangolo.com/reference/security/#fastapi.security.APIKeyQuery)

    ## Judging
    True when an access token, API key or password is read from the query string
    of a request-serving endpoint (where it ends up in logs and history). False
    when the parameter is a filter or identifier, or the protocol requires it
    (OAuth callbacks, websocket auth that has no headers) and the code says so.
    """

    code = "FAPI410"
    report_in_tests = False
    name = "token-in-url"
    summary = "Access token, API key or password read from the query string"
    severity = Severity.WARNING
    tags = ("security", "external/cwe/cwe-598")
    cwe = 598
    security_severity = 5.3

    def check_module(self, ctx: RuleContext) -> None:
        for scheme in ctx.model.security_schemes:
            if scheme.class_name == API_KEY_QUERY:
                ctx.report(scheme.node, "`APIKeyQuery` reads the API key from the query string: URLs are kept in "
                           "access logs, browser history and Referer headers, where anyone can reuse the key",
                           help="Use `APIKeyHeader` (or `APIKeyCookie`) instead")

    def check_route(self, route: Route, ctx: RuleContext) -> None:
        if route.is_websocket:
            return
        deps = [*route.all_dependencies(), *(route.owner.dependencies if route.owner is not None else ())]
        if any(_is_auth_dependency(dep) for dep in deps) or _requires_decorator(route, ctx):
            return  # the caller authenticates otherwise: a query token is a target, not a credential
        bare_token_ok = route.path is not None and _ONE_TIME_PATH.search(route.path) is not None
        where = f"path operation `{route.handler.name}`" if route.handler is not None else "a path operation"
        for param in route.parameters:
            self._check(param, ctx, bare_token_ok, where, implicit=True)

    def check_dependency(self, dependency: DependencyFunction, ctx: RuleContext) -> None:
        if dependency.function in ctx.model.route_handlers():
            return  # checked as a route
        params = dependency.parameters
        if any(p.source == "websocket" for p in params):
            return  # a WebSocket handshake cannot carry custom headers from a browser
        if any(p.dependency is not None and _is_auth_dependency(p.dependency) for p in params):
            return
        for param in params:
            # a plain parameter of a dependency may be a path parameter of the routes using it
            self._check(param, ctx, False, f"dependency `{dependency.function.name}`", implicit=False)

    def _check(self, param: Parameter, ctx: RuleContext, bare_token_ok: bool, where: str, implicit: bool) -> None:
        if param.source == "implicit":
            if not implicit or not _literal_default(param.node.default):
                return  # a default the module does not show may be a `Depends(...)` from elsewhere
        elif param.source != "query":
            return
        if param.annotation is not None and param.type not in _SCALARS:
            return  # a body model, a bool, a list of key ids, a type the module does not show
        term = _term(param.name)
        if term is None or (bare_token_ok and secrets.normalize(param.name) == "token"):
            return
        ctx.report(param.node.name, f"`{param.name}` in {where} is read from the query string: URLs are kept in "
                   "access logs, browser history and Referer headers, where anyone can reuse the credential",
                   help="Read it from a header (`Header()`, `APIKeyHeader`) or a cookie")


def _literal_default(default: cst.BaseExpression | None) -> bool:
    return default is None or isinstance(default, (cst.SimpleString, cst.ConcatenatedString, cst.Integer)) or (
        isinstance(default, cst.Name) and default.value == "None")


def _requires_decorator(route: Route, ctx: RuleContext) -> bool:
    """Starlette's ``@requires("authenticated")`` on the handler."""
    if route.handler is None:
        return False
    for decorator in route.handler.node.decorators:
        expr = decorator.decorator
        func = expr.func if isinstance(expr, cst.Call) else expr
        if ctx.model.resolver.qualified_name(func, route.handler.parent_scope) in REQUIRES:
            return True
    return False
