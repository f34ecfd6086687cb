"""FAPI401 hardcoded-secret."""

from __future__ import annotations

import re

import libcst as cst

from fastapi_lint import knowledge
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Applicability, Edit, Fix, FixAvailability, Severity
from fastapi_lint.model.module import ModuleModel
from fastapi_lint.model.nodes import CallSite, argument
from fastapi_lint.names import Scope
from fastapi_lint.rules.base import Rule
from fastapi_lint import secrets

_ENV_LOOKUPS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault", "os.getenvb"})
#: JWT functions and the position of their key argument
_JWT_KEYS = {
    "jwt.encode": 1, "jwt.decode": 1, "jose.jwt.encode": 1, "jose.jwt.decode": 1,
    "jwt.api_jwt.encode": 1, "jwt.api_jwt.decode": 1, "authlib.jose.jwt.encode": 2,
    "authlib.jose.jwt.decode": 1, "itsdangerous.URLSafeTimedSerializer": 0,
    "itsdangerous.URLSafeSerializer": 0, "itsdangerous.TimestampSigner": 0,
}
#: dict keys, keyword arguments and assignment targets whose values document an API
#: (OpenAPI examples): the tokens in them are meant to be read
_EXAMPLE_NAMES = frozenset({"example", "examples", "x-example", "openapi_examples", "json_schema_extra",
                            "schema_extra"})
_FIELD_FACTORIES = frozenset({"pydantic.Field", "sqlmodel.Field", "pydantic.SecretStr", "pydantic.types.SecretStr",
                              "pydantic.SecretBytes"})


def _literal(node: cst.CSTNode | None) -> str | None:
    """The value of a str or bytes literal (bytes as latin-1), else ``None``."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = node.evaluated_value
        except Exception:
            return None
        if isinstance(value, bytes):
            return value.decode("latin-1")
        return value
    return None


def env_name(name: str) -> str:
    """The environment variable name for a target: ``apiKey`` -> ``API_KEY``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", spaced).strip("_").upper() or "SECRET"


def _target_name(target: cst.CSTNode) -> str | None:
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute):
        return target.attr.value
    if isinstance(target, cst.Subscript) and len(target.slice) == 1:
        index = target.slice[0].slice
        if isinstance(index, cst.Index):
            return _literal(index.value)
    return None


