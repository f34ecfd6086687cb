"""Finding the rules: every rule, built-in or third-party, is an entry point in the
group ``fastapi_lint.rules`` whose name is its code."""

from __future__ import annotations

from functools import lru_cache
from importlib import metadata

from fastapi_lint.rules.base import BUILTIN_PREFIX, CODE_RE, NAME_RE, Rule

ENTRY_POINT_GROUP = "fastapi_lint.rules"


class RuleLoadError(Exception):
    """A registered rule cannot be loaded or is malformed."""


@lru_cache(maxsize=1)
def rule_codes() -> tuple[str, ...]:
    """The codes of every registered rule, read from the entry point names without
    importing the rules (a malformed one is reported by :func:`all_rules`)."""
    return tuple(sorted({ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}))


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    """Every registered rule class, sorted by code.

    Raises :class:`RuleLoadError` when an entry point fails to import, is not a
    :class:`Rule` subclass, has a malformed code or name, or duplicates a code or
    name of another rule.
    """
    found: dict[str, type[Rule]] = {}
    names: dict[str, str] = {}
    seen_values: set[str] = set()
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.value in seen_values:  # the same distribution seen twice (editable installs)
            continue
        seen_values.add(entry.value)
        try:
            rule = entry.load()
        except Exception as exc:  # a broken plugin must be named, not crash the run
            raise RuleLoadError(f"cannot load rule {entry.name} ({entry.value}): {exc}") from exc
        _check(entry.name, rule)
        dist = getattr(entry, "dist", None)
        if dist is not None and dist.name.lower().replace("_", "-") != "fastapi-lint" \
                and rule.code.startswith(BUILTIN_PREFIX):
            raise RuleLoadError(f"rule {rule.code} of {dist.name}: the {BUILTIN_PREFIX} prefix is reserved for "
                                f"fastapi-lint's own rules; give the plugin's codes a prefix of its own")
        if rule.code in found:
            raise RuleLoadError(f"rule code {rule.code} is registered twice ({entry.value})")
        if rule.name in names:
            raise RuleLoadError(f"rule name {rule.name} is used by both {names[rule.name]} and {rule.code}")
        found[rule.code] = rule
        names[rule.name] = rule.code
    if not found:
        raise RuleLoadError(
            "no rules are registered: is fastapi-lint installed (pip install -e .)? "
            f"Rules are entry points of the group {ENTRY_POINT_GROUP!r}."
        )
    return tuple(found[code] for code in sorted(found))


def _check(entry_name: str, rule: object) -> None:
    if not (isinstance(rule, type) and issubclass(rule, Rule)):
        raise RuleLoadError(f"entry point {entry_name} is not a fastapi_lint Rule subclass")
    for attribute in ("code", "name", "summary"):
        if not isinstance(getattr(rule, attribute, None), str):
            raise RuleLoadError(f"rule {entry_name} has no {attribute}")
    if not CODE_RE.match(rule.code):
        raise RuleLoadError(f"rule code {rule.code!r} is not a prefix of capital letters and three digits")
    if entry_name != rule.code:
        raise RuleLoadError(f"entry point {entry_name} names rule {rule.code}: the entry point name must be the code")
    if not NAME_RE.match(rule.name):
        raise RuleLoadError(f"rule name {rule.name!r} of {rule.code} is not kebab-case")


def rule_by_code_or_name(key: str) -> type[Rule] | None:
    """The rule whose code (any case) or kebab-case name is ``key``."""
    for rule in all_rules():
        if rule.code == key.upper() or rule.name == key.lower():
            return rule
    return None
