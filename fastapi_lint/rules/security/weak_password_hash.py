"""FAPI406 weak-password-hash."""

from __future__ import annotations

import re

import libcst as cst

from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.nodes import CallSite, literal_string
from fastapi_lint.rules.base import Rule
from fastapi_lint import secrets
from fastapi_lint.rules.security import values

#: fast, unsalted digests: fine for integrity, far too cheap for passwords
FAST_DIGESTS = frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256",
                          "sha3_384", "sha3_512", "blake2b", "blake2s"})
HASHLIB_NEW = "hashlib.new"
CRYPT_CONTEXT = "passlib.context.CryptContext"
#: passlib schemes that are plain text, unsalted digests or broken crypt(3) variants
WEAK_SCHEMES = frozenset({
    "plaintext", "ldap_plaintext", "roundup_plaintext", "md5_crypt", "apr_md5_crypt", "sun_md5_crypt", "des_crypt",
    "bsdi_crypt", "bigcrypt", "crypt16", "ldap_md5", "ldap_sha1", "ldap_salted_md5", "ldap_salted_sha1",
    "ldap_salted_sha256", "ldap_salted_sha512", "ldap_des_crypt", "ldap_bsdi_crypt", "ldap_md5_crypt",
    "hex_md4", "hex_md5", "hex_sha1", "hex_sha256", "hex_sha512", "mysql323", "mysql41", "postgres_md5",
    "oracle10", "oracle11", "lmhash", "nthash", "bsd_nthash", "msdcc", "msdcc2", "htdigest", "cisco_pix",
    "cisco_asa", "cisco_type7", "django_salted_md5", "django_salted_sha1", "django_des_crypt",
})
_PASSWORD_TERM = re.compile(r"password|passwd|passphrase|pwd")
_PASSWORD_COMPARISON = re.compile(r"(?:passw|passphrase|pwd)[^\n=]{0,120}[!=]=|[!=]=[^\n]{0,120}(?:passw|passphrase|pwd)")
#: what may follow the term in a password name (``password``, ``password_hash``, ``pwd2``)
_SUFFIXES = secrets.VALUE_SUFFIXES | {"hash", "hashed", "digest"}
#: words before the term that make the name a flag, a setting or an action
_NOT_PASSWORD_HEAD = frozenset({"no", "has", "is", "use", "show", "forgot", "reset", "min", "max", "require",
                                "required", "enable", "enabled", "change", "update", "policy", "expire", "last"})
#: names of the second field of a form that repeats a password: not a stored value
_REPEAT = re.compile(r"confirm|repeat|again|retype|verif|check|2$", re.I)
_HASH_CALL = re.compile(r"hash|digest|crypt", re.I)


def _password_name(name: str | None) -> bool:
    if not name:
        return False
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    last = None
    for match in _PASSWORD_TERM.finditer(snake):
        last = match
    if last is None:
        return False
    rest = secrets.normalize(snake[last.end():]).rstrip("0123456789")
    if rest not in _SUFFIXES:
        return False
    words = [w for w in re.split(r"[^a-z0-9]+", snake[: last.start()]) if w]
    return not (words and words[-1] in _NOT_PASSWORD_HEAD)


