"""FAPI407 sql-injection."""

from __future__ import annotations

import re

import libcst as cst

from fastapi_lint import knowledge
from fastapi_lint.context import RuleContext
from fastapi_lint.diagnostics import Severity
from fastapi_lint.model.module import ModuleModel
from fastapi_lint.model.nodes import CallSite, literal_string
from fastapi_lint.names import ASSIGN, PARAM, Scope
from fastapi_lint.rules.base import Rule
from fastapi_lint.screening import folded, nodes_on_lines

TEXT_CONSTRUCTS = frozenset({"sqlalchemy.text", "sqlmodel.text"})
#: methods that run SQL text given as their first argument (DB-API cursors and
#: connections, SQLAlchemy sessions and connections, asyncpg, databases)
SQL_METHODS = frozenset({"execute", "executemany", "executescript", "exec_driver_sql", "fetch", "fetchrow",
                         "fetchval", "fetch_all", "fetch_one", "fetch_val", "iterate", "execute_many"})
_SQL_TYPES = knowledge.SQL_EXECUTE_TYPES | {"databases.Database", "sqlalchemy.Engine", "asyncpg.pool.Pool",
                                            "aiosqlite.Connection", "aiosqlite.Cursor"}
#: the words that start a SQL statement (one list for the rule's test and its pre-screens)
_STATEMENT_WORDS = ("select|insert|update|delete|with|replace|merge|create|drop|alter|truncate|upsert|call|exec|"
                    "pragma|copy|grant|revoke|show|describe|explain|set|vacuum|analyze")
_SQL_START = re.compile(rf"^\s*\(?\s*(?:{_STATEMENT_WORDS})\b", re.I)
#: a string literal whose text starts like SQL by :data:`_SQL_START` (raw source: a
#: quote, then blanks, escaped line breaks or a parenthesis before the word), searched
#: in :func:`~fastapi_lint.screening.folded` text
_SQL_LITERAL_START = re.compile(rf"""["'](?:\s|\\[ntr]|\()*(?:{_STATEMENT_WORDS})\b""")
#: a SQL statement word anywhere (the tree pre-screen's wide test on raw f-string lines)
_SQL_WORD = re.compile(rf"(?i)\b(?:{_STATEMENT_WORDS})\b")
#: calls whose result cannot carry SQL syntax
_SAFE_CALLS = frozenset({"builtins.int", "builtins.float", "builtins.len", "builtins.bool", "builtins.round",
                         "builtins.abs", "uuid.UUID", "uuid.uuid4"})
_SAFE_TYPES = frozenset({"builtins.int", "builtins.float", "builtins.bool", "uuid.UUID", "datetime.datetime",
                         "datetime.date", "decimal.Decimal"})
_MARK = "\x00"
#: where a string can be built: an f-string's prefix, ``%``, ``format``, ``+`` (each
#: is written in the text of the node that builds it, as the rule reads it: libcst
#: keeps identifiers as written, where `ast` normalizes them)
_BUILD_HINT = re.compile(r"""[fF][rR]?["']|[rR][fF]["']|%|format|\+""")
_VALUE_BEFORE = re.compile(r"(?:[=<>]|\b(?:i?like|in\s*\(|values\s*\(|limit|offset|between|and|or|not|then|"
                           r"else|when|against|by))\s*$", re.I)
_TABLE_LIKE = re.compile(r"\bcreate\s+(?:temporary\s+)?table\s+\S+\s+like\s*$", re.I)  # MySQL: a table name
_NOT_SQL = frozenset({"httpx", "requests", "aiohttp", "redis", "celery", "subprocess", "concurrent", "asyncio",
                      "graphql", "strawberry", "alembic", "builtins", "langchain", "openai"})
_SELF = frozenset({"self", "cls"})

