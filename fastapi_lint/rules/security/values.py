"""Static values of expressions, for the security rules: what a keyword argument
is set to when the module shows it.

A value is followed through names bound exactly once (module constants, local
variables assigned once) and through fields of classes defined in the module
(``settings.cors_origins`` where ``settings = Settings()`` and the class declares
``cors_origins: list[str] = ["*"]``; a pydantic ``BaseSettings`` default). Anything
else -- a parameter, a call, an environment lookup, a name bound twice -- is
unknown, and the functions return ``None``: rules do not report what they cannot see.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from fastapi_lint.model.module import ModuleModel
from fastapi_lint.model.nodes import CallSite, literal_string
from fastapi_lint.names import ASSIGN, Scope

_MAX_HOPS = 6


@dataclass(frozen=True)
class Resolved:
    """An expression after following names: ``origin`` says where the value was
    found when it is not where it is used (``settings field `Settings.debug```)."""

    node: cst.BaseExpression
    scope: Scope
    origin: str | None = None


def resolve(expr: cst.BaseExpression | None, scope: Scope, model: ModuleModel) -> Resolved | None:
    """The expression ``expr`` stands for, following single bindings and class fields."""
    origin = None
    for _ in range(_MAX_HOPS):
        if expr is None:
            return None
        if isinstance(expr, cst.Name) and expr.value not in ("True", "False", "None"):
            bindings = scope.lookup_all(expr.value)
            if len(bindings) != 1 or bindings[0].kind != ASSIGN or bindings[0].value is None:
                return None
            binding = bindings[0]
            if not isinstance(binding.node, (cst.Assign, cst.AnnAssign)):
                return None  # a loop target, a walrus, a tuple unpacking: not one value
            expr, scope = binding.value, binding.scope
            origin = origin or f"`{binding.name}`"
            continue
        if isinstance(expr, cst.Attribute):
            field = _class_field(expr, scope, model)
            if field is None:
                return None
            expr, scope, name = field
            origin = origin or name
            continue
        return Resolved(expr, scope, origin)
    return None


def _class_field(expr: cst.Attribute, scope: Scope, model: ModuleModel):
    """The default of ``obj.field`` when ``obj`` is an instance (or the class) of a
    class defined in this module that declares ``field`` in its body."""
    resolver = model.resolver
    owner = resolver.type_of(expr.value, scope) or resolver.qualified_name(expr.value, scope)
    if owner is None:
        return None
    for cls in model.classes:
        if f"{model.name}.{cls.qualname}" != owner:
            continue
        for statement in cls.node.body.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) \
                        and small.target.value == expr.attr.value and small.value is not None:
                    return small.value, cls.scope, f"the default of `{cls.name}.{expr.attr.value}`"
                if isinstance(small, cst.Assign) and len(small.targets) == 1 \
                        and isinstance(small.targets[0].target, cst.Name) \
                        and small.targets[0].target.value == expr.attr.value:
                    return small.value, cls.scope, f"the default of `{cls.name}.{expr.attr.value}`"
        return None
    return None


def bool_value(expr: cst.BaseExpression | None, scope: Scope, model: ModuleModel) -> bool | None:
    """``True``/``False`` when ``expr`` resolves to that literal, else ``None``."""
    found = resolve(expr, scope, model)
    if found is not None and isinstance(found.node, cst.Name) and found.node.value in ("True", "False"):
        return found.node.value == "True"
    return None


def string_value(expr: cst.BaseExpression | None, scope: Scope, model: ModuleModel) -> str | None:
    found = resolve(expr, scope, model)
    return literal_string(found.node) if found is not None else None


def strings_value(expr: cst.BaseExpression | None, scope: Scope, model: ModuleModel) -> list[str] | None:
    """The strings of a list, tuple or set literal (each element followed too), or of
    a single string; ``None`` when any part is unknown."""
    found = resolve(expr, scope, model)
    if found is None:
        return None
    node = found.node
    single = literal_string(node)
    if single is not None:
        return [single]
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        out = []
        for element in node.elements:
            if not isinstance(element, cst.Element):
                return None
            value = string_value(element.value, found.scope, model)
            if value is None:
                return None
            out.append(value)
        return out
    return None


def call_sites(model: ModuleModel) -> dict[int, CallSite]:
    """Call sites by ``id`` of their call node."""
    return {id(site.node): site for site in model.calls}


def arg_value(call: cst.Call, keyword: str, position: int | None = None) -> cst.BaseExpression | None:
    from fastapi_lint.model.nodes import argument

    arg = argument(call, keyword, position)
    return arg.value if arg is not None else None


def has_star_kwargs(call: cst.Call) -> bool:
    """Whether ``**kwargs`` may set any keyword (then a missing keyword proves nothing)."""
    return any(arg.star == "**" for arg in call.args)