def _name_of(expr: cst.BaseExpression) -> str | None:
    """The name an operand is known by: ``password``, ``user.password``,
    ``row["password"]``, ``data.get("password")``."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
        return literal_string(expr.slice[0].slice.value)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get" \
            and expr.args:
        return literal_string(expr.args[0].value)
    return None


def _base(expr: cst.BaseExpression) -> str | None:
    """The object an operand is read from (``user`` in ``user.password``), as code."""
    if isinstance(expr, cst.Attribute):
        inner = expr.value
    elif isinstance(expr, cst.Subscript):
        inner = expr.value
    elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        inner = expr.func.value
    else:
        return None
    return cst.Module([]).code_for_node(inner)


def _password_in(expr: cst.CSTNode | None) -> str | None:
    """The first password-named name used in ``expr`` (``password`` in
    ``(salt + password).encode()``), else ``None``."""
    stack = [expr] if expr is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, cst.BaseExpression) and _password_name(_name_of(node)):
            return _name_of(node)
        if isinstance(node, (cst.Lambda, cst.FunctionDef)):
            continue
        stack.extend(reversed(list(node.children)))
    return None


def _in_formatted_string(site: CallSite) -> bool:
    """Whether the call is inside an f-string: a digest embedded in text is a cache
    key or a fingerprint, not a stored password hash."""
    stack: list[tuple[cst.CSTNode, bool]] = [(site.statement, False)]
    while stack:
        node, inside = stack.pop()
        if node is site.node:
            return inside
        inside = inside or isinstance(node, cst.FormattedStringExpression)
        stack.extend((child, inside) for child in node.children)
    return False


class WeakPasswordHash(Rule):
    """## What it does
    Checks for passwords protected by something that is not a password hash:

    - a fast digest of a password -- `hashlib.md5/sha1/sha224/sha256/sha384/sha512`
      (and `sha3_*`, `blake2*`), or `hashlib.new("md5", ...)`, or `.update(...)` of
      such a hash object -- whose data names a password (`password`, `passwd`,
      `pwd`, `passphrase`, `user.password`, `data["password"]`, also inside
      `(salt + password).encode()`); `usedforsecurity=False` (a fingerprint, e.g.
      the k-anonymity prefix of a breached-password lookup) and digests built into
      an f-string (a cache key) are not reported;
    - a passlib `CryptContext(schemes=[...])` whose default scheme (`default=`, else
      the first) is plain text, an unsalted digest or a broken crypt variant
      (`plaintext`, `md5_crypt`, `des_crypt`, `ldap_md5`, `ldap_salted_sha1`,
      `hex_sha256`...); weak schemes listed after a strong default only verify old
      hashes during a migration and are not reported;
    - a password compared with `==`/`!=` to a stored one: one side a local name or
      parameter named like a password (or a hashing call over one), the other a
      password or password hash read from an object or a mapping
      (`password == user.password`, `hash_pw(password) != user.password_hash`,
      `password == settings.ADMIN_PASSWORD`, `row["pwd"] == pwd`).
      Two local names (`password == confirm_password`, `new_password == old_password`)
      are input validation; two fields (`db_obj.password != instance.password`,
      `Auth.password == auth.password` in a SQL `where`) compare records to detect a
      change; a field that repeats a password (`confirm_password`, `password_again`,
      `password2`) is a form check; none is reported. `len(password) == 0` or a
      comparison with a literal is not a comparison of two passwords.

    bcrypt, argon2, scrypt and PBKDF2 (`hashlib.pbkdf2_hmac`, `hashlib.scrypt`, passlib's
    `bcrypt`/`argon2`/`pbkdf2_sha256`/`sha512_crypt`) are fine.

    ## Why is this bad?
    A database of passwords leaks sooner or later. MD5 and SHA-2 are built to be
    fast: one GPU tries billions of guesses per second against them, and unsalted
    digests fall to precomputed tables, so most leaked passwords are recovered
    within hours. Password hashes (argon2id, scrypt, bcrypt, PBKDF2 with many
    iterations) are slow and salted on purpose. A password compared with `==`
    against a stored value means the stored value is the password or such a
    digest, and `==` returns as soon as a byte differs, which lets an attacker
    who measures response times learn the secret byte by byte.

    ## Known problems
    Only names say what a password is: a password held in a variable called
    `secret` or `value` is not seen, and a digest of a password-named value used
    for something else (a cache key outside an f-string) is reported; suppress it
    with `# noqa: FAPI406`. A comparison of two fields (`form.password == user.password`)
    is not reported even when one of them is the user's input: the rule cannot tell
    a login form from a second database record.

    ## Example
    ```python
    import hashlib


    def hash_password(password: str) -> str:
        return hashlib.sha256(password.encode()).hexdigest()
    ```

    ## Use instead
    ```python
    from passlib.context import CryptContext

    pwd_context = CryptContext(schemes=["argon2", "bcrypt"], deprecated="auto")


    def hash_password(password: str) -> str:
        return pwd_context.hash(password)
    ```

    ## References
    - CWE-916: [Use of Password Hash With Insufficient Computational Effort](https://cwe.mitre.org/data/definitions/916.html)
    - CWE-208: [Observable Timing Discrepancy](https://cwe.mitre.org/data/definitions/208.html)
    - OWASP: [Password Storage Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html)
    - FastAPI: [OAuth2 with Password (and hashing), Bearer with JWT tokens](https://fastapi.tiangolo.com/tutorial/security/oauth2-jwt/#password-hashing)
    - passlib: [New Application Quickstart Guide](https://passlib.readthedocs.io/en/stable/narr/quickstart.html)

    ## Judging
    True when a password is hashed with a fast digest or weak scheme, or
    compared with `==`, in code that stores or checks user passwords.
    """

    code = "FAPI406"
    report_in_tests = False
    name = "weak-password-hash"
    summary = "Password hashed with a fast digest, a weak passlib scheme, or compared with =="
    severity = Severity.ERROR
    tags = ("security", "external/cwe/cwe-916")
    cwe = 916
    security_severity = 7.5

    def prescreen(self, text: str) -> bool:
        """A passlib context, a hashlib digest near a password name, or a password
        name on one side of ``==``/``!=`` (on one line, as the rule reads it)."""
        if "CryptContext" in text:
            return True
        lowered = text.lower()
        if _PASSWORD_TERM.search(lowered) is None:
            return False
        return "hashlib" in lowered or _PASSWORD_COMPARISON.search(lowered) is not None

    def check_module(self, ctx: RuleContext) -> None:
        model = ctx.model
        for site in model.calls:
            callee = site.callee
            if callee == CRYPT_CONTEXT:
                self._crypt_context(site, ctx)
                continue
            digest = self._digest_of(site, ctx)
            if digest is None:
                continue
            data = values.arg_value(site.node, "data", 1 if callee == HASHLIB_NEW else 0) \
                or values.arg_value(site.node, "string")
            name = _password_in(data)
            if name is None or _in_formatted_string(site):
                continue
            ctx.report(site.node, f"`{name}` is hashed with {digest}, a fast digest: a leaked table of such hashes "
                       "is cracked at billions of guesses per second",
                       help="Hash passwords with argon2, bcrypt or scrypt (e.g. passlib's "
                            "`CryptContext(schemes=[\"argon2\"])`, `pwdlib`)")
        for located in model.comparisons:
            self._comparison(located.node, ctx)

    def _digest_of(self, site: CallSite, ctx: RuleContext) -> str | None:
        """``hashlib.sha256`` for a fast digest constructor, or the ``update`` of one."""
        callee = site.callee
        call = site.node
        if values.bool_value(values.arg_value(call, "usedforsecurity"), site.scope, ctx.model) is False:
            return None
        if callee is not None and callee.startswith("hashlib.") and callee[8:] in FAST_DIGESTS:
            return f"`{callee}`"
        if callee == HASHLIB_NEW:
            name = values.string_value(values.arg_value(call, "name", 0), site.scope, ctx.model)
            if name is not None and name.lower().replace("-", "") in FAST_DIGESTS:
                return f'`hashlib.new("{name}")`'
            return None
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "update" and isinstance(func.value, cst.Name):
            found = values.resolve(func.value, site.scope, ctx.model)
            if found is not None and isinstance(found.node, cst.Call):
                made = ctx.model.resolver.callee(found.node, found.scope)
                if made is not None and made.startswith("hashlib.") and made[8:] in FAST_DIGESTS:
                    return f"`{made}`"
        return None

    def _crypt_context(self, site: CallSite, ctx: RuleContext) -> None:
        call, scope = site.node, site.scope
        schemes_node = values.arg_value(call, "schemes", 0)
        schemes = values.strings_value(schemes_node, scope, ctx.model)
        default_node = values.arg_value(call, "default")
        default = values.string_value(default_node, scope, ctx.model) if default_node is not None else None
        if default is None:
            if default_node is not None or not schemes:
                return  # a default the module does not show
            default, default_node = schemes[0], schemes_node
        if default in WEAK_SCHEMES:
            ctx.report(default_node, f"`CryptContext` hashes new passwords with `{default}`, which is plain text or a "
                       "fast, broken hash: leaked hashes are cracked quickly",
                       help="Put `argon2` or `bcrypt` first in `schemes` and mark the old scheme deprecated "
                            "(`deprecated=\"auto\"`)")

    def _comparison(self, node: cst.Comparison, ctx: RuleContext) -> None:
        left = node.left
        for target in node.comparisons:
            right = target.comparator
            if isinstance(target.operator, (cst.Equal, cst.NotEqual)):
                self._compare(node, left, right, ctx)
            left = right

    def _compare(self, node: cst.Comparison, left: cst.BaseExpression, right: cst.BaseExpression,
                 ctx: RuleContext) -> None:
        kinds = []
        for side in (left, right):
            name = _name_of(side)
            if _password_name(name):
                if _REPEAT.search(name):
                    return  # a form's confirmation field
                kinds.append("input" if isinstance(side, cst.Name) else "stored")
            elif isinstance(side, cst.Call) and _HASH_CALL.search(_call_name(side) or "") \
                    and _password_in(side) is not None:
                kinds.append("input")  # hash_pw(password), sha256(password).hexdigest()
            else:
                return
        if sorted(kinds) != ["input", "stored"]:
            # two names: input validation (new != old); two fields: records compared
            # to detect a change, or a SQL column in a query (Auth.password == auth.password)
            return
        ctx.report(node, "A password is compared with `==`/`!=` to a stored value: the stored value is then the "
                   "password or a fast digest of it, and `==` reveals by timing how much of it matched",
                   help="Store a password hash and check it with `passlib`/`pwdlib` `verify()` or `bcrypt.checkpw`; "
                        "compare secrets with `hmac.compare_digest`")


def _call_name(call: cst.Call) -> str | None:
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None
