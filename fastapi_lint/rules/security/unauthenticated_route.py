"""FAPI402 unauthenticated-route."""

from __future__ import annotations

import fnmatch
import re

from fastapi_lint.diagnostics import Severity
from fastapi_lint.project.auth import AuthAnalysis
from fastapi_lint.project.context import ProjectContext
from fastapi_lint.rules.base import Option, Rule

DEFAULT_PUBLIC_PATHS = [
    "*/login*", "*/logout*", "*/signin*", "*/sign-in*", "*/token*", "*/refresh*", "*/register*", "*/signup*",
    "*/sign-up*", "*/forgot*", "*/reset*", "*/password-recovery*", "*/recover*", "*/verify*", "*/verification*",
    "*/confirm*", "*/health*", "*/ping*", "*/ready*", "*/live*", "*/webhook*", "*/callback*", "*/oauth*",
    "*/sso*", "*/saml*", "*/oidc*", "*/auth/*", "*/auths/*", "*/public/*", "*/public", "*_public_*",
    "*/signout*", "*/sign-out*",
    "*/mfa/*", "*/2fa/*", "*/otp/*",
]
#: handler names of read-only operations exposed as POST (RPC-style APIs)
_READ_VERBS = re.compile(r"^(?:get|list|read|fetch|search|query|find|lookup|describe|count|check|preview|"
                         r"validate|verify|export|download|render|calculate|estimate|info|status|redirect)(?:_|$)")


