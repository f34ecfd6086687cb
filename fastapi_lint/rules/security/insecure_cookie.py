"""FAPI409 insecure-cookie."""

from __future__ import annotations

import re

import libcst as cst

from fastapi_lint import knowledge
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.rules.base import Rule
from fastapi_lint.rules.security import values

#: cookie names that carry a session or a credential (csrf tokens excluded: the
#: double-submit pattern needs JavaScript to read them)
_SENSITIVE = re.compile(r"session|token|auth|jwt|sid\b|_sid|login|remember|refresh|access|bearer", re.I)
_NOT_SENSITIVE = re.compile(r"csrf|xsrf", re.I)


class InsecureCookie(Rule):
    """## What it does
    Checks for `response.set_cookie(...)` (Starlette's `Response` and its
    subclasses) that sets a session, token or authentication cookie -- its name
    contains `session`, `token`, `auth`, `jwt`, `sid`, `login`, `refresh`,
    `access`... (CSRF cookies excepted) -- without `httponly=True` and
    `secure=True`, or with `samesite="none"` and no `secure=True`. A cookie whose
    value is a fixed literal (`"on"`, `"1"`) holds a preference, not a credential,
    and is not reported. A flag given as
    an expression the module does not resolve (`secure=settings.COOKIE_SECURE`) is
    taken as set. The receiver must resolve to a response class, or be unresolved
    in a module that imports FastAPI or Starlette (`response = await call_next(request)`).

    ## Why is this bad?
    Starlette's defaults are `httponly=False` and `secure=False`. Without
    `HttpOnly`, any script on the page (one XSS) reads the session and sends it
    away; without `Secure`, the browser also sends the cookie over plain HTTP,
    where anyone on the network sees it. `SameSite=None` without `Secure` is
    rejected by current browsers.

    ## Example
    ```python
    from fastapi import FastAPI, Response

    app = FastAPI()


    @app.post("/login")
    def login(response: Response, session_id: str) -> dict:
        response.set_cookie("session_id", session_id)
        return {}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI, Response

    app = FastAPI()


    @app.post("/login")
    def login(response: Response, session_id: str) -> dict:
        response.set_cookie("session_id", session_id, httponly=True, secure=True, samesite="lax")
        return {}
    ```

    ## References
    - CWE-614: [Sensitive Cookie in HTTPS Session Without 'Secure' Attribute](https://cwe.mitre.org/data/definitions/614.html)
    - CWE-1004: [Sensitive Cookie Without 'HttpOnly' Flag](https://cwe.mitre.org/data/definitions/1004.html)
    - Starlette: [Responses: Set Cookie](https://www.starlette.io/responses/#set-cookie)
    - OWASP: [Session Management Cheat Sheet: Cookies](https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#cookies)

    ## Judging
    True when a cookie that carries a session or token is set without `HttpOnly`
    and `Secure` in a deployed app. False when the cookie holds a preference or
    a non-secret value.
    """

    code = "FAPI409"
    report_in_tests = False
    name = "insecure-cookie"
    summary = "Session or token cookie set without HttpOnly and Secure"
    severity = Severity.WARNING
    tags = ("security", "external/cwe/cwe-614")
    cwe = 614
    security_severity = 6.5

    def check_module(self, ctx: RuleContext) -> None:
        model = ctx.model
        for site in model.calls:
            func = site.node.func
            if not isinstance(func, cst.Attribute) or func.attr.value != "set_cookie":
                continue
            callee = site.callee
            if callee is not None:
                owner = callee.rpartition(".")[0]
                if owner not in knowledge.RESPONSE_CLASSES:
                    continue
            elif not model.imports_fastapi and "starlette" not in ctx.source.text:
                continue
            call, scope = site.node, site.scope
            if values.has_star_kwargs(call):
                continue
            key = values.string_value(values.arg_value(call, "key", 0), scope, model)
            if key is None or not _SENSITIVE.search(key) or _NOT_SENSITIVE.search(key):
                continue
            value = values.resolve(values.arg_value(call, "value", 1), scope, model)
            if value is not None and isinstance(value.node, (cst.SimpleString, cst.Integer, cst.Name)):
                continue  # a fixed value ("on", "1", True): a preference, not a credential
            missing = []
            for flag in ("httponly", "secure"):
                # set_cookie(key, value, max_age, expires, path, domain, secure, httponly, samesite)
                arg = values.arg_value(call, flag, 6 if flag == "secure" else 7)
                if arg is None or values.bool_value(arg, scope, model) is False:
                    missing.append(f"`{flag}=True`")
            if not missing:
                continue
            samesite = values.string_value(values.arg_value(call, "samesite", 8), scope, model)
            extra = " (and `samesite=\"none\"` needs `secure=True`)" if samesite and samesite.lower() == "none" \
                and "`secure=True`" in missing else ""
            ctx.report(call, f"Cookie `{key}` set without {' and '.join(missing)}{extra}: "
                       + ("scripts on the page can read it (one XSS steals the session)"
                          if "`httponly=True`" in missing else "the browser also sends it over plain HTTP"),
                       help="Pass `httponly=True, secure=True` (and keep `samesite` at \"lax\" or \"strict\")")
