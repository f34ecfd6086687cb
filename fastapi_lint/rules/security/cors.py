"""What a ``CORSMiddleware`` registration allows: shared by FAPI403 and FAPI404.

Starlette's ``CORSMiddleware`` (``starlette/middleware/cors.py``) treats
``allow_origins`` containing ``"*"`` as "every origin", and matches
``allow_origin_regex`` with ``re.fullmatch`` against the request's ``Origin``.
With ``allow_credentials=True`` it answers a wildcard configuration by echoing the
caller's origin (``preflight_explicit_allow_origin``, ``allow_explicit_origin``),
so the browser lets any site read credentialed responses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from fastapi_lint.model.module import ModuleModel
from fastapi_lint.model.nodes import MiddlewareRegistration
from fastapi_lint.rules.security import values

CORS_MIDDLEWARE = "starlette.middleware.cors.CORSMiddleware"
#: origins no allow-list means to admit: if a regex accepts them, it accepts anything
_PROBE_ORIGINS = ("https://attacker.invalid", "http://evil-fapi-lint-probe.test")


@dataclass(frozen=True)
class Wildcard:
    """A CORS registration that admits every origin: ``node`` is the argument value
    to report, ``description`` says how (``allow_origins=["*"]``)."""

    registration: MiddlewareRegistration
    node: cst.BaseExpression
    description: str
    credentials: bool | None


def wildcards(model: ModuleModel) -> list[Wildcard]:
    """The ``CORSMiddleware`` registrations of the module whose origins resolve to "any"."""
    sites = values.call_sites(model)
    out = []
    for registration in model.middleware_registrations:
        if registration.middleware_class != CORS_MIDDLEWARE:
            continue
        site = sites.get(id(registration.node))
        if site is None:
            continue
        call, scope = registration.node, site.scope
        credentials_node = values.arg_value(call, "allow_credentials")
        credentials = values.bool_value(credentials_node, scope, model) if credentials_node is not None else False
        origins = values.arg_value(call, "allow_origins")
        if origins is not None:
            listed = values.strings_value(origins, scope, model)
            if listed is not None and "*" in listed:
                found = values.resolve(origins, scope, model)
                where = f" (from {found.origin})" if found is not None and found.origin else ""
                out.append(Wildcard(registration, origins, f'`allow_origins` contains `"*"`{where}', credentials))
                continue
        regex = values.arg_value(call, "allow_origin_regex")
        if regex is not None:
            pattern = values.string_value(regex, scope, model)
            if pattern is not None and _matches_anything(pattern):
                out.append(Wildcard(registration, regex, f"`allow_origin_regex={pattern!r}` matches any origin",
                                    credentials))
    return out


def _matches_anything(pattern: str) -> bool:
    try:
        compiled = re.compile(pattern)
    except re.error:
        return False
    return all(compiled.fullmatch(origin) for origin in _PROBE_ORIGINS)
