"""FAPI405 jwt-verification-disabled."""

from __future__ import annotations

import re

import libcst as cst

from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.module import ModuleModel
from fastapi_lint.model.nodes import CallSite, argument, literal_string
from fastapi_lint.names import ASSIGN
from fastapi_lint.rules.base import Rule
from fastapi_lint.rules.security import values

#: PyJWT: ``decode(jwt, key="", algorithms=None, options=None, ...)``
PYJWT_DECODE = frozenset({
    "jwt.decode", "jwt.decode_complete", "jwt.api_jwt.decode", "jwt.api_jwt.decode_complete",
    "jwt.PyJWT.decode", "jwt.PyJWT.decode_complete", "jwt.api_jwt.PyJWT.decode",
})
#: python-jose: ``decode(token, key, algorithms=None, options=None, ...)``
JOSE_DECODE = frozenset({"jose.jwt.decode"})
#: authlib: ``decode(s, key, claims_cls=None, ...)`` checks the signature; the claims
#: (``exp``, ``nbf``) only when ``claims.validate()`` is called
AUTHLIB_DECODE = frozenset({"authlib.jose.jwt.decode", "authlib.jose.JsonWebToken.decode",
                            "authlib.jose.rfc7519.JsonWebToken.decode"})
UNVERIFIED_CLAIMS = frozenset({"jose.jwt.get_unverified_claims"})
UNVERIFIED_HEADERS = frozenset({"jwt.get_unverified_header", "jwt.api_jws.get_unverified_header",
                                "jose.jwt.get_unverified_header", "jose.jwt.get_unverified_headers",
                                "jose.jws.get_unverified_header", "jose.jws.get_unverified_headers"})
_JWT_WORDS = re.compile(r"\b(?:jwt|jose|authlib)\b")


