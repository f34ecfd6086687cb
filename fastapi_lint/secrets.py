"""Secret detection: whether a name is secret-like and a value is a credential.

Independent of the rules that report secrets: FAPI401 and its pre-screens use it,
and so does the masking of secrets in every output (a code frame of a syntax
error, another rule's fix) without importing a rule. The same functions serve the
rule and its text pre-screen, so the pre-screen cannot reject a file the rule
would report on.

Names. A name is secret-like when, lower-cased with separators removed
(``DATABASE_PASSWORD``, ``apiKey`` and ``databasepassword`` all work), it
contains a secret term (``password``, ``secret``, ``token``, ``apikey``,
``privatekey``, ``credentials``, ...) and whatever follows the last term is
nothing, digits, or a word that still names the value (``s``, ``value``,
``raw``...). So ``db_password`` and ``GITHUB_TOKEN`` are secret-like;
``token_type``, ``token_url``, ``password_field``, ``secret_name`` and
``tokenizer`` are not.

Values. A literal bound to a secret-like name is a credential unless it is:
empty or shorter than 6 characters; prose (contains whitespace); an identifier
or word list (``bearer``, ``access_token``, ``X-API-Key``, ``super-secret``);
the name itself; a placeholder (``<token>``, ``${TOKEN}``, ``{token}``,
``changeme``, ``your-key-here``, ``xxx``, ``***``) or a test value (``test``,
``dummy``, ``fake``, ``example``, ``sample``, ``mock``); a path, file name or
URL; or of low entropy (fewer than 2.5 bits per character, e.g. ``aaaaaaaa``).

Formats. Anywhere in the code (docstrings excepted), literals matching
well-known credential formats are reported whatever their name: AWS access key
ids, GitHub, Slack, Stripe live and Google API keys, PEM private keys and JWTs;
and URLs with an inline password (``postgresql://app:s3cr3t@db/app``) whose
password passes the value test.
"""

from __future__ import annotations

import math
import re
from collections import Counter

SECRET_TERMS = (
    "secretaccesskey", "secretkey", "apisecret", "apikey", "privatekey", "clientsecret", "signingkey",
    "accesskey", "encryptionkey", "masterkey", "authkey", "passphrase", "password", "passwd", "pwd",
    "secret", "token", "credentials", "credential",
)
_TERMS_RE = re.compile("|".join(sorted(SECRET_TERMS, key=len, reverse=True)))
#: what may follow the last secret term in a secret-like name
VALUE_SUFFIXES = frozenset({"", "s", "value", "str", "string", "raw", "plain", "plaintext", "text", "b64",
                            "base64", "hex", "bytes", "literal", "default"})
#: names that contain a term but are not secrets
NOT_SECRET_NAMES = frozenset({"tokentype", "granttype", "passwordgrant", "nopassword", "haspassword",
                              "ispassword", "usepassword", "showpassword", "forgotpassword",
                              "resetpassword", "changepassword", "updatepassword", "setpassword",
                              "verifypassword", "checkpassword", "hashpassword", "gettoken", "refreshtoken_",
                              "pwd_context", "pwdcontext"})

_PLACEHOLDER_WORDS = ("change", "replace", "example", "dummy", "placeholder", "redacted", "fake", "sample",
                      "mock", "test", "your", "insert", "xxx", "***", "...", "todo", "fixme", "default",
                      "notset", "none", "null", "undefined", "<", ">", "${", "{{", "%(", "$(")
_WORDS_RE = re.compile(r"^[-_.]*[A-Za-z]+(?:[-_. :/]+[A-Za-z]+)*[-_.]*$")
#: password hashes (bcrypt, argon2, pbkdf2, scrypt, crypt(3)): not the password itself
_HASH_RE = re.compile(r"^\$(?:2[abxy]?|argon2(?:id|i|d)?|pbkdf2[-_\w]*|scrypt|[1-9][0-9]?|[a-z0-9-]+)\$[^\s]*\$")
_PATH_RE = re.compile(r"^(?:[~.]{0,2}/|[A-Za-z]:\\)[^\s]*$|^[\w.-]+\.(?:json|pem|key|txt|env|ya?ml|toml|crt|cer|p12|"
                      r"pfx|der|ini|cfg|conf|db|sqlite3?)$", re.I)