#: SQL statement keywords as they start a statement in a literal (the pre-screen;
#: searched in :func:`~fastapi_lint.screening.folded` text). One pattern per keyword:
#: ``re`` finds a pattern that starts with a literal many times faster than an
#: alternation of them.
_SQL_KEYWORDS = tuple(re.compile(p) for p in (
    r"select\s+[\w*\"`\[({]", r"insert\s+into", r"update\s+[\w\"`\[{.]+\s+set\b", r"delete\s+from", r"replace\s+into",
    r"merge\s+into", r"with\s+\w+\s+as\s*\(",
    *(rf"{word}\s+(?:temp\w*\s+|unique\s+|or\s+replace\s+)?(?:table|index|view|schema|database|sequence|type|"
      rf"extension|function|trigger)" for word in ("create", "drop", "alter", "truncate")),
))


class SqlInjection(Rule):
    """## What it does
    Checks for SQL text built with an f-string, `%`, `.format()` or `+` from a
    function's arguments and passed to SQLAlchemy's `text()`, to a session's or
    connection's `execute()`/`exec_driver_sql()`, to a DB-API `cursor.execute()`,
    or to asyncpg's and databases' `fetch*()`/`execute()`.

    Only values interpolated where SQL expects a value are reported: inside a quoted
    literal (`'{name}'`), after a comparison, `LIKE`, `IN (`, `VALUES (`, `LIMIT`,
    `ORDER BY`, `AND`... -- where a bound parameter could take their place.
    Identifiers (`FROM {table}`, `DROP INDEX {name}`) cannot be bound and are left
    alone. And only text made from the enclosing function's parameters is reported (followed
    through local variables, attributes, subscripts and method calls such as
    `name.strip()`): a path operation's or a repository function's arguments are
    where outside input arrives. Parameters typed `int`, `float`, `bool` or `UUID`,
    numbers (`int(x)`, `len(x)`), module constants and `self` attributes
    (configuration such as a table name) are not. For a method call whose
    receiver's type is unknown, the text must start like a SQL statement
    (`SELECT`, `INSERT`, `UPDATE`...).

    Database migrations (modules in a `migrations` or `alembic` package, or that
    import Alembic) are not checked: they run with their own constants.

    ## Why is this bad?
    Text pasted into a query becomes SQL: `name = "x' OR '1'='1"` reads every row,
    `"x'; DROP TABLE users; --"` destroys them. Bound parameters (`:name` with
    SQLAlchemy, `%s`/`?` with DB-API drivers, `$1` with asyncpg) send values
    separately from the statement, so no value can change its meaning.

    ## Known problems
    Values that reach a query from elsewhere than the function's own parameters
    (a global, a request read inside a helper) are not followed. Identifiers
    (table or column names) cannot be bound: when they come from a parameter,
    check them against an allow-list and add a `# noqa: FAPI407` saying so.

    ## Example
    ```python
    from sqlalchemy import text
    from sqlalchemy.orm import Session


    def find_user(db: Session, name: str):
        return db.execute(text(f"SELECT * FROM users WHERE name = '{name}'")).all()
    ```

    ## Use instead
    ```python
    from sqlalchemy import text
    from sqlalchemy.orm import Session


    def find_user(db: Session, name: str):
        return db.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name}).all()
    ```

    ## References
    - CWE-89: [SQL Injection](https://cwe.mitre.org/data/definitions/89.html)
    - SQLAlchemy: [Using Textual SQL](https://docs.sqlalchemy.org/en/20/tutorial/dbapi_transactions.html#sending-parameters)
    - Python: [sqlite3 placeholders](https://docs.python.org/3/library/sqlite3.html#sqlite3-placeholders)
    - OWASP: [Query Parameterization Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Query_Parameterization_Cheat_Sheet.html)

    ## Judging
    True when SQL text is built from data that can come from a request (a path
    operation's parameters, body or headers, or a function argument of unknown
    origin reached from one) without parameters. False when the interpolated
    values cannot carry an injection (enums, ints, fixed identifiers from the
    code, values checked against a fixed set), or the code is a migration or
    offline script.
    """

    code = "FAPI407"
    report_in_tests = False
    request_serving_only = True
    name = "sql-injection"
    summary = "SQL text built from a function's arguments"
    severity = Severity.ERROR
    tags = ("security", "external/cwe/cwe-89")
    cwe = 89
    security_severity = 9.8

    def prescreen(self, text: str) -> bool:
        """A sink and SQL written in the module: a statement keyword followed by
        its operand (``SELECT *``, ``update t``; ``select(User)`` of the ORM is not),
        a literal that starts like SQL by the rule's own test (``f"UPDATE users "``
        continued by ``f"SET ..."``, ``"INSERT OR IGNORE ..."``, ``"EXEC proc ..."``),
        or SQLAlchemy's ``text()``, which also takes fragments of SQL."""
        if not ("text(" in text or "exec" in text or "fetch" in text or "iterate(" in text):
            return False  # ("exec": execute, executemany, exec_driver_sql)
        low = folded(text)
        if any(p.search(low) for p in _SQL_KEYWORDS) or _SQL_LITERAL_START.search(low) is not None:
            return True
        # SQLAlchemy's ``text()`` also takes fragments (``filter(text(f"name = '{name}'"))``)
        return "text(" in text and ("sqlalchemy" in text or "sqlmodel" in text)

    def prescreen_tree(self, tree, text: str) -> bool:
        """Some string in the module is built (f-string, ``%``, ``.format()``, ``+``)
        with a value interpolated where SQL expects a value: every finding is one."""
        return _built_strings_in(tree, text)

    def check_module(self, ctx: RuleContext) -> None:
        model = ctx.model
        if _is_migration(model):
            return
        for site in model.calls:
            if site.function is None or not site.node.args:
                continue
            sink = _sink(site)
            if sink is None:
                continue
            first = site.node.args[0]
            if first.keyword is not None or first.star:
                continue
            built = _built_query(first.value, site.scope, model)
            if built is None:
                continue
            how, constant_text, sources = built
            if sink != "text()" and not _SQL_START.match(constant_text.replace(_MARK, "x")):
                continue
            names = ", ".join(f"`{s}`" for s in sources[:3])
            ctx.report(
                first.value,
                f"SQL built with {how} from {names} (argument{'s' if len(sources) > 1 else ''} of "
                f"`{site.function.name}`) and run by `{sink}`: a crafted value changes the statement",
                help="Use bound parameters (`:name` with `text()`, `%s`/`?`/`$1` with drivers) and pass the values "
                     "separately",
            )