class JwtVerificationDisabled(Rule):
    """## What it does
    Checks JWT decoding with PyJWT (`import jwt`), python-jose (`from jose import
    jwt`) and authlib (`from authlib.jose import jwt`), however imported, for:

    - signature verification turned off: `options={"verify_signature": False}`
      (PyJWT, python-jose) or PyJWT 1's `verify=False`;
    - expiry verification turned off: `options={"verify_exp": False}`;
    - no `algorithms=` list (with the signature verified), or `"none"` among the
      algorithms, or algorithms taken from the token's own unverified header;
    - python-jose's `jwt.get_unverified_claims(token)`;
    - authlib's `jwt.decode(...)` whose claims are never `.validate()`d (authlib
      checks `exp` and `nbf` only there).

    A function that reads a token without verification and then decodes it again
    with verification (the "peek at the issuer, then verify" pattern) is not
    reported; nor is `verify_exp: False` when the same options require the `exp`
    claim (`"require": ["exp"]`: the code checks it itself) or when the decoded
    claims are discarded (a signature-only check). Options and algorithms are followed through module constants; a
    value the module does not show (`**kwargs`, a parameter) is not reported.

    ## Why is this bad?
    A JWT is only as trustworthy as its verification. Without the signature check
    anyone can write `{"sub": "admin"}` into a token and be believed. Without the
    expiry check a stolen or revoked token works forever. Without an explicit
    algorithm list the token chooses its own algorithm: python-jose then accepts
    an HMAC token signed with the server's *public* RSA key (algorithm confusion),
    PyJWT 1 accepted `alg: none`, and PyJWT 2 refuses to decode at all (a broken
    login rather than a hole, still worth fixing).

    ## Known problems
    An OpenID Connect ID token received directly from the provider's token
    endpoint over TLS may be read without checking its signature (OIDC Core
    3.1.3.7); such reads are still reported: add a `# noqa: FAPI405` with the
    reason.

    ## Example
    ```python
    import jwt


    def current_user_id(token: str) -> str:
        claims = jwt.decode(token, options={"verify_signature": False})
        return claims["sub"]
    ```

    ## Use instead
    ```python
    import os

    import jwt

    SECRET_KEY = os.environ["SECRET_KEY"]


    def current_user_id(token: str) -> str:
        claims = jwt.decode(token, SECRET_KEY, algorithms=["HS256"])
        return claims["sub"]
    ```

    ## References
    - CWE-347: [Improper Verification of Cryptographic Signature](https://cwe.mitre.org/data/definitions/347.html)
    - PyJWT: [Usage: reading the claimset without validation](https://pyjwt.readthedocs.io/en/stable/usage.html#reading-the-claimset-without-validation)
    - python-jose: [JWT API](https://python-jose.readthedocs.io/en/latest/jwt/api.html)
    - Authlib: [JSON Web Token: claims validation](https://docs.authlib.org/en/latest/jose/jwt.html)
    - OWASP: [JSON Web Token Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/JSON_Web_Token_for_Java_Cheat_Sheet.html)

    ## Judging
    True when a JWT is decoded without verifying its signature, expiry or
    algorithm and the claims are then trusted for a decision. False when the
    unverified decode only reads a header or a claim that is verified later, or
    the token was verified elsewhere.
    """

    code = "FAPI405"
    report_in_tests = False
    name = "jwt-verification-disabled"
    summary = "JWT decoded without verifying its signature, expiry or algorithm"
    severity = Severity.ERROR
    tags = ("security", "external/cwe/cwe-347")
    cwe = 347
    security_severity = 8.8

    def prescreen(self, text: str) -> bool:
        return ("jwt" in text or "jose" in text or "authlib" in text) and _JWT_WORDS.search(text) is not None

    def check_module(self, ctx: RuleContext) -> None:
        model = ctx.model
        for site in model.calls:
            callee = site.callee
            if callee in PYJWT_DECODE or callee in JOSE_DECODE:
                self._check_decode(site, callee in PYJWT_DECODE, ctx)
            elif callee in UNVERIFIED_CLAIMS and not _verifies_later(site, model):
                ctx.report(site.node, "`get_unverified_claims()` reads the token's claims without checking its "
                           "signature: anyone can forge them",
                           help="Use `jwt.decode(token, key, algorithms=[...])` before trusting any claim")
            elif callee in AUTHLIB_DECODE:
                self._check_authlib(site, ctx)

    def _check_decode(self, site: CallSite, pyjwt: bool, ctx: RuleContext) -> None:
        model = ctx.model
        call, scope = site.node, site.scope
        library = "PyJWT" if pyjwt else "python-jose"
        options_arg = values.arg_value(call, "options", 3)
        options = _options(options_arg, site, model)
        if options is not None and not isinstance(options_arg, cst.Dict):
            # a constant defined elsewhere: report where it is passed
            options = {key: (value, options_arg) for key, (value, _) in options.items()}
        verify = argument(call, "verify")
        signature_off = False
        if verify is not None and values.bool_value(verify.value, scope, model) is False:
            signature_off = True
            report_node: cst.CSTNode = verify
        elif options is not None and options.get("verify_signature", (None, None))[0] is False:
            signature_off = True
            report_node = options["verify_signature"][1]
        if signature_off:
            if not _verifies_later(site, model):
                ctx.report(report_node, f"JWT decoded without verifying its signature ({library}): anyone can "
                           "forge its claims",
                           help="Pass the key and `algorithms=[...]`, and keep `verify_signature` on")
            return
        if options is not None and options.get("verify_exp", (None, None))[0] is False \
                and not _checks_expiry_itself(options_arg, site, model) and not site.is_expression_statement:
            ctx.report(options["verify_exp"][1], f"JWT decoded without checking its expiry ({library}): a stolen or "
                       "expired token stays valid forever",
                       help="Keep `verify_exp` on (use `leeway=` for clock skew)")
        algorithms = argument(call, "algorithms", 2)
        if algorithms is None:
            if not values.has_star_kwargs(call) and not any(a.star == "*" for a in call.args):
                if pyjwt:
                    message = ("`jwt.decode()` without `algorithms=`: PyJWT 2 refuses to decode (PyJWT 1 let the "
                               "token pick its algorithm, `none` included)")
                else:
                    message = ("`jwt.decode()` without `algorithms=`: python-jose lets the token pick its own "
                               "algorithm (an HMAC token signed with your public key passes)")
                ctx.report(call.func, message, help='Pass the expected algorithms: `algorithms=["HS256"]`')
            return
        listed = values.strings_value(algorithms.value, scope, model)
        if listed is not None and any(a.lower() == "none" for a in listed):
            ctx.report(algorithms, f'`"none"` among the JWT algorithms ({library}): an unsigned token is accepted',
                       help="List only signing algorithms")
        elif _from_unverified_header(algorithms.value, site, model):
            ctx.report(algorithms, "JWT algorithms taken from the token's own unverified header: the attacker "
                       "chooses how the token is checked (`none`, or HMAC with your public key)",
                       help='Fix the algorithms in the code: `algorithms=["RS256"]`')

    def _check_authlib(self, site: CallSite, ctx: RuleContext) -> None:
        """``claims = jwt.decode(...)`` with no ``claims.validate()`` in the function."""
        if site.function is None:
            return
        target = _assigned_name(site)
        if target is None:
            return
        for other in site.function.calls:
            func = other.node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "validate" \
                    and isinstance(func.value, cst.Name) and func.value.value == target:
                return
        for ret in site.function.returns:
            if isinstance(ret.value, cst.Name) and ret.value.value == target:
                return  # the caller may validate
        ctx.report(site.node, "authlib's `jwt.decode()` checks the signature only: without `claims.validate()` an "
                   "expired token is accepted",
                   help=f"Call `{target}.validate()` after decoding")


