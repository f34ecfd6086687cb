"""Node positions, computed only for the nodes that need them.

libcst's ``PositionProvider`` costs about twice the parse itself (measured on the
corpus: 8.7 s of positions for 3.9 s of parsing), and even a bare code-generation
pass that only counts characters costs half a parse. Nearly every module with a
path operation has a finding, so positions must be cheap:

1. ``ast.parse`` (a tenth of a libcst parse) gives the line and column of every
   statement; libcst's statements, in source order, correspond one to one with
   ``ast``'s (checked by kind).
2. To place a node, only the innermost statement holding it is code-generated,
   with a state that counts characters (for a ``def``/``class``/``if``/``for``/
   ``while``/``with`` header, the body is left out).
3. The generated text of the node and of the statement's first line must equal
   the source text at the computed place; otherwise, or when ``ast`` cannot parse
   the file, the whole module is code-generated once (the exact, slower way).

The ranges are those of ``PositionProvider`` (syntactic: surrounding whitespace
excluded); ``tests/test_positions.py`` checks both ways against libcst on every
fixture.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Optional

import libcst as cst
from libcst._nodes.internal import CodegenState

from fastapi_lint.diagnostics import Span
from fastapi_lint.model.builder import children
from fastapi_lint.source import SourceFile


class _OffsetState(CodegenState):
    """A codegen state that records the character range of every node."""

    def __init__(self, default_indent: str, default_newline: str, keep_text: bool = False) -> None:
        super().__init__(default_indent=default_indent, default_newline=default_newline)
        self.offset = 0
        self._keep = keep_text
        self._stack: list[int] = []
        self.ranges: dict[cst.CSTNode, tuple[int, int]] = {}

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.offset += len(token)
            if self._keep:
                self.tokens.append(token)

    def add_token(self, value: str) -> None:
        self.offset += len(value)
        if self._keep:
            self.tokens.append(value)

    def pop_trailing_newline(self) -> None:  # the offsets of nodes are already recorded
        pass

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._stack.pop()
        if node not in self.ranges:
            self.ranges[node] = (start, self.offset)

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> Iterator[None]:
        start = self.offset
        try:
            yield
        finally:
            end = self.offset
            if start_node is not None:
                start = self.ranges[start_node][0]
            if end_node is not None:
                end = self.ranges[end_node][1]
            self.ranges[node] = (start, end)


_DEF_NAME = __import__("re").compile(r"(?:async[ \t\f]+)?(?:def|class)[ \t\f]+(\w+)")


class _Fallback(Exception):
    """The fast path cannot place a node: use the whole-module computation."""


_STATEMENT_KINDS = {
    cst.Expr: (ast.Expr,), cst.Assign: (ast.Assign,), cst.AnnAssign: (ast.AnnAssign,),
    cst.AugAssign: (ast.AugAssign,), cst.Return: (ast.Return,), cst.Raise: (ast.Raise,), cst.Pass: (ast.Pass,),
    cst.Break: (ast.Break,), cst.Continue: (ast.Continue,), cst.Import: (ast.Import,),
    cst.ImportFrom: (ast.ImportFrom,), cst.Global: (ast.Global,), cst.Nonlocal: (ast.Nonlocal,),
    cst.Del: (ast.Delete,), cst.Assert: (ast.Assert,), cst.FunctionDef: (ast.FunctionDef, ast.AsyncFunctionDef),
    cst.ClassDef: (ast.ClassDef,), cst.If: (ast.If,), cst.For: (ast.For, ast.AsyncFor), cst.While: (ast.While,),
    cst.With: (ast.With, ast.AsyncWith), cst.Try: (ast.Try,), cst.Match: (ast.Match,),
}
if hasattr(ast, "TryStar"):
    _STATEMENT_KINDS[cst.TryStar] = (ast.TryStar,)
if hasattr(ast, "TypeAlias"):
    _STATEMENT_KINDS[cst.TypeAlias] = (ast.TypeAlias,)

#: compound statements whose header precedes everything else they hold
_HEADER_FIRST = (cst.FunctionDef, cst.ClassDef, cst.If, cst.For, cst.While, cst.With)
_STUB_BODY = cst.IndentedBlock(body=[cst.SimpleStatementLine(body=[cst.Pass()])])


class Positions:
    """Maps libcst nodes of one module to spans and character offsets."""

    def __init__(
        self,
        module: cst.Module,
        source: SourceFile,
        statements: list[cst.CSTNode] | None = None,
        statement_of: dict[cst.CSTNode, cst.CSTNode] | None = None,
        ast_tree: ast.AST | None = None,
    ) -> None:
        """``statements`` (in source order) and ``statement_of`` (innermost statement of
        each node) come from the model builder's walk; without them they are computed."""
        self._module = module
        self._source = source
        self._full: dict[cst.CSTNode, tuple[int, int]] | None = None
        self._index: _StatementIndex | None | bool = None
        self._statements = statements
        self._statement_of = statement_of
        self._ast_tree = ast_tree
        self._local: dict[cst.CSTNode, tuple[int, int]] = {}

    def span(self, node: cst.CSTNode) -> Span:
        """The span of ``node`` (syntactic range: surrounding whitespace excluded)."""
        start, end = self.offsets(node)
        return self._source.span(start, end)

    def offsets(self, node: cst.CSTNode) -> tuple[int, int]:
        """The character offsets ``[start, end)`` of ``node`` in the source text."""
        if self._full is not None:
            return self._full[node]
        found = self._local.get(node)
        if found is not None:
            return found
        try:
            return self._place(node)
        except _Fallback:
            return self._whole()[node]

    # -- the exact, slow way -------------------------------------------------

    def _whole(self) -> dict[cst.CSTNode, tuple[int, int]]:
        if self._full is None:
            state = _OffsetState(self._module.default_indent, self._module.default_newline)
            self._module._codegen(state)
            self._full = state.ranges
        return self._full

    # -- the fast way -----------------------------------------------------------

    def _statement_index(self) -> _StatementIndex:
        if self._index is None:
            try:
                self._index = _StatementIndex(self._module, self._source, self._statements, self._statement_of,
                                              self._ast_tree)
            except _Fallback:
                self._index = False
        if self._index is False:
            raise _Fallback
        return self._index  # type: ignore[return-value]

    def line(self, node: cst.CSTNode) -> int:
        """The 1-based line where ``node`` starts (for a decorator or a statement,
        straight from ``ast``, without generating any code)."""
        try:
            index = self._statement_index()
            statement = index.statement_of.get(node)
            if statement is not None and statement in index.order:
                if node is statement:
                    return index.ast_node(statement).lineno
                if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and node in statement.decorators:
                    decorator = index.ast_node(statement).decorator_list[statement.decorators.index(node)]
                    return decorator.lineno
        except (_Fallback, IndexError, ValueError):
            pass
        return self.span(node).start_line

    def _place(self, node: cst.CSTNode) -> tuple[int, int]:
        index = self._statement_index()
        statement = index.statement_of.get(node)
        if statement is None or statement not in index.order:
            raise _Fallback
        straight = self._from_ast(node, statement, index)
        if straight is not None:
            self._local[node] = straight
            return straight
        absolute, indent = index.start_of(statement)
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and node is statement.name:
            # ``[async] def name`` / ``class name``: found in the text, no code generated.
            text = self._source.text
            match = _DEF_NAME.match(text, absolute)
            if match is not None and match.group(1) == statement.name.value:
                result = (match.start(1), match.end(1))
                self._local[node] = result
                return result
        target = statement
        if node is not statement and isinstance(statement, _HEADER_FIRST) and not isinstance(
            statement.body, cst.SimpleStatementSuite
        ):
            changes: dict[str, object] = {"body": _STUB_BODY}
            if isinstance(statement, (cst.If, cst.For, cst.While)) and statement.orelse is not None:
                changes["orelse"] = None
            target = statement.with_changes(**changes)
        state = _OffsetState(self._module.default_indent, self._module.default_newline, keep_text=True)
        state.indent_tokens = [indent]  # the indentation of the statement's own line
        if isinstance(statement, cst.If) and self._source.text.startswith("elif", absolute):
            target._codegen(state, is_elif=True)  # an ``elif`` is an If generated by its parent
        else:
            target._codegen(state)
        generated = "".join(state.tokens)
        start_rel = state.ranges[target][0]
        text = self._source.text
        # The statement's first line and the node itself must be where we think.
        first_line_end = generated.find("\n", start_rel)
        head = generated[start_rel : first_line_end if first_line_end != -1 else len(generated)]
        if text[absolute : absolute + len(head)] != head:
            raise _Fallback
        shift = absolute - start_rel
        for child, (s, e) in state.ranges.items():
            if child is target:
                continue
            self._local[child] = (s + shift, e + shift)
        if target is statement:
            self._local[statement] = (start_rel + shift, state.ranges[target][1] + shift)
        result = self._local.get(node)
        if result is None:
            raise _Fallback
        s, e = result
        if text[s:e] != generated[s - shift : e - shift]:
            raise _Fallback
        return result


    def _from_ast(self, node: cst.CSTNode, statement: cst.CSTNode, index: _StatementIndex) -> tuple[int, int] | None:
        """The offsets of a decorator, or of the call, name, attribute or ``await``
        that is a statement's whole value, raised exception or ``if``/``while`` test
        (or the call such a value awaits), straight from ``ast`` (no code generated).
        ``None`` when the node is parenthesized (``ast`` leaves parentheses out) or
        the text around it is not what the node's syntax implies."""
        text = self._source.text
        if type(node) is cst.Decorator and isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            if getattr(node.decorator, "lpar", None):
                return None
            position = next((i for i, d in enumerate(statement.decorators) if d is node), None)
            if position is None:
                return None
            expr = index.ast_node(statement).decorator_list[position]
            start, end = self._ast_range(expr)
            at = text.rfind("@", 0, start)
            if at == -1 or text[at + 1 : start].strip(" \t\f"):
                return None
            return at, end
        if type(node) not in _STRAIGHT_VALUES:
            return None
        field = _VALUE_FIELDS.get(type(statement))
        if field is None:
            return None
        ours, theirs = getattr(statement, field[0], None), getattr(index.ast_node(statement), field[1], None)
        if type(ours) is cst.Await and ours is not node and type(theirs) is ast.Await and not ours.lpar:
            ours, theirs = ours.expression, theirs.value  # ``x = await call(...)``: the awaited call
        if ours is not node or node.lpar or type(theirs) is not _STRAIGHT_VALUES[type(node)]:
            return None
        return self._ast_range(theirs)

    def _ast_range(self, expr: ast.expr) -> tuple[int, int]:
        return (self._char_offset(expr.lineno, expr.col_offset),
                self._char_offset(expr.end_lineno or expr.lineno, expr.end_col_offset or 0))

    def _char_offset(self, line: int, byte_column: int) -> int:
        """The character offset of an ``ast`` position (its columns count UTF-8 bytes)."""
        return self._source.offset(line, _char_column(self._source.line(line), byte_column))


