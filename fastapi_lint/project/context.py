"""What a rule sees in the project phase, and how it reports there."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from fastapi_lint.context import Deferred
from fastapi_lint.diagnostics import Finding, Span
from fastapi_lint.project.index import ProjectIndex
from fastapi_lint.project.tree import RouteTree
from fastapi_lint.suppress import Suppressions

if TYPE_CHECKING:
    from fastapi_lint.rules.base import Rule


@dataclass
class FileFacts:
    """What the project phase needs of a linted file to report on it."""

    suppressions: Suppressions | None = None
    secrets: tuple[Span, ...] = ()


@dataclass
class ProjectContext:
    """The whole project (``index``, ``tree``), the deferred candidates, and ``report``.

    Findings are kept only for files the run reports on (in pre-commit mode, the
    files given), after their ``# noqa`` comments; secrets of the file are masked.
    """

    index: ProjectIndex
    reportable: set[str]
    deferred_items: list[Deferred]
    files: dict[str, FileFacts] = field(default_factory=dict)
    rule: Rule | None = None
    findings: list[Finding] = field(default_factory=list)

    @cached_property
    def tree(self) -> RouteTree:
        return RouteTree(self.index)

    @property
    def settings(self) -> dict[str, Any]:
        assert self.rule is not None
        return self.rule.settings

    def deferred(self) -> list[Deferred]:
        """The running rule's deferred candidates."""
        assert self.rule is not None
        return [d for d in self.deferred_items if d.code == self.rule.code]

    def report(self, path: str, span: Span, message: str, *, help: str | None = None, fix: Any = None) -> None:
        rule = self.rule
        assert rule is not None
        if path not in self.reportable:
            return
        facts = self.files.get(path, FileFacts())
        if facts.suppressions is not None and facts.suppressions.suppresses(rule.code, span.start_line):
            return
        low, high = span.start_line - 1, max(span.end_line, span.start_line + 6) + 1
        redact = tuple(s for s in facts.secrets if s.start_line <= high and s.end_line >= low)
        self.findings.append(rule.finding(path, span, message, help=help, fix=fix, redact=redact))


def route_summary(context: ProjectContext, module: str, index: int):
    """(module summary, route summary) of a route deferred as (module name, index)."""
    summary = context.index.modules.get(module)
    if summary is None or index >= len(summary.routes):
        return None, None
    return summary, summary.routes[index]