def _is_migration(model: ModuleModel) -> bool:
    """A database migration (a module in a ``migrations``/``alembic`` package, or one that
    imports Alembic): run by operators with its own constants, never with request data."""
    if {"migrations", "alembic"} & set(model.name.split(".")[:-1]):
        return True
    return any(b.qualified and b.qualified.split(".")[0] == "alembic"
               for bindings in model.scope.bindings.values() for b in bindings if b.kind == "import")


def _sink(site: CallSite) -> str | None:
    callee = site.callee
    if callee in TEXT_CONSTRUCTS:
        return "text()"
    func = site.node.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in SQL_METHODS:
        return None
    method = func.attr.value
    if callee is not None:
        owner = callee.rpartition(".")[0]
        if owner in _SQL_TYPES:
            return f"{owner.rpartition('.')[2]}.{method}()"
        if owner.partition(".")[0] in _NOT_SQL:
            return None  # a library whose execute() runs no SQL text (or not of this app: alembic)
    return f".{method}()"


def _built_query(expr: cst.BaseExpression, scope: Scope, model: ModuleModel, depth: int = 0):
    """``(how, constant text, parameter names)`` when ``expr`` is SQL text built from
    parameters, else ``None``. A local variable assigned once is followed."""
    if depth > 3:
        return None
    if isinstance(expr, cst.Name):
        bindings = scope.lookup_all(expr.value)
        if len(bindings) == 1 and bindings[0].kind == ASSIGN and bindings[0].value is not None \
                and bindings[0].scope.kind == "function":
            return _built_query(bindings[0].value, bindings[0].scope, model, depth + 1)
        return None
    parts: list[cst.BaseExpression] = []
    text = ""
    how = None
    if isinstance(expr, (cst.FormattedString, cst.ConcatenatedString)):
        strings = _string_parts(expr)
        if strings is None:
            return None
        for part in strings:
            if isinstance(part, cst.FormattedString):
                how = "an f-string"
                for piece in part.parts:
                    if isinstance(piece, cst.FormattedStringText):
                        text += piece.value
                    elif isinstance(piece, cst.FormattedStringExpression):
                        text += _MARK
                        parts.append(piece.expression)
            else:
                text += literal_string(part) or ""
    elif isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo):
        template = literal_string(expr.left)
        if template is None:
            return None
        how, text = "`%` formatting", re.sub(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]", _MARK, template)
        right = expr.right
        if isinstance(right, cst.Tuple):
            parts = [e.value for e in right.elements]
        elif isinstance(right, cst.Dict):
            parts = [e.value for e in right.elements if isinstance(e, cst.DictElement)]
        else:
            parts = [right]
    elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "format":
        template = literal_string(expr.func.value)
        if template is None:
            return None
        how, text = "`.format()`", re.sub(r"\{[^{}]*\}", _MARK, template)
        parts = [a.value for a in expr.args]
    elif isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        operands = _flatten_add(expr)
        literals = [literal_string(o) for o in operands]
        if literals[0] is None and not isinstance(operands[0], cst.FormattedString):
            return None  # not visibly a string concatenation
        how = "`+` concatenation"
        for operand, literal in zip(operands, literals):
            if literal is not None:
                text += literal
            else:
                text += _MARK
                parts.append(operand)
    else:
        return None
    if not _value_position(text):
        return None
    sources: list[str] = []
    for part in parts:
        for name in _parameters_in(part, scope, model):
            if name not in sources:
                sources.append(name)
    if not sources:
        return None
    return how, text, sources