class HardcodedSecret(Rule):
    """## What it does
    Checks for secrets written in the source: a non-empty string literal bound to a
    secret-like name (`SECRET_KEY`, `db_password`, `apiKey`, `GITHUB_TOKEN`...)
    by assignment, annotated field (pydantic `BaseSettings` included), keyword
    argument, dict key, parameter default or comparison (`if x_token == "..."`);
    the default of `os.getenv`/`os.environ.get` for such a name; a JWT key given as
    a literal to `jwt.encode`/`jwt.decode`; a URL with an inline password; and, in
    any literal, well-known credential formats (AWS access key ids, GitHub, Slack,
    Stripe and Google keys, PEM private keys, JWTs).

    How it decides: a name is secret-like when it contains a secret term and
    nothing after the term changes its meaning (`token_type`, `token_url`,
    `password_field` are not secrets). A value is a credential unless it is short
    (under 6 characters), prose, an identifier or word list (`"bearer"`,
    `"access_token"`), the name itself, a placeholder or test value (`"changeme"`,
    `"<token>"`, `"${TOKEN}"`, `"test-key"`), a path or URL, or of low entropy.

    ## Why is this bad?
    A secret in the code is a secret shared with everyone who can read the
    repository, its history, its forks, its CI logs and the built images; and it
    cannot be rotated without a deploy. With a JWT signing key, anyone who reads it
    can mint valid tokens for any user. The practice: secrets come from the
    environment or a secrets manager.

    The finding never prints the secret: every output masks it.

    ## Known problems
    Test fixtures with realistic-looking credentials are reported (except JWTs in
    test modules, which are signed test tokens); exclude test folders with
    `per-file-ignores` if they hold only fake values.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()
    SECRET_KEY = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"
    ```

    ## Use instead
    ```python
    import os

    from fastapi import FastAPI

    app = FastAPI()
    SECRET_KEY = os.environ["SECRET_KEY"]
    ```

    ## Fix safety
    The fix replaces the literal with `os.environ["NAME"]`, the name derived from
    the target (`SECRET_KEY`, `apiKey` -> `API_KEY`), and adds `import os`; in a
    pydantic `BaseSettings` class it removes the default, so the field is read from
    the environment. It is unsafe: the program now needs that variable set, and
    fails at start-up (`KeyError` or a validation error) where it did not before.

    ## References
    - CWE-798: [Use of Hard-coded Credentials](https://cwe.mitre.org/data/definitions/798.html)
    - FastAPI: [Settings and Environment Variables](https://fastapi.tiangolo.com/advanced/settings/)
    - OWASP: [Secrets Management Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html)

    ## Judging
    True when a real credential (API key, token, password, private key, signing
    secret) is written in application code or its settings defaults, such that a
    reader of the repository could use it or forge tokens. False for test data,
    fixtures and seed data, documentation examples, placeholders that are never
    used as a credential, public identifiers, and values read from the
    environment.
    """

    code = "FAPI401"
    report_in_tests = False
    name = "hardcoded-secret"
    summary = "Secret written in the source code"
    severity = Severity.ERROR
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = Applicability.UNSAFE
    tags = ("security", "external/cwe/cwe-798")
    cwe = 798
    security_severity = 7.5

    def prescreen(self, text: str) -> bool:
        return secrets.prescreen(text)

    def prescreen_tree(self, tree, text: str) -> bool:
        return secrets.prescreen_tree(tree, text)

    def check_module(self, ctx: RuleContext) -> None:
        for node, message, fix in self._detect(ctx):
            ctx.report(
                node, message, fix=fix, redact=[node],
                help="Read it from the environment or a secrets manager (and rotate it: it has been exposed)",
            )

    def redactions(self, ctx: RuleContext) -> list:
        return [ctx.span(node) for node, _, _ in self._detect(ctx, with_fixes=False)]

    def _detect(self, ctx: RuleContext, with_fixes: bool = True) -> list[tuple[cst.CSTNode, str, Fix | None]]:
        """Every secret literal of the module: (node, message, fix)."""
        self._found: list[tuple[cst.CSTNode, str, Fix | None]] = []
        self._with_fixes = with_fixes
        self._scan(ctx)
        return self._found

    def _scan(self, ctx: RuleContext) -> None:
        model = ctx.model
        # Literals already reported, or inside documentation examples, are skipped.
        self._seen: set[int] = _example_literals(model)
        self._assignments(model, ctx)
        for site in model.calls:
            self._call(site, ctx)
        for located in model.dicts:
            for element in located.node.elements:
                if isinstance(element, cst.DictElement):
                    key = _literal(element.key)
                    if key is not None:
                        self._named(key, element.value, ctx, fix_target=element.value, scope=located.scope)
        for located in model.params:
            param = located.node
            if param.default is not None:
                self._named(param.name.value, param.default, ctx, fix_target=None)
        for located in model.comparisons:
            self._comparison(located.node, ctx, located.scope)
        for located in model.strings:
            self._anywhere(located.node, located.statement, ctx)

    # -- the places a secret can be bound ----------------------------------------

    def _assignments(self, model: ModuleModel, ctx: RuleContext) -> None:
        for assignment in model.assignments:
            value = assignment.value
            if isinstance(value, cst.Call) and model.resolver.callee(value, assignment.scope) in _FIELD_FACTORIES:
                arg = argument(value, "default", 0)
                if arg is None:
                    continue
                value = arg.value
            if _literal(value) is None:
                continue
            for target in assignment.targets:
                name = _target_name(target)
                if name is None:
                    continue
                settings_field = (
                    isinstance(assignment.node, cst.AnnAssign)
                    and assignment.value is value
                    and _in_settings_class(assignment.scope, model)
                )
                fix_target = None if settings_field else value
                removal = assignment.node if settings_field else None
                self._named(name, value, ctx, fix_target=fix_target, removal=removal, scope=assignment.scope)

    def _call(self, site: CallSite, ctx: RuleContext) -> None:
        callee = site.callee
        node = site.node
        if callee in _ENV_LOOKUPS:
            name = _literal(argument(node, "key", 0).value) if argument(node, "key", 0) else None
            default = argument(node, "default", 1)
            if name is not None and default is not None:
                self._named(name, default.value, ctx, fix_target=node, fix_name=name, scope=site.scope)
            return
        if callee in _JWT_KEYS:
            key = argument(node, "key", _JWT_KEYS[callee]) or argument(node, "secret_key", _JWT_KEYS[callee])
            value = _literal(key.value) if key is not None else None
            if key is not None and value and not _is_placeholder(value) and id(key.value) not in self._seen:
                self._seen.add(id(key.value))
                self._report(
                    key.value,
                    f"Signing key given as a literal to `{callee}()`: anyone who reads the code can forge tokens",
                    ctx, self._env_fix(key.value, "JWT_SECRET_KEY", ctx, site.scope) if self._with_fixes else None,
                )
            return
        for arg in node.args:
            if arg.keyword is not None:
                self._named(arg.keyword.value, arg.value, ctx, fix_target=arg.value, scope=site.scope)

    def _comparison(self, node: cst.Comparison, ctx: RuleContext, scope: Scope) -> None:
        if len(node.comparisons) != 1 or not isinstance(node.comparisons[0].operator, (cst.Equal, cst.NotEqual)):
            return
        left, right = node.left, node.comparisons[0].comparator
        for named, literal in ((left, right), (right, left)):
            name = _target_name(named) if not isinstance(named, (cst.SimpleString, cst.ConcatenatedString)) else None
            if name is not None and _literal(literal) is not None:
                self._named(name, literal, ctx, fix_target=literal, scope=scope)

    def _anywhere(self, node: cst.CSTNode, statement: cst.CSTNode | None, ctx: RuleContext) -> None:
        if id(node) in self._seen:
            return
        if isinstance(statement, cst.Expr) and statement.value is node:
            return  # a docstring or a bare string statement
        if isinstance(node, cst.SimpleString) and "://" not in node.value and not secrets.has_format_hint(node.value):
            return  # cheap test on the raw text before evaluating the literal
        value = _literal(node)
        if value is None:
            return
        label = secrets.credential_format(value)
        if label == "a JSON Web Token" and _is_test_module(ctx.path):
            label = None  # tokens signed for tests are fixtures, not leaked credentials
        if label is not None:
            self._seen.add(id(node))
            self._report(node, f"Literal looks like {label}: a credential in the source is leaked to everyone "
                               f"who can read it", ctx, None)
        elif secrets.url_password(value):
            self._seen.add(id(node))
            self._report(node, "URL with an inline password: the password is leaked to everyone who can read "
                               "the code", ctx, None)

    # -- reporting ---------------------------------------------------------------

    def _named(self, name: str, value_node: cst.CSTNode, ctx: RuleContext, *, fix_target: cst.CSTNode | None,
               scope: Scope | None = None,
               removal: cst.CSTNode | None = None, fix_name: str | None = None) -> None:
        if id(value_node) in self._seen or not secrets.is_secret_name(name):
            return
        value = _literal(value_node)
        if value is None or not secrets.is_credential_for(name, value):
            return
        self._seen.add(id(value_node))
        fix = None
        if not self._with_fixes:
            pass
        elif removal is not None:
            fix = self._settings_fix(removal, ctx)
        elif fix_target is not None:
            fix = self._env_fix(fix_target, env_name(fix_name or name), ctx, scope, bytes_value=_is_bytes(value_node))
        self._report(
            value_node,
            f"Hard-coded secret in `{name}`: anyone who can read the code, its history or the built image has it",
            ctx, fix,
        )

    def _report(self, node: cst.CSTNode, message: str, ctx: RuleContext, fix: Fix | None) -> None:
        self._found.append((node, message, fix))

    @staticmethod
    def _env_fix(target: cst.CSTNode, variable: str, ctx: RuleContext, scope: Scope | None,
                 bytes_value: bool = False) -> Fix | None:
        imported = ctx.import_edit("os", scope)
        if imported is None:
            return None  # ``os`` means something else here
        os_name, import_edit = imported
        lookup = f'{os_name}.environ["{variable}"]' + (".encode()" if bytes_value else "")
        return ctx.fix(
            Applicability.UNSAFE,
            f"Read `{variable}` from the environment",
            ctx.replace(target, lookup),
            import_edit,
        )

    @staticmethod
    def _settings_fix(node: cst.CSTNode, ctx: RuleContext) -> Fix | None:
        assert isinstance(node, cst.AnnAssign)
        if node.value is None:
            return None
        annotation_end = ctx.span(node.annotation)
        value_end = ctx.span(node.value)
        from fastapi_lint.diagnostics import Span

        span = Span(annotation_end.end_line, annotation_end.end_col, value_end.end_line, value_end.end_col)
        return Fix(Applicability.UNSAFE, "Remove the default: the settings class reads it from the environment",
                   (Edit(span, ""),))