def _char_column(line: str, byte_column: int) -> int:
    """The 0-based character column in ``line`` of an ``ast`` column (UTF-8 bytes)."""
    return byte_column if line.isascii() else len(line.encode("utf-8")[:byte_column].decode("utf-8", "replace"))


#: value nodes placed straight from ``ast`` (libcst type -> the ``ast`` type it must match)
_STRAIGHT_VALUES: dict[type, type] = {cst.Call: ast.Call, cst.Name: ast.Name, cst.Attribute: ast.Attribute,
                                      cst.Await: ast.Await}
#: statement kind -> (its libcst field, the ``ast`` field) holding one whole expression
_VALUE_FIELDS: dict[type, tuple[str, str]] = {
    cst.Assign: ("value", "value"), cst.AnnAssign: ("value", "value"), cst.AugAssign: ("value", "value"),
    cst.Expr: ("value", "value"), cst.Return: ("value", "value"), cst.Raise: ("exc", "exc"),
    cst.If: ("test", "test"), cst.While: ("test", "test"),
}


class _StatementIndex:
    """The innermost statement of every node and the absolute start offset (and line
    indentation) of each statement, taken from ``ast``."""

    def __init__(
        self,
        module: cst.Module,
        source: SourceFile,
        statements: list[cst.CSTNode] | None,
        statement_of: dict[cst.CSTNode, cst.CSTNode] | None,
        tree: ast.AST | None = None,
    ) -> None:
        self.source = source
        if statements is None or statement_of is None:
            statements, statement_of = _index_statements(module)
        self.statement_of = statement_of
        self.order = {node: i for i, node in enumerate(statements)}
        if tree is None:
            try:
                tree = ast.parse(source.text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                raise _Fallback from None
        ast_statements = list(_ast_statements(tree))
        if len(ast_statements) != len(statements):
            raise _Fallback
        for ours, theirs in zip(statements, ast_statements, strict=True):
            kinds = _STATEMENT_KINDS.get(type(ours))
            if kinds is None or not isinstance(theirs, kinds):
                raise _Fallback
        self._ast = ast_statements

    def ast_node(self, statement: cst.CSTNode) -> ast.stmt:
        return self._ast[self.order[statement]]

    def start_of(self, statement: cst.CSTNode) -> tuple[int, str]:
        """(absolute offset of the statement's first token, indentation of its line)."""
        node = self._ast[self.order[statement]]
        line = self.source.line(node.lineno)
        column = _char_column(line, node.col_offset)
        indent = line[: len(line) - len(line.lstrip(" \t\f"))]
        return self.source.offset(node.lineno, column), indent


def _index_statements(module: cst.Module) -> tuple[list[cst.CSTNode], dict[cst.CSTNode, cst.CSTNode]]:
    """Statements in source order and the innermost statement of every node (a walk
    over every field: used when the model builder's index is not available)."""
    statements: list[cst.CSTNode] = []
    statement_of: dict[cst.CSTNode, cst.CSTNode] = {}
    stack: list[tuple[cst.CSTNode, cst.CSTNode | None]] = [(s, None) for s in reversed(module.body)]
    while stack:
        node, current = stack.pop()
        if type(node) in _STATEMENT_KINDS:
            current = node
            statements.append(node)
        if current is not None:
            statement_of[node] = current
        for child in reversed(children(node, code_only=False)):
            stack.append((child, current))
    return statements, statement_of


def _ast_statements(tree: ast.AST) -> Iterator[ast.stmt]:
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.stmt):
            yield node
        stack.extend(reversed(list(_ast_children(node))))


def _ast_children(node: ast.AST) -> Iterator[ast.AST]:
    # Statements only live in these fields, in this (source) order.
    for name in ("body", "handlers", "orelse", "finalbody", "cases"):
        for child in getattr(node, name, ()) or ():
            if isinstance(child, ast.AST):
                yield child
