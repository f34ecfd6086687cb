"""What a rule sees while it checks one module, and how it reports."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import libcst as cst

from fastapi_lint.diagnostics import Applicability, Deferred, Edit, Finding, Fix, Span  # noqa: F401
from fastapi_lint.names import IMPORT, Scope

if TYPE_CHECKING:
    from fastapi_lint.model.module import ModuleModel
    from fastapi_lint.positions import Positions
    from fastapi_lint.rules.base import Rule




class RuleContext:
    """The module being checked (``model``, ``source``), the running ``rule`` and
    its settings, and the means to report findings with ranges and fixes.

    Spans are computed lazily: a module where no rule reports pays nothing for
    positions.
    """

    def __init__(self, model: ModuleModel, path: str, target: Any = None) -> None:
        from fastapi_lint.target import TargetVersions

        self.model = model
        #: the FastAPI/Pydantic versions the project targets (:mod:`fastapi_lint.target`)
        self.target: TargetVersions = target if target is not None else TargetVersions()
        self.source = model.source
        self.path = path
        self.rule: Rule | None = None
        self.findings: list[Finding] = []
        self.deferred: list[Deferred] = []
        self._positions: Positions | None = None

    # -- positions and code ------------------------------------------------

    @property
    def positions(self) -> Positions:
        if self._positions is None:
            from fastapi_lint.positions import Positions

            self._positions = Positions(self.model.tree, self.source, self.model.statements,
                                        self.model.statement_of, self.model.ast_tree)
        return self._positions

    def span(self, node: cst.CSTNode) -> Span:
        """The :class:`Span` of ``node`` (whitespace around it excluded)."""
        return self.positions.span(node)

    def line(self, node: cst.CSTNode) -> int:
        """The 1-based line where ``node`` starts (cheaper than :meth:`span`)."""
        return self.positions.line(node)

    def code(self, node: cst.CSTNode) -> str:
        """The source text of ``node``."""
        start, end = self.positions.offsets(node)
        return self.source.text[start:end]

    @property
    def settings(self) -> dict[str, Any]:
        """The running rule's options (defaults merged with the configuration)."""
        assert self.rule is not None
        return self.rule.settings

    # -- reporting ----------------------------------------------------------

    def report(
        self,
        node: cst.CSTNode | Span,
        message: str,
        *,
        fix: Fix | None = None,
        help: str | None = None,
        redact: Iterable[cst.CSTNode | Span] = (),
    ) -> None:
        """Report a finding of the running rule at ``node``.

        ``redact`` lists nodes (or spans) whose text must never be printed, such as
        a secret value: outputs mask them.
        """
        rule = self.rule
        assert rule is not None, "report() outside a rule"
        span = node if isinstance(node, Span) else self.span(node)
        redacted = tuple(r if isinstance(r, Span) else self.span(r) for r in redact)
        self.findings.append(rule.finding(self.path, span, message, fix=fix, help=help, redact=redacted))

    def defer(self, node: cst.CSTNode | Span, **data: Any) -> None:
        """Leave a candidate finding for the running rule's ``check_project`` hook, which
        decides with facts from other modules. ``data`` must be picklable (names,
        numbers, tuples): it crosses process boundaries."""
        rule = self.rule
        assert rule is not None, "defer() outside a rule"
        span = node if isinstance(node, Span) else self.span(node)
        self.deferred.append(Deferred(rule.code, self.path, span, dict(data)))

    # -- fixes --------------------------------------------------------------

    def fix(self, applicability: Applicability, message: str, *edits: Edit | None) -> Fix:
        """A :class:`Fix` from edits (``None`` edits, such as an import already present, are dropped)."""
        unique = tuple(dict.fromkeys(e for e in edits if e is not None))
        return Fix(applicability, message, unique)

    def replace(self, node: cst.CSTNode, content: str) -> Edit:
        """Replace the text of ``node`` with ``content``."""
        return Edit(self.span(node), content)

    def insert_before(self, node: cst.CSTNode, content: str) -> Edit:
        span = self.span(node)
        return Edit(Span(span.start_line, span.start_col, span.start_line, span.start_col), content)

    def insert_after(self, node: cst.CSTNode, content: str) -> Edit:
        span = self.span(node)
        return Edit(Span(span.end_line, span.end_col, span.end_line, span.end_col), content)

    def import_edit(self, module: str, scope: Scope | None = None) -> tuple[str, Edit | None] | None:
        """Make ``module`` importable: the name to use for it at ``scope`` (default: the
        module) and the edit adding ``import module`` (``None`` when already imported).

        Returns ``None`` when the name is taken at ``scope`` by something else (a local
        variable called ``asyncio``): then no fix can use it. The import goes where
        isort would put it, on a line of its own, with the file's line break.
        """
        scope = scope or self.model.scope
        for name, bindings in self.model.scope.bindings.items():
            for b in bindings:
                if b.kind == IMPORT and b.qualified == module and "." not in module:
                    visible = scope.lookup_all(name)
                    if visible and visible[-1] is b:
                        return b.name, None
        if scope.lookup_all(module) or self.model.scope.bindings.get(module):
            return None
        return module, self._import_statement_edit(module, f"import {module}")

    def import_from_edit(self, module: str, name: str,
                         scope: Scope | None = None) -> tuple[str, Edit | None] | None:
        """Make ``module.name`` usable: the expression to write for it at ``scope`` and
        the edit adding ``from module import name`` (``None`` when it is already
        visible, under that name or another one, or through ``import module``).

        Returns ``None`` when ``name`` is taken at ``scope`` by something else.
        """
        from fastapi_lint import knowledge

        scope = scope or self.model.scope
        wanted = knowledge.canonical(f"{module}.{name}")
        for bound, bindings in self.model.scope.bindings.items():
            for b in bindings:
                if b.kind == IMPORT and b.qualified and knowledge.canonical(b.qualified) == wanted:
                    visible = scope.lookup_all(bound)
                    if visible and visible[-1] is b:
                        return b.name, None
        if scope.lookup_all(name) or self.model.scope.bindings.get(name):
            found = self.import_edit(module, scope)
            if found is not None and found[1] is None:
                return f"{found[0]}.{name}", None
            return None
        return name, self._import_statement_edit(module, f"from {module} import {name}")

    def _import_statement_edit(self, module: str, statement_text: str) -> Edit:
        """The edit inserting the import statement ``statement_text`` (about ``module``)."""
        body = self.model.tree.body
        newline = self.source.newline
        # The module's leading block: docstring, then import statements.
        leading: list[cst.SimpleStatementLine] = []
        docstring: cst.CSTNode | None = None
        for index, statement in enumerate(body):
            if isinstance(statement, cst.SimpleStatementLine) and all(
                isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body
            ):
                leading.append(statement)
            elif index == 0 and _is_docstring(statement):
                docstring = statement
            else:
                break
        # Like isort: among the plain standard-library imports, in alphabetical order;
        # else before the first import that is not ``from __future__``.
        stdlib = [s for s in leading if _plain_stdlib_import(s) is not None]
        if stdlib:
            after = [s for s in stdlib if (_plain_stdlib_import(s) or "") < module]
            if after:
                end_line = self.span(after[-1]).end_line
                if end_line < len(self.source.lines):
                    return Edit(Span(end_line + 1, 0, end_line + 1, 0), f"{statement_text}{newline}")
            else:
                line = self.span(stdlib[0]).start_line
                return Edit(Span(line, 0, line, 0), f"{statement_text}{newline}")
        first = next((s for s in leading if not _is_future_import(s)), None)
        if first is not None:
            line = self.span(first).start_line
            return Edit(Span(line, 0, line, 0), f"{statement_text}{newline}")
        anchor: cst.CSTNode | None = leading[-1] if leading else docstring
        if anchor is None:
            if not body:
                line = len(self.source.lines)
                return Edit(Span(line, 0, line, 0), f"{statement_text}{newline}")
            span = self.span(body[0])
            return Edit(Span(span.start_line, 0, span.start_line, 0), f"{statement_text}{newline}")
        end_line = self.span(anchor).end_line
        if end_line < len(self.source.lines):  # a line break follows the anchor
            return Edit(Span(end_line + 1, 0, end_line + 1, 0), f"{statement_text}{newline}")
        last = self.source.line(end_line)
        return Edit(Span(end_line, len(last), end_line, len(last)), f"{newline}{statement_text}")


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _plain_stdlib_import(statement: cst.SimpleStatementLine) -> str | None:
    """The module of ``import m`` when ``m`` is in the standard library."""
    import sys

    if len(statement.body) != 1 or not isinstance(statement.body[0], cst.Import):
        return None
    names = statement.body[0].names
    if len(names) != 1 or names[0].asname is not None:
        return None
    from fastapi_lint.names import dotted_name

    name = dotted_name(names[0].name) or ""
    return name if name.split(".")[0] in sys.stdlib_module_names else None


def _is_future_import(statement: cst.SimpleStatementLine) -> bool:
    first = statement.body[0]
    return isinstance(first, cst.ImportFrom) and isinstance(first.module, cst.Name) and first.module.value == "__future__"
