"""Is a route instance authenticated? Decided from its whole dependency chain.

Authentication is any of, anywhere in the chain (app, routers, include calls,
decorator, parameters, and their sub-dependencies, followed across modules):

* a ``Security(...)`` dependency;
* a dependency that is, or takes (at any depth), an instance of a
  ``fastapi.security`` scheme (``OAuth2PasswordBearer``, ``HTTPBearer``,
  ``APIKeyHeader``..., or a project subclass of one);
* a dependency named in the configuration (``auth-dependencies``, qualified names
  or ``fnmatch`` patterns) or known to authenticate (fastapi-users'
  ``current_user(...)``, fastapi-login's ``LoginManager``...);
* a header, cookie or query parameter that carries a credential
  (``authorization``, ``x_api_key``, ``x_token``...), read by the route or a
  dependency;
* authentication middleware on the app (Starlette's ``AuthenticationMiddleware``
  or one named in ``auth-middleware``).

A dependency that cannot be followed (it comes from a library the linter does not
know) is decided by the ``unresolved-dependencies`` policy: ``by-name`` (default:
it authenticates when its name says so, e.g. ``get_current_user``,
``require_admin``, ``verify_api_key``), ``authenticated`` or ``unauthenticated``.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

from fastapi_lint import knowledge
from fastapi_lint.project.index import ProjectIndex
from fastapi_lint.project.summary import DepRef, ParamSummary
from fastapi_lint.project.tree import RouteInstance

KNOWN_AUTH_FACTORIES = frozenset({
    "fastapi_users.FastAPIUsers.current_user",
    "fastapi_users.fastapi_users.FastAPIUsers.current_user",
    "fastapi_users.authentication.Authenticator.current_user",
    "fastapi_users.authentication.authenticator.Authenticator.current_user",
})
KNOWN_AUTH_CLASSES = frozenset({
    "fastapi_login.LoginManager",
    "fastapi_login.login_manager.LoginManager",
    "fastapi_azure_auth.SingleTenantAzureAuthorizationCodeBearer",
    "fastapi_azure_auth.MultiTenantAzureAuthorizationCodeBearer",
    "fastapi_azure_auth.B2CMultiTenantAuthorizationCodeBearer",
    "fastapi_cloudauth.Cognito",
    "fastapi_cloudauth.Auth0",
    "fastapi_cloudauth.Firebase",
    "fief_client.integrations.fastapi.FiefAuth",
})
AUTH_MIDDLEWARE = frozenset({"starlette.middleware.authentication.AuthenticationMiddleware"})
_CREDENTIAL_PARAMS = re.compile(
    r"^(?:x_)?(?:authorization|auth|api_?key|access_?token|token|auth_?token|session(?:_?id)?|jwt|bearer|"
    r"apikey|secret|signature|x_hub_signature\w*|x_signature)$",
    re.I,
)
#: names of dependencies and helpers that authenticate (``get_current_user``,
#: ``get_current_admin``, ``require_admin``, ``verify_api_key``, ``login_required``)
_AUTH_NAME = re.compile(r"current_(?:active_)?(?:super)?(?:user|admin|account|principal|member)|"
                        r"(?:require|verify|check|ensure|validate)_?(?:auth|login|admin|user|token|api_?key|"
                        r"permission|scope|role|access)|auth(?:enticate|orize|orization)?(?:_|$)|login_required|"
                        r"api_?key_auth|(?:user|admin)_required", re.I)
_AUTH_CALL = re.compile(r"^(?:user_api_key_auth|authenticate\w*|authorize\w*|verify_(?:token|api_?key|jwt|"
                        r"signature|auth)\w*|check_(?:auth|permission)\w*|require_(?:auth|user|admin)\w*)$", re.I)
_AUTH_WORDS = re.compile(r"auth|user|login|token|permission|scope|admin|role|verif|current|credential|api_?key|"
                         r"principal|identity|account|owner|member|superuser|staff|guard|require|access", re.I)


@dataclass
class Verdict:
    """``authenticated`` with the reason, the chain that was checked, and the
    dependencies that could not be followed."""

    authenticated: bool
    reason: str
    checked: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


class AuthAnalysis:
    def __init__(self, index: ProjectIndex, auth_dependencies: list[str], auth_middleware: list[str],
                 unresolved_policy: str, by_name: bool = True) -> None:
        self.index = index
        self.auth_dependencies = auth_dependencies
        self.auth_middleware = AUTH_MIDDLEWARE | frozenset(auth_middleware)
        self.policy = unresolved_policy
        self.by_name = by_name
        self._middleware: dict[str | None, bool] = {}

    def verdict(self, instance: RouteInstance) -> Verdict:
        checked = [self._describe_link(link) for link in instance.chain]
        app = instance.app
        if app is not None and self._app_has_auth_middleware(app.id):
            return Verdict(True, f"authentication middleware on app `{app.name}`", checked)
        unresolved: list[str] = []
        for param in instance.route.params:
            if self._credential_param(param):
                return Verdict(True, f"reads the credential `{param.name}` ({param.source})", checked)
        handler = self.index.functions.get(instance.route.handler or "")
        if handler is not None and self.by_name:
            for callee in handler[1].calls:
                if _AUTH_CALL.search(callee.rpartition(".")[2]):
                    return Verdict(True, f"calls `{callee.rpartition('.')[2]}()` itself", checked)
        seen: set[str] = set()
        self._named: list[str] = []
        queue = list(instance.dependencies)
        queue.extend(d for d in (self._annotated_alias(p) for p in instance.route.params) if d is not None)
        steps = 0
        while queue and steps < 200:
            steps += 1
            dep = queue.pop(0)
            reason = self._direct(dep)
            if reason is not None:
                return Verdict(True, reason, checked, unresolved)
            key = dep.target or dep.call or dep.text
            if key in seen:
                continue
            seen.add(key)
            found, more, why = self._follow(dep)
            if why is not None:
                return Verdict(True, why, checked, unresolved)
            if not found:
                name = dep.text or dep.target or dep.call or "?"
                unresolved.append(name)
                if self.policy == "authenticated" or (self.policy == "by-name" and _AUTH_WORDS.search(name)):
                    return Verdict(True, f"`{name}` could not be followed and counts as authentication "
                                         f"(unresolved-dependencies = {self.policy!r})", checked, unresolved)
            queue.extend(more)
        if self._named:
            return Verdict(True, f"dependency `{self._named[0]}` (authenticates, by its name)", checked, unresolved)
        return Verdict(False, "no authentication in the chain", checked, unresolved)

    # -- one dependency ----------------------------------------------------------

    def _direct(self, dep: DepRef) -> str | None:
        label = dep.text or dep.target or dep.call or "?"
        if dep.is_security:
            return f"`Security({label})` dependency"
        if dep.scheme is not None:
            return f"security scheme `{label}` ({dep.scheme.rpartition('.')[2]})"
        for name in (dep.target, dep.call):
            if name and (name in KNOWN_AUTH_FACTORIES or name in KNOWN_AUTH_CLASSES):
                return f"authentication dependency `{label}`"
            if name and any(fnmatch.fnmatchcase(name, pattern) for pattern in self.auth_dependencies):
                return f"configured auth dependency `{label}`"
        return None

    def _follow(self, dep: DepRef) -> tuple[bool, list[DepRef], str | None]:
        """(followed?, sub-dependencies, authentication reason if it is one)."""
        name = dep.target or dep.call
        target = self.index.resolve(name)
        label = dep.text or name or "?"
        if target is None or target.kind == "external":
            scheme = target.name if target is not None else name
            if scheme in knowledge.SECURITY_SCHEMES or (scheme and scheme.startswith("fastapi.security.")):
                return True, [], f"security scheme `{label}`"
            return False, [], None
        if target.kind == "function" and target.function is not None:
            if self.by_name and _AUTH_NAME.search(target.name.rpartition(".")[2]):
                self._named.append(label)  # used only when nothing in the chain proves it
            subs = []
            for param in target.function.params:
                if self._credential_param(param):
                    return True, [], f"`{label}` reads the credential `{param.name}`"
                if param.dependency is not None:
                    subs.append(param.dependency)
                annotated = self._annotated_alias(param)
                if annotated is not None:
                    subs.append(annotated)
            return True, subs, None
        if target.kind == "class":
            if self.index.is_subclass(target.name, knowledge.SECURITY_SCHEMES):
                return True, [], f"security scheme `{label}` ({target.name.rpartition('.')[2]})"
            if target.name in KNOWN_AUTH_CLASSES:
                return True, [], f"authentication dependency `{label}`"
            # FastAPI calls the class (its __init__), or for an instance its __call__.
            method = self.index.functions.get(f"{target.name}.{'__call__' if dep.instance else '__init__'}")
            return True, self._params_deps(method[1].params) if method else [], None
        if target.kind == "assign" and target.symbol is not None:
            value = self.index.instance_type(target.symbol.value_type) or target.symbol.value_type
            if value in knowledge.SECURITY_SCHEMES or self.index.is_subclass(value, knowledge.SECURITY_SCHEMES):
                return True, [], f"security scheme `{label}` ({(value or '').rpartition('.')[2]})"
            if value in KNOWN_AUTH_CLASSES:
                return True, [], f"authentication dependency `{label}`"
            call = self.index.functions.get(f"{value}.__call__") if value else None
            if call is not None:
                return True, self._params_deps(call[1].params), None
            return bool(value), [], None
        return True, [], None

    def _params_deps(self, params: tuple[ParamSummary, ...]) -> list[DepRef]:
        out = [p.dependency for p in params if p.dependency is not None]
        out.extend(d for d in (self._annotated_alias(p) for p in params) if d is not None)
        return out

    def _annotated_alias(self, param: ParamSummary) -> DepRef | None:
        if param.dependency is not None or param.annotation is None:
            return None
        target = self.index.resolve(param.annotation)
        if target is not None and target.kind == "assign" and target.symbol is not None and \
                target.symbol.annotated is not None:
            return target.symbol.annotated[1]
        return None

    @staticmethod
    def _credential_param(param: ParamSummary) -> bool:
        return param.source in ("header", "cookie", "query", "implicit") and bool(_CREDENTIAL_PARAMS.match(param.name))

    def _app_has_auth_middleware(self, app_id: str) -> bool:
        if app_id not in self._middleware:
            found = False
            for module in self.index.modules.values():
                for owner, cls in module.middleware:
                    if cls is None:
                        continue
                    resolved = self.index.resolve(owner) if owner and owner not in self.index.containers else None
                    owner_id = resolved.name if resolved is not None else owner
                    if owner_id == app_id and (cls in self.auth_middleware or self.index.is_subclass(
                            cls, frozenset(self.auth_middleware))):
                        found = True
            self._middleware[app_id] = found
        return self._middleware[app_id]

    def _describe_link(self, link) -> str:
        kind = "app" if link.container.kind == "app" else "router"
        found = self.index.containers.get(link.container.id)
        where = found[0].path if found is not None else link.container.id.rsplit(".", 1)[0]
        return f"{kind} `{link.container.name}` ({where})"