def _built_strings_in(tree, text: str) -> bool:
    """Whether CPython's ``ast`` of a module holds a string built like
    :func:`_built_query` builds one, with a value where SQL expects a value (judged
    more widely than :func:`_value_position`: any quote before the value counts,
    since ``ast`` gives the literals' decoded text, libcst their raw text), and that
    starts like a SQL statement unless the module can call SQLAlchemy's ``text()``
    (only a ``text()`` sink takes SQL that does not start like a statement, and its
    qualified name needs an import of ``sqlalchemy`` or ``sqlmodel``)."""
    import ast

    if tree is None:
        return True
    textual = "sqlalchemy" in text or "sqlmodel" in text
    lines: list[str] | None = None

    def constant(node) -> str | None:
        return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None

    def flatten(node) -> list:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return flatten(node.left) + flatten(node.right)
        return [node]

    for node in nodes_on_lines(tree, _BUILD_HINT, text):
        built = None
        if isinstance(node, ast.JoinedStr):
            if any(isinstance(v, ast.FormattedValue) for v in node.values):
                built = "".join(_MARK if isinstance(v, ast.FormattedValue) else (constant(v) or "")
                               for v in node.values)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            template = constant(node.left)
            if template is not None:
                built = re.sub(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]", _MARK, template)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            template = constant(node.func.value)
            if template is not None:
                built = re.sub(r"\{[^{}]*\}", _MARK, template)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            operands = flatten(node)
            if constant(operands[0]) is not None or isinstance(operands[0], ast.JoinedStr):
                built = "".join(constant(o) if constant(o) is not None else _MARK for o in operands)
        if built is None or _MARK not in built:
            continue
        starts = textual or _SQL_START.match(built.replace(_MARK, "x"))
        if starts and (_value_position(built) or "'" in built[: built.rfind(_MARK)]):
            return True
        if isinstance(node, ast.JoinedStr):
            # The rule reads an f-string's raw text: where escapes (``\N{...}``, ``\x5f``)
            # make it differ from the decoded one, the raw lines decide, widely: a
            # backslash and a SQL statement word on them.
            if lines is None:
                lines = re.split(r"\r\n|\r|\n", text)
            raw = "\n".join(lines[node.lineno - 1 : (node.end_lineno or node.lineno)])
            if "\\" in raw and (textual or _SQL_WORD.search(raw)):
                return True
    return False