class UnauthenticatedRoute(Rule):
    """## What it does
    Checks for state-changing path operations (POST, PUT, PATCH and DELETE by
    default) with no authentication anywhere in the chain that serves them: the
    app, every router and `include_router` call on the way (across modules), the
    decorator, the parameters, and their dependencies, followed through the project.

    Authentication is a `Security(...)` dependency; a dependency that is, or takes
    at any depth, an instance of a `fastapi.security` scheme (`OAuth2PasswordBearer`,
    `HTTPBearer`, `APIKeyHeader`... or a project subclass); a dependency named in
    `auth-dependencies` or known to authenticate (fastapi-users' `current_user(...)`,
    fastapi-login's `LoginManager`); a header, cookie or query parameter carrying a
    credential (`authorization`, `x_api_key`, `x_token`...); or authentication
    middleware on the app (Starlette's `AuthenticationMiddleware`, or one in
    `auth-middleware`).

    Routes whose full path matches `public-paths` (login, token, registration,
    password recovery, MFA, health checks, webhooks and OAuth callbacks by default)
    are not reported, nor are operations that do not change state although they use
    POST (a handler or last path segment named `get_...`, `list_...`, `search_...`:
    RPC-style reads), redirects, and catch-all proxy routes (GET with three or more
    other methods).

    ## Why is this bad?
    A route that creates, changes or deletes data without knowing who asks lets
    anyone on the network do it. In FastAPI, authentication is a dependency: one
    missing `Depends(get_current_user)` on a router or an include call is all it
    takes, and nothing fails loudly. The message names the full method and path and
    the chain that was checked.

    ## Known problems
    A router that no app of the project includes is not reported: the app that
    includes it (in another project, for a library's router factory) may add
    authentication. A dependency from a library the linter does not know is decided
    by `unresolved-dependencies` (default `by-name`: it counts as authentication when
    its name says so, such as `get_current_user` or `verify_api_key`).

    ## Example
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class Item(BaseModel):
        name: str


    @app.post("/items")
    async def create_item(item: Item) -> Item:
        return item
    ```

    ## Use instead
    ```python
    from typing import Annotated

    from fastapi import Depends, FastAPI
    from fastapi.security import OAuth2PasswordBearer
    from pydantic import BaseModel

    app = FastAPI()
    oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


    class Item(BaseModel):
        name: str


    async def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> dict:
        return {"token": token}


    @app.post("/items")
    async def create_item(item: Item, user: Annotated[dict, Depends(get_current_user)]) -> Item:
        return item
    ```

    ## Options
    - `methods` (list, default `["POST", "PUT", "PATCH", "DELETE"]`): the HTTP methods
      that change state.
    - `public-paths` (list of `fnmatch` patterns on the full path, case-insensitive):
      routes meant to be public; replaces the default list.
    - `extend-public-paths` (list): more public patterns, added to the defaults.
    - `auth-dependencies` (list of qualified names or patterns, e.g.
      `["app.deps.get_current_user", "app.auth.*"]`): dependencies that authenticate.
    - `auth-middleware` (list of qualified class names): middleware that authenticates
      every request of the app it is added to.
    - `unresolved-dependencies` (`"by-name"`, `"authenticated"` or
      `"unauthenticated"`, default `"by-name"`): how to count a dependency the linter
      cannot follow.
    - `auth-by-name` (bool, default `true`): a dependency whose name says it
      authenticates (`get_current_user`, `get_current_admin`, `require_admin`,
      `verify_api_key`), or a handler that calls such a function itself
      (`user_api_key_auth(request)`), counts as authentication even when what it
      checks is invisible to the linter (`request.state` set by middleware).

    ## References
    - CWE-306: [Missing Authentication for Critical Function](https://cwe.mitre.org/data/definitions/306.html)
    - FastAPI: [Security](https://fastapi.tiangolo.com/tutorial/security/)
    - FastAPI: [Dependencies in path operation decorators](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-in-path-operation-decorators/)

    ## Judging
    True when the route changes state (or exposes private data) and no
    dependency in its chain, nor the handler itself, authenticates the caller,
    and the route is not public by design (login, signup, password reset,
    webhooks with their own signature check, health checks). False when
    authentication exists but the tool missed it.
    """

    code = "FAPI402"
    report_in_tests = False
    name = "unauthenticated-route"
    summary = "State-changing path operation with no authentication in its chain"
    severity = Severity.ERROR
    tags = ("security", "external/cwe/cwe-306")
    cwe = 306
    security_severity = 8.1
    precision = "medium"
    options = (
        Option("methods", "list[str]", ["POST", "PUT", "PATCH", "DELETE"], "State-changing HTTP methods."),
        Option("public-paths", "list[str]", DEFAULT_PUBLIC_PATHS, "Patterns of paths meant to be public."),
        Option("extend-public-paths", "list[str]", [], "More public path patterns."),
        Option("auth-dependencies", "list[str]", [], "Dependencies (qualified names or patterns) that authenticate."),
        Option("auth-middleware", "list[str]", [], "Middleware classes that authenticate."),
        Option("unresolved-dependencies", "str", "by-name", "How to count dependencies that cannot be followed.",
               ("by-name", "authenticated", "unauthenticated")),
        Option("auth-by-name", "bool", True, "Count dependencies named like authentication as authentication."),
    )

    def check_project(self, project: ProjectContext) -> None:
        methods = {m.upper() for m in self.settings["methods"]}
        public = [p.lower() for p in [*self.settings["public-paths"], *self.settings["extend-public-paths"]]]
        analysis = AuthAnalysis(project.index, self.settings["auth-dependencies"], self.settings["auth-middleware"],
                                self.settings["unresolved-dependencies"], self.settings["auth-by-name"])
        reported: set[tuple[str, int]] = set()
        for instance in project.tree.instances:
            route = instance.route
            key = (instance.module.name, route.index)
            if key in reported or instance.app is None or not methods & set(route.methods):
                continue
            if _not_state_changing(route):
                continue
            if instance.module.path not in project.reportable:
                continue
            path = (instance.full_path or "").lower()
            if any(fnmatch.fnmatchcase(path, pattern) for pattern in public):
                continue
            verdict = analysis.verdict(instance)
            if verdict.authenticated:
                continue
            reported.add(key)
            checked = ", ".join(verdict.checked) or "the route itself"
            unresolved = ""
            if verdict.unresolved:
                names = ", ".join(f"`{n}`" for n in verdict.unresolved[:3])
                unresolved = f"; not followed (outside the project): {names}"
            project.report(
                instance.module.path, route.span,
                f"`{instance.label}` (`{route.handler_name}`) changes state with no authentication: checked "
                f"{checked} and {len(instance.dependencies)} dependenc{'y' if len(instance.dependencies) == 1 else 'ies'}"
                f"{unresolved}",
                help="Add an authentication dependency (e.g. `Depends(get_current_user)` built on a "
                     "`fastapi.security` scheme), or list the path in `public-paths` if it is meant to be public",
            )


def _not_state_changing(route) -> bool:
    """A POST that reads (RPC style: ``get_info``, ``list_types``), a redirect, or a
    catch-all proxy route (GET and every other method) does not change state itself."""
    if _READ_VERBS.match(route.handler_name) or route.handler_name.endswith("_redirect"):
        return True
    last = (route.path or "").rstrip("/").rpartition("/")[2]
    if _READ_VERBS.match(last.replace("-", "_")):
        return True
    return "GET" in route.methods and len(route.methods) >= 4