_FORMAT_FIELD_RE = re.compile(r"\{[A-Za-z_0-9]*(?:[:!][^}]*)?\}|%\(?\w*\)?[sd]")

CREDENTIAL_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})\b")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,}")),
    ("a Stripe live key", re.compile(r"\b[sr]k_live_[0-9A-Za-z]{20,}\b")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("a PEM private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----\s*(?:[A-Za-z0-9+/=]+\s*){4}")),
    ("a JSON Web Token", re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")),
)
_FORMAT_HINT = re.compile(r"AKIA|ASIA|gh[pousr]_|github_pat_|xox[abposr]-|k_live_|AIza|PRIVATE KEY|eyJ")
_URL_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://([^:/@\s]*):([^@/\s]+)@")


def normalize(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def is_secret_name(name: str) -> bool:
    """Whether an identifier, attribute or dict key names a secret (see module doc)."""
    flat = normalize(name)
    if not flat or flat in NOT_SECRET_NAMES:
        return False
    last = None
    for match in _TERMS_RE.finditer(flat):
        last = match
    if last is None:
        return False
    rest = flat[last.end():].rstrip("0123456789")
    if rest not in VALUE_SUFFIXES or (last.group() == "token" and rest.startswith("s")):
        return False  # "tokens" counts or lists tokens (max_tokens, prompt_tokens)
    head = flat[: last.start()]
    # verbs and flags before the term name an action, not the secret itself
    return not head.endswith(("no", "has", "is", "use", "show", "forgot", "reset", "change", "update", "verify",
                              "check", "hash", "hashed", "get", "set", "validate", "require", "min", "max", "num"))


def entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    counts = Counter(value)
    total = len(value)
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def plausible_secret(value: str) -> bool:
    """Whether a literal value could be a real credential (see module doc)."""
    stripped = value.strip()
    if len(stripped) < 6 or any(c.isspace() for c in stripped):
        return False
    lower = stripped.lower()
    if any(word in lower for word in _PLACEHOLDER_WORDS):
        return False
    if _WORDS_RE.match(stripped) or _PATH_RE.match(stripped) or "://" in stripped or _HASH_RE.match(stripped):
        return False
    if _FORMAT_FIELD_RE.search(stripped):
        return False
    return entropy(stripped) >= 2.5


def is_credential_for(name: str, value: str) -> bool:
    """Whether ``value`` bound to the secret-like ``name`` is a credential."""
    if not plausible_secret(value):
        return False
    flat_value, flat_name = normalize(value), normalize(name)
    return not (flat_value and (flat_value in flat_name or flat_name in flat_value))


def credential_format(value: str) -> str | None:
    """The name of the credential format ``value`` contains, if any."""
    if not _FORMAT_HINT.search(value):
        return None
    for label, pattern in CREDENTIAL_FORMATS:
        match = pattern.search(value)
        if match and "EXAMPLE" not in match.group(0) and "example" not in value.lower():
            return label
    return None


def has_format_hint(text: str) -> bool:
    """A cheap test: could ``text`` contain a credential format at all?"""
    return _FORMAT_HINT.search(text) is not None


def url_password(value: str) -> bool:
    """Whether ``value`` is a URL with a real-looking inline password."""
    match = _URL_RE.match(value.strip())
    if match is None:
        return False
    user, password = match.group(2), match.group(3)
    if password == user:
        return False
    return plausible_secret(password)


# --- pre-screen -----------------------------------------------------------------

#: secret words; the parts of a two-word term may be joined by any separators, as
#: :func:`normalize` drops them (``api_key``, ``API__KEY``, ``"api key"``, ``"api.key"``)
_KEYWORDS = (
    r"secret|passw|pwd|token|credential|passphrase|://|jwt|"
    + "|".join(rf"{first}[^a-z0-9\n]*key" for first in ("api", "private", "access", "signing", "auth", "encryption",
                                                          "master"))
)
#: matched on ``text.encode("ascii", "replace").lower()``: one byte per character, so
#: offsets are the text's (``str.lower`` may change lengths: "İ".lower() is two characters)
_KEYWORDS_BYTES_RE = re.compile(_KEYWORDS.encode())
_JWT_LIBRARIES = ("jwt", "jose", "authlib", "itsdangerous")
_JWT_IMPORT_RE = re.compile(r"^\s*(?:import|from)\s+(?:jwt|jose|authlib|itsdangerous)\b", re.M)
#: text that may hold a URL with a password (``scheme://user:password@``, or a literal
#: ending after the password, continued by the next one)
_URL_CREDENTIAL_HINT = re.compile(r"""://[^\s/@:'"]*:[^\s/@'"]*(?:@|['"\\])""")
_JWT_MENTION_RE = re.compile(r"\b(?:jwt|jose|authlib|itsdangerous)\b")
_LITERAL_RE = re.compile(r"""[rRbBuU]{0,2}(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)')""")
_IDENTIFIER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
#: after a secret-like name, its value may be on the next lines (``NAME = (``, ``NAME = """``)
_CONTINUED_RE = re.compile(
    r"""\s*(?::[^=]*)?=\s*(?:\(|\\|[\w.]*(?:Field|SecretStr|SecretBytes)\(|[rRbBuU]{0,2}(?:"{3}|'{3}).*)?\s*"""
)
#: after a quoted secret-like key (a dict key), its value may be on the next lines
_QUOTED_CONTINUED_RE = re.compile(r"""\s*:\s*(?:\(|[rRbBuU]{0,2}(?:"{3}|'{3}).*)?\s*$""")


def prescreen(text: str) -> bool:
    """Whether ``text`` may contain a finding of FAPI401.

    It must never be false for a file the rule reports on; it only spares parsing
    the others. It looks, line by line, for a secret-like name (the same
    :func:`is_secret_name` as the rule) followed on its line by a literal that
    passes :func:`is_credential_for`, or by a value continued on the next line; for
    comparisons and JWT libraries; and it admits any text with a hint of a
    credential format or of a URL with a password (escaped or split literals are
    judged by :func:`prescreen_tree`). Checked against the
    rule on every fixture (``tests/test_hardcoded_secret.py``) and on a corpus
    (``benchmarks/prescreen_soundness.py``).
    """
    if has_format_hint(text) or _URL_CREDENTIAL_HINT.search(text):
        return True  # a credential format or a URL with a password may be there once decoded
    if any(word in text for word in _JWT_LIBRARIES) and _JWT_IMPORT_RE.search(text):
        return True
    lower = text.encode("ascii", "replace").lower()
    length = len(text)
    for match in _KEYWORDS_BYTES_RE.finditer(lower):
        keyword = match.group().decode()
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        line_end = length if line_end == -1 else line_end
        if keyword == "://":
            if any(url_password(_unescape(v)) for v in _literals(text[line_start:line_end])):
                return True
            continue
        if keyword == "jwt":
            line = text[line_start:line_end]
            if ("encode(" in line or "decode(" in line) and ('"' in line or "'" in line):
                return True
            continue
        if _quoted_name_admits(text, lower, line_start, line_end, match.start(), match.end()):
            return True
        start, end = match.start(), match.end()
        while start > line_start and text[start - 1] in _IDENTIFIER_CHARS:
            start -= 1
        while end < line_end and text[end] in _IDENTIFIER_CHARS:
            end += 1
        name = text[start:end]
        if not is_secret_name(name):
            continue
        quoted = start > line_start and text[start - 1] in "\"'" and text[end:end + 1] == text[start - 1]
        if _bound_to_credential(text, lower, name, line_start, line_end, start, end + 1 if quoted else end, quoted):
            return True
    return False


def _bound_to_credential(text: str, lower: bytes, name: str, line_start: int, line_end: int, start: int,
                         after: int, quoted: bool) -> bool:
    """Whether the secret-like ``name``, written from ``start`` on its line and
    followed by the code from ``after`` (past the closing quote when ``quoted``: a
    dict key or an environment variable name), may be bound to or compared with a
    credential: a literal on the line that passes :func:`is_credential_for`, or a
    value continued on the next line or compared with the previous one."""
    rest = text[after:line_end]
    code = rest.split("#", 1)[0]
    if (_QUOTED_CONTINUED_RE.match(code) if quoted else _CONTINUED_RE.fullmatch(code)):
        return True
    if quoted and code.strip() == "," and (b"getenv" in lower or b"environ" in lower):
        return True  # os.getenv("NAME",<newline> "default")
    if re.fullmatch(r"\s*[=!]=\s*\(?\s*", code) or (
        not quoted and re.fullmatch(r"\s*(?::[^=]*)?", code) and _next_line_starts_with_equal(text, line_end)
    ):
        return True  # the value is on the next line: ``x_token ==<newline> "..."``, ``name: str<newline>= "..."``
    if not text[line_start:start].strip(" \t(") and _previous_line_ends_with_comparison(text, line_start):
        return True  # ``"..." ==<newline> x_token``
    line = text[line_start:line_end]
    candidates = _literals(line) if ("==" in line or "!=" in line) else _literals(rest)
    return any(is_credential_for(name, _unescape(v)) for v in candidates)


def _quoted_name_admits(text: str, lower: bytes, line_start: int, line_end: int, start: int, end: int) -> bool:
    """For a secret word inside a string literal on its line (a dict key or an
    environment variable name such as ``"stripe.api.key"`` or ``"my api key"``):
    whether the whole literal, as the rule reads it, is a secret-like name followed
    by a credential on the line or continued on the next one."""
    if '"' not in text[line_start:start] and "'" not in text[line_start:start]:
        return False
    for literal in _LITERAL_RE.finditer(text, line_start, line_end):
        if literal.start() >= start:
            return False
        if literal.end() < end:
            continue
        name = _unescape(literal.group(1) if literal.group(1) is not None else literal.group(2))
        return is_secret_name(name) and _bound_to_credential(text, lower, name, line_start, line_end,
                                                             literal.start(), literal.end(), True)
    return False


def _next_line_starts_with_equal(text: str, line_end: int) -> bool:
    following = text[line_end + 1 : line_end + 200].lstrip()
    return following.startswith("=") and not following.startswith("==")


def _previous_line_ends_with_comparison(text: str, line_start: int) -> bool:
    if line_start == 0:
        return False
    previous = text[text.rfind("\n", 0, line_start - 1) + 1 : line_start - 1].split("#", 1)[0].rstrip()
    return previous.endswith(("==", "!="))


def _literals(text: str) -> list[str]:
    return [m.group(1) if m.group(1) is not None else m.group(2) for m in _LITERAL_RE.finditer(text)]


def _unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw
    import warnings

    try:
        with warnings.catch_warnings():  # "invalid escape sequence" in the linted text
            warnings.simplefilter("ignore")
            return raw.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return raw


def secret_spans_in_text(source) -> list:
    """Spans of the literals that look like secrets, read from the text alone (for
    files that do not parse, whose code frames must stay masked too): literals after a
    secret-like name on its line, in comparisons with one, in credential formats and
    URLs with passwords. ``source`` is a :class:`~fastapi_lint.source.SourceFile`."""
    text = source.text
    found: list[tuple[int, int]] = []
    for match in _LITERAL_RE.finditer(text):
        value = _unescape(match.group(1) if match.group(1) is not None else match.group(2))
        if credential_format(value) or url_password(value):
            found.append((match.start(), match.end()))
    lowered = text.encode("ascii", "replace").lower()
    for match in _KEYWORDS_BYTES_RE.finditer(lowered):
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        line_end = len(text) if line_end == -1 else line_end
        start, end = match.start(), match.end()
        while start > line_start and text[start - 1] in _IDENTIFIER_CHARS:
            start -= 1
        while end < line_end and text[end] in _IDENTIFIER_CHARS:
            end += 1
        name = text[start:end]
        if not is_secret_name(name):
            continue
        line = text[line_start:line_end]
        base = line_start if ("==" in line or "!=" in line) else end
        for literal in _LITERAL_RE.finditer(text, base, line_end):
            value = _unescape(literal.group(1) if literal.group(1) is not None else literal.group(2))
            if is_credential_for(name, value):
                found.append((literal.start(), literal.end()))
    return [source.span(a, b) for a, b in sorted(set(found))]


# --- second pre-screen, on the ast ------------------------------------------------


def prescreen_tree(tree, text: str) -> bool:
    """Whether a module whose text :func:`prescreen` admitted may hold a finding of
    FAPI401, decided on CPython's ``ast`` (``tree``) instead of line by line.

    The text pre-screen must guess where a value belongs to a name on one line; the
    tree knows. It mirrors every place the rule looks, more widely (any call's first
    two arguments as an environment lookup, any call's ``default``/first argument as a
    ``Field``/``SecretStr`` default): a secret-like name (:func:`is_secret_name`) bound
    or compared to a str/bytes literal that passes :func:`is_credential_for` as an
    assignment (``=``, ``:``, ``+=``, ``:=``), keyword argument, dict item, parameter
    default or ``==``/``!=`` comparison. Credential formats and URLs with passwords
    are looked for in every literal, decoded and joined as the rule reads it;
    modules naming a JWT library are admitted.
    Every node is looked at: a name is judged as the rule judges it (decoded, joined,
    NFKC-normalized by the parser, separators dropped), so ``"api key"``, ``"api_"
    "key"`` or ``"api\\x5fkey"`` in a file the text admitted for another reason
    count (measured: a walk of every node cost 1.2 s more than one of the lines
    naming a secret word, over the 412 corpus files the text pre-screen admitted then).
    """
    import ast

    if tree is None:
        return True
    if _JWT_MENTION_RE.search(text):
        return True  # a signing key given to a JWT library (however it is imported)
    if has_format_hint(text) or _URL_CREDENTIAL_HINT.search(text):
        # Literals as the rule reads them: decoded, implicit concatenations joined.
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
                value = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
                if credential_format(value) or url_password(value):
                    return True

    def literal(node) -> str | None:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return node.value
            if isinstance(node.value, bytes):
                return node.value.decode("latin-1")
        return None

    def name_of(node) -> str | None:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            return node.attr
        if isinstance(node, ast.Subscript):
            return literal(node.slice)
        return None

    def secret(name: str | None, value_node) -> bool:
        if name is None:
            return False
        value = literal(value_node)
        return value is not None and is_secret_name(name) and is_credential_for(name, value)

    def values(node) -> list:
        """The node itself and, for a call, what a ``Field(...)``/``SecretStr(...)``
        default can be."""
        if isinstance(node, ast.Call):
            out = node.args[:1]
            out += [k.value for k in node.keywords if k.arg == "default"]
            return out
        return [node]

    for node in ast.walk(tree):
        kind = type(node)
        if kind is ast.Assign:
            for target in node.targets:
                name = name_of(target)
                if name is not None and any(secret(name, v) for v in values(node.value)):
                    return True
        elif kind in (ast.AnnAssign, ast.AugAssign, ast.NamedExpr):
            if node.value is not None:
                name = name_of(node.target)
                if name is not None and any(secret(name, v) for v in values(node.value)):
                    return True
        elif kind is ast.Call:
            for keyword in node.keywords:
                if keyword.arg is not None and secret(keyword.arg, keyword.value):
                    return True
            key = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "key"), None)
            default = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "default"), None)
            if key is not None and default is not None and secret(literal(key), default):
                return True
        elif kind is ast.Dict:
            for key, value in zip(node.keys, node.values):
                if key is not None and secret(literal(key), value):
                    return True
        elif kind is ast.arguments:
            positional = node.posonlyargs + node.args
            pairs = list(zip(positional[len(positional) - len(node.defaults):], node.defaults))
            pairs += [(a, d) for a, d in zip(node.kwonlyargs, node.kw_defaults) if d is not None]
            if any(secret(arg.arg, default) for arg, default in pairs):
                return True
        elif kind is ast.Compare:
            if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
                left, right = node.left, node.comparators[0]
                if secret(name_of(left), right) or secret(name_of(right), left):
                    return True
    return False