def _options(expr: cst.BaseExpression | None, site: CallSite, model: ModuleModel):
    """``{key: (bool value or None, value node)}`` of an options dict, when it resolves."""
    if expr is None:
        return None
    found = values.resolve(expr, site.scope, model)
    if found is None or not isinstance(found.node, cst.Dict):
        return None
    out = {}
    for element in found.node.elements:
        if not isinstance(element, cst.DictElement):
            continue
        key = literal_string(element.key)
        if key is not None:
            out[key] = (values.bool_value(element.value, found.scope, model), element)
    return out


def _checks_expiry_itself(expr: cst.BaseExpression | None, site: CallSite, model: ModuleModel) -> bool:
    """``options={"verify_exp": False, "require": [..., "exp"]}``: the code demands an
    ``exp`` claim while turning PyJWT's check off, to check it itself."""
    found = values.resolve(expr, site.scope, model) if expr is not None else None
    if found is None or not isinstance(found.node, cst.Dict):
        return False
    for element in found.node.elements:
        if isinstance(element, cst.DictElement) and literal_string(element.key) == "require":
            required = values.strings_value(element.value, found.scope, model)
            return required is not None and "exp" in required
    return False


def _verifying_decode(site: CallSite, model: ModuleModel) -> bool:
    callee = site.callee
    if callee not in PYJWT_DECODE and callee not in JOSE_DECODE and callee not in AUTHLIB_DECODE:
        return False
    if callee in AUTHLIB_DECODE:
        return True
    verify = argument(site.node, "verify")
    if verify is not None and values.bool_value(verify.value, site.scope, model) is False:
        return False
    options = _options(values.arg_value(site.node, "options", 3), site, model)
    if options is not None and options.get("verify_signature", (None, None))[0] is False:
        return False
    return argument(site.node, "key", 1) is not None or values.has_star_kwargs(site.node)


def _verifies_later(site: CallSite, model: ModuleModel) -> bool:
    """Whether the function also decodes with the signature verified (peek, then verify)."""
    if site.function is None:
        return False
    return any(other is not site and _verifying_decode(other, model) for other in site.function.calls)


def _assigned_name(site: CallSite) -> str | None:
    statement = site.statement
    value = site.node
    if isinstance(statement, (cst.Assign, cst.AnnAssign)):
        if statement.value is value or (isinstance(statement.value, cst.Await) and statement.value.expression is value):
            targets = [t.target for t in statement.targets] if isinstance(statement, cst.Assign) \
                else [statement.target]
            if len(targets) == 1 and isinstance(targets[0], cst.Name):
                return targets[0].value
    return None


def _from_unverified_header(expr: cst.BaseExpression, site: CallSite, model: ModuleModel) -> bool:
    """Whether ``expr`` reads a name bound to ``get_unverified_header(...)`` (or calls it)."""
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call) and model.resolver.callee(node, site.scope) in UNVERIFIED_HEADERS:
            return True
        if isinstance(node, cst.Name):
            for binding in site.scope.lookup_all(node.value):
                if binding.kind == ASSIGN and isinstance(binding.value, cst.Call) and \
                        model.resolver.callee(binding.value, binding.scope) in UNVERIFIED_HEADERS:
                    return True
        stack.extend(node.children)
    return False
