"""Helpers for pre-screens: searching text fast, looking into CPython's ``ast`` of
a module only where its text allows a match.

Pre-screens run on every file of a project, most of which no rule reports on, so
their cost is that of scanning the text. Python's ``re`` scans far faster for a
pattern that starts with a literal (or a small set of characters) and without
``re.IGNORECASE``: :func:`folded` gives a text that case-sensitive, lower-case
patterns search as ``re.IGNORECASE`` ones search the original.

Second pre-screens (:meth:`fastapi_lint.rules.base.Rule.prescreen_tree`) ask about a
few kinds of node. Walking every node of a large module costs about as much as
parsing it again; the text says where such a node can be: a node whose source
contains a word written as the rule reads it (an operator that builds a string)
lies in a statement whose lines contain that word. :func:`nodes_on_lines` walks
only those statements.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from collections.abc import Iterator

#: the characters ``re.IGNORECASE`` matches to an ASCII letter that ``str.lower`` does
#: not lower to it (found by trying every code point: ``tests/test_prescreens.py``)
_FOLD = (("\u0130", "i"), ("\u0131", "i"), ("\u017f", "s"))


def folded(text: str) -> str:
    """``text`` lowered so that a pattern of lower-case ASCII letters (with ``\\w``,
    ``\\s``, ``\\b``, classes of non-letters) matches it wherever the same pattern
    with ``re.IGNORECASE`` matches ``text``. Positions may differ for non-ASCII text:
    use it to decide *whether* there is a match."""
    if not text.isascii():
        for char, letter in _FOLD:
            if char in text:
                text = text.replace(char, letter)
    return text.lower()


def _lines_matching(pattern: re.Pattern[str], text: str) -> list[int]:
    """The 1-based numbers (sorted, unique) of the lines where ``pattern`` matches
    ``text`` (lines end at ``\\n``; a match spanning lines counts on its first)."""
    lines: list[int] = []
    line, previous = 1, 0
    for match in pattern.finditer(text):
        line += text.count("\n", previous, match.start())
        previous = match.start()
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def nodes_on_lines(tree: ast.Module, pattern: re.Pattern[str], text: str) -> Iterator[ast.AST]:
    """Every node of the statements of ``tree`` (the ``ast`` of ``text``,
    recursively) that span a line where ``pattern`` matches ``text``; of a compound
    statement, its header (decorators, arguments, test...) and the statements of its
    blocks that span one. Every node when ``text`` has a lone CR, which ``ast``
    counts as a line end and the line numbers here do not."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        yield from ast.walk(tree)
        return
    lines = _lines_matching(pattern, text)
    stack = list(reversed(tree.body))
    while stack:
        statement = stack.pop()
        first = statement.lineno
        for decorator in getattr(statement, "decorator_list", ()):  # above the ``def``/``class`` line
            first = min(first, decorator.lineno)
        index = bisect_left(lines, first)
        if index == len(lines) or lines[index] > (statement.end_lineno or statement.lineno):
            continue
        for value in _field_values(statement):
            if isinstance(value, list) and value and isinstance(value[0], (ast.stmt, ast.excepthandler,
                                                                             ast.match_case)):
                for child in reversed(value):
                    if isinstance(child, ast.stmt):
                        stack.append(child)
                    else:  # an except clause or a match case: its header, then its block
                        for inner in _field_values(child):
                            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                                stack.extend(reversed(inner))
                            elif isinstance(inner, ast.AST):
                                yield from ast.walk(inner)
                continue
            if isinstance(value, ast.AST):
                yield from ast.walk(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        yield from ast.walk(item)
        yield statement


def _field_values(node: ast.AST) -> list:
    return [getattr(node, name, None) for name in node._fields]