def _example_literals(model: ModuleModel) -> set[int]:
    """Ids of the nodes inside OpenAPI/schema examples (``"example": {...}``,
    ``Body(examples=...)``, ``json_schema_extra=...``)."""
    from fastapi_lint.model.builder import children

    roots: list[cst.CSTNode] = []
    for located in model.dicts:
        for element in located.node.elements:
            if isinstance(element, cst.DictElement) and _literal(element.key) in _EXAMPLE_NAMES:
                roots.append(element.value)
    for site in model.calls:
        for arg in site.node.args:
            if arg.keyword is not None and arg.keyword.value in _EXAMPLE_NAMES:
                roots.append(arg.value)
    for assignment in model.assignments:
        if any(_target_name(t) in _EXAMPLE_NAMES for t in assignment.targets) and assignment.value is not None:
            roots.append(assignment.value)
    out: set[int] = set()
    while roots:
        node = roots.pop()
        if id(node) not in out:
            out.add(id(node))
            roots.extend(children(node))
    return out


def _is_test_module(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return (
        name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
        or "/tests/" in f"/{path}" or "/test/" in f"/{path}"
    )


def _is_bytes(node: cst.CSTNode) -> bool:
    try:
        return isinstance(node.evaluated_value, bytes)  # type: ignore[attr-defined]
    except Exception:
        return False


def _is_placeholder(value: str) -> bool:
    lower = value.strip().lower()
    return lower.startswith(("<", "${", "{{", "%(")) or lower in ("", "changeme", "change-me", "xxx")


def _in_settings_class(scope: Scope, model: ModuleModel) -> bool:
    if scope.kind != "class" or scope.owner is None:
        return False
    pending = list(scope.owner.bases)
    seen: set[str] = set()
    while pending:
        base = pending.pop()
        if base is None or base in seen:
            continue
        seen.add(base)
        if base in knowledge.SETTINGS_BASES:
            return True
        for cls in model.classes:
            if f"{model.name}.{cls.qualname}" == base:
                pending.extend(cls.bases)
    return False