def _value_position(text: str) -> bool:
    """Whether a value is interpolated where SQL expects a value (inside a quoted literal,
    after a comparison, ``LIKE``, ``IN (``, ``VALUES (``, ``LIMIT``...): there a bound
    parameter could take its place. Identifiers (``FROM {table}``) cannot be bound."""
    start = 0
    while True:
        index = text.find(_MARK, start)
        if index == -1:
            return False
        before = text[:index].replace(_MARK, "x")
        if before.count("'") % 2 == 1 or (_VALUE_BEFORE.search(before) and not _TABLE_LIKE.search(before)):
            return True
        start = index + 1


def _string_parts(expr: cst.BaseExpression) -> list[cst.BaseExpression] | None:
    if isinstance(expr, cst.ConcatenatedString):
        left = _string_parts(expr.left)
        right = _string_parts(expr.right)
        return None if left is None or right is None else left + right
    if isinstance(expr, (cst.FormattedString, cst.SimpleString)):
        return [expr]
    return None


def _flatten_add(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return _flatten_add(expr.left) + _flatten_add(expr.right)
    return [expr]


def _parameters_in(expr: cst.BaseExpression, scope: Scope, model: ModuleModel, depth: int = 0) -> list[str]:
    """The enclosing function's parameters whose text ``expr`` carries (numbers and
    ``self`` attributes excluded)."""
    if depth > 4:
        return []
    resolver = model.resolver
    if isinstance(expr, cst.Name):
        bindings = scope.lookup_all(expr.value)
        if len(bindings) != 1:
            return []
        binding = bindings[0]
        if binding.kind == PARAM and binding.scope.kind == "function":
            if expr.value in _SELF or isinstance(binding.node, cst.Param) and binding.node.star in ("*", "**"):
                return [] if expr.value in _SELF else [expr.value]
            if resolver.annotation_type(binding.annotation, binding.scope) in _SAFE_TYPES:
                return []
            return [expr.value]
        if binding.kind == ASSIGN and binding.value is not None and binding.scope.kind == "function":
            return _parameters_in(binding.value, binding.scope, model, depth + 1)
        return []
    if isinstance(expr, (cst.Attribute, cst.Subscript)):
        return _parameters_in(expr.value, scope, model, depth + 1)
    if isinstance(expr, cst.Call):
        if resolver.qualified_name(expr.func, scope) in _SAFE_CALLS:
            return []
        if isinstance(expr.func, cst.Attribute):
            if expr.func.attr.value in ("count", "index", "find", "isdigit", "isnumeric", "startswith", "endswith"):
                return []
            if expr.func.attr.value == "join" and _placeholder_join(expr):
                return []
            return _parameters_in(expr.func.value, scope, model, depth + 1)
        if resolver.qualified_name(expr.func, scope) in ("builtins.str", "builtins.repr"):
            return [n for a in expr.args for n in _parameters_in(a.value, scope, model, depth + 1)]
        return []
    if isinstance(expr, cst.FormattedString):
        return [n for p in expr.parts if isinstance(p, cst.FormattedStringExpression)
                for n in _parameters_in(p.expression, scope, model, depth + 1)]
    if isinstance(expr, cst.BinaryOperation):
        return _parameters_in(expr.left, scope, model, depth + 1) + \
            _parameters_in(expr.right, scope, model, depth + 1)
    return []


def _placeholder_join(call: cst.Call) -> bool:
    """``", ".join("?" * len(ids))``, ``",".join(f":p{i}" for i ...)``: placeholders, not values."""
    if not call.args:
        return False
    text = ""
    stack: list[cst.CSTNode] = [call.args[0].value]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.SimpleString):
            text += literal_string(node) or ""
        elif isinstance(node, cst.FormattedStringText):
            text += node.value
        stack.extend(node.children)
    return bool(text) and all(c in "?%s:$, @" or c.isalnum() or c == "_" for c in text) \
        and any(c in text for c in "?%:$@")
