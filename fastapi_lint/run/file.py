"""Lint one file: pre-screens, the ``ast`` gate, libcst parse, model, rules, suppression, fixes.

:class:`Linter` holds the enabled rules and settings of a run; ``lint_file`` and
``lint_bytes`` give a :class:`~fastapi_lint.reports.FileReport` (text in, findings
out). A file is parsed only when a selected rule's pre-screen says it could hold a
finding; positions are computed only for files that have findings.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pathspec

if TYPE_CHECKING:
    from fastapi_lint.rules.base import Rule

from fastapi_lint.config import INCLUDE_TESTS, Settings, enabled_rules, relative_path, selector_matches
from fastapi_lint.diagnostics import Finding, InternalError, Span
from fastapi_lint.fixer import applicable, digest, fix_text
from fastapi_lint.source import SourceDecodeError, SourceFile
from fastapi_lint.diagnostics import Deferred
from fastapi_lint.project.facts import ModuleSummary
from fastapi_lint.parsing import paused_gc, release_memory
from fastapi_lint.reports import FileReport, FixMode
from fastapi_lint.suppress import Suppressions, parse_suppressions
from fastapi_lint.run.guards import FileTimeout, run_with_large_stack, time_budget
from fastapi_lint.run.redaction import _redactors, mask_fix, redact, secret_texts


SYNTAX_ERROR_CODE = "FAPI000"

@dataclass
class _Outcome:
    findings: list[Finding]
    errors: list[InternalError]
    parsed: bool
    summary: ModuleSummary | None = None
    deferred: list[Deferred] = field(default_factory=list)
    secrets: tuple[Span, ...] = ()
    suppressions: Suppressions | None = None

class Linter:
    """Lints files with a fixed set of rules and settings.

    ``rules`` are instantiated rule plugins; ``settings`` gives per-file ignores
    and the project root paths are reported relative to.
    """

    def __init__(self, settings: Settings, rules: Sequence[Rule] | None = None,
                 fix: FixMode | None = None) -> None:
        self.settings = settings
        self.fix = fix
        self._rules = list(rules) if rules is not None else None
        self._redactor_list: list[Rule] | None = None
        self._per_file = [
            (pathspec.GitIgnoreSpec.from_lines([pattern]), codes)
            for pattern, codes in settings.per_file_ignores.items()
        ]
        self._tests = pathspec.GitIgnoreSpec.from_lines([*settings.test_paths, *settings.extend_test_paths])
        self._non_request = pathspec.GitIgnoreSpec.from_lines(
            [*settings.non_request_paths, *settings.extend_non_request_paths])

    #: test-path modules the application imports (set by the project phase): not test code
    application_paths: frozenset[str] = frozenset()

    def is_test_code(self, path: str) -> bool:
        """Whether ``path`` (project-relative, ``/`` separators) is test code (``test-paths``)."""
        return self._tests.match_file(path)

    @property
    def rules(self) -> list[Rule]:
        """The enabled rule plugins, loaded on first use (a fully cached run never
        imports them)."""
        if self._rules is None:
            self._rules = [cls(self.settings.rule_options.get(cls.name)) for cls in enabled_rules(self.settings)]
        return self._rules

    @property
    def _redactors(self) -> list[Rule]:
        if self._redactor_list is None:
            self._redactor_list = _redactors()
        return self._redactor_list

    def rules_for(self, path: str, phase: str = "project") -> list[Rule]:
        """The rules that apply to ``path`` (project-relative) after per-file ignores
        and, in test code, without the rules that do not report there."""
        ignored: list[str] = []
        for spec, codes in self._per_file:
            if spec.match_file(path) or spec.match_file(path.rsplit("/", 1)[-1]):
                ignored.extend(codes)
        rules = self.rules
        if ignored:
            rules = [r for r in rules if not any(selector_matches(c, r.code) for c in ignored)]
        if self.is_test_code(path) and path not in self.application_paths:
            # In a file's own pass, a project rule still runs there: whether the module is
            # application code (imported by the app) is known only in the project phase,
            # which filters its findings.
            rules = [r for r in rules if r.report_in_tests or r.settings.get(INCLUDE_TESTS)
                     or (phase == "file" and "check_project" in type(r).hooks())]
        return rules

    # -- one file -----------------------------------------------------------

    def lint_file(self, path: Path, summary_only: bool = False) -> FileReport:
        """Read and lint one file (or, ``summary_only``, only summarize it for the
        project index). Never raises: failures become internal errors."""
        display = relative_path(path, self.settings.display_root or self.settings.project_root)
        try:
            stat = path.stat()
            size = stat.st_size
            if size > self.settings.max_file_size:
                return FileReport(display, errors=[InternalError(
                    display, f"skipped: {_human_size(size)} is over max-file-size "
                    f"({_human_size(self.settings.max_file_size)})", level="warning")])
            data = path.read_bytes()
        except OSError as exc:
            return FileReport(display, errors=[InternalError(display, f"cannot read file: {exc.strerror or exc}")])
        try:
            with time_budget(self.settings.per_file_timeout), paused_gc():
                report = self.lint_bytes(data, display, module_path=path, summary_only=summary_only)
        except FileTimeout:
            seconds = f"{self.settings.per_file_timeout:g}"
            report = FileReport(display, errors=[InternalError(
                display, f"timed out after {seconds} s (per-file-timeout); the file was not fully analysed")])
        if size > _TRIM_AFTER and report.parsed:
            release_memory()
        report.source_path = str(path)
        report.file_stat = (stat.st_size, stat.st_mtime_ns, stat.st_mode)
        if report.digest is None:
            report.digest = digest(data)
        if report.summary is not None:
            report.summary.source_path = str(path)
        return report

    def lint_bytes(self, data: bytes, display: str, module_path: Path | None = None,
                   summary_only: bool = False) -> FileReport:
        """Lint (and, in fix mode, fix) source bytes reported as ``display``."""
        rules = [] if summary_only else self.rules_for(display, phase="file")
        report = FileReport(display)
        if not rules and not summary_only:
            return report
        syntax_rule = next((r for r in rules if r.code == SYNTAX_ERROR_CODE), None)
        try:
            source = SourceFile.from_bytes(display, data)
        except SourceDecodeError as exc:
            if syntax_rule is not None:
                self._syntax_finding(report, syntax_rule, display, exc.message, exc.line, exc.column, None)
            return report
        self._check(source, rules, syntax_rule, report, module_path, summary_only)
        if report.findings and self.is_test_code(display):
            # project rules ran here only to leave candidates for the project phase
            allowed = {r.code for r in self.rules_for(display)}
            report.findings = [f for f in report.findings if f.code in allowed]
        if self.fix is not None and any(applicable(f, self.fix.unsafe) for f in report.findings):
            self._fix(source, rules, syntax_rule, report, module_path, data)
        return report

    def _check(self, source: SourceFile, rules: list[Rule], syntax_rule: Rule | None, report: FileReport,
               module_path: Path | None, summary_only: bool = False) -> None:
        """Lint decoded source into ``report``: pre-screen, ``ast`` gate, then analysis.

        CPython's parser runs first: code it rejects (syntax errors, nesting beyond its
        limits) is reported as FAPI000 and never handed to libcst, whose native parser
        can crash on such input. Valid code nested deeper than Python's recursion limit
        is analysed again in a thread with a large stack.
        """
        wanted = _prescreen(rules, source.text)
        if not wanted and not summary_only:
            return
        tree, failure = _ast_gate(source.text)
        if failure is not None and _newer_syntax(failure[0]) and _libcst_parses(source.text):
            # Syntax newer than this interpreter (PEP 695 on 3.11...) that libcst reads.
            failure = None
        if failure is not None:
            if syntax_rule is not None:
                message, line, column = failure
                self._syntax_finding(report, syntax_rule, source.path, message, line, column, source)
            return
        wanted = _prescreen_tree(wanted, tree, source.text)
        if not summary_only and all(rule is syntax_rule for rule in wanted):
            return  # no rule can report here: libcst need not read it
        try:
            try:
                outcome = self._analyse(source, wanted, syntax_rule, module_path, tree)
            except RecursionError:
                outcome = run_with_large_stack(self._analyse, source, wanted, syntax_rule, module_path, tree)
        except RecursionError:
            report.errors.append(InternalError(source.path, "the file is nested too deeply to analyse"))
            return
        except Exception as exc:  # the model itself failed: report, never crash the run
            report.errors.append(
                InternalError(source.path, f"internal error: {exc!r}", None, traceback.format_exc())
            )
            return
        report.findings.extend(outcome.findings)
        report.errors.extend(outcome.errors)
        report.parsed = report.parsed or outcome.parsed
        report.summary = outcome.summary
        report.deferred = outcome.deferred
        report.secrets = outcome.secrets
        if outcome.deferred and "noqa" in source.text.lower():
            report.suppressions = outcome.suppressions or parse_suppressions(source.text, parsed=tree is not None)

    def _analyse(self, source: SourceFile, wanted: list[Rule], syntax_rule: Rule | None, module_path: Path | None,
                 tree_ast: Any) -> _Outcome:
        """Parse with libcst, build the model, run the rules, summarize the module.

        ``RecursionError`` propagates (the caller retries with a larger stack)."""
        import libcst as cst

        from fastapi_lint.context import RuleContext
        from fastapi_lint.model.builder import build_model
        from fastapi_lint.parsing import parse_module
        from fastapi_lint.project.layout import module_name
        from fastapi_lint.project.summary import summarize

        text = source.text
        errors: list[InternalError] = []
        try:
            tree = parse_module(text)
        except cst.ParserSyntaxError as exc:
            # CPython accepts it: syntax libcst does not support (yet).
            report = FileReport(source.path)
            if syntax_rule is not None:
                message = re.sub(r"^parser error: error at \d+:\d+: ", "", str(exc.message))
                self._syntax_finding(report, syntax_rule, source.path,
                                     f"libcst cannot parse this file (syntax it does not support?): {message}",
                                     exc.raw_line, exc.raw_column, source)
            return _Outcome(report.findings, errors, False)
        if module_path is not None:
            module, is_package = module_name(module_path, self.settings.source_roots)
        else:
            stem = source.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            module, is_package = stem, stem == "__init__"
        model = build_model(tree, source, module, is_package)
        model.ast_tree = tree_ast
        if (any(r.request_serving_only for r in wanted) and self._non_request.match_file(source.path)
                and not (model.apps or model.routers or model.routes or _ROUTE_DECORATOR.search(source.text))):
            # a migration, script or command line: the rules about requests do not judge it
            wanted = [r for r in wanted if not r.request_serving_only]
        ctx = RuleContext(model, source.path, self.settings.target)
        for rule in wanted:
            ctx.rule = rule
            try:
                _run_hooks(rule, model, ctx)
            except RecursionError:
                raise
            except Exception as exc:
                reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
                errors.append(InternalError(source.path, f"rule crashed: {reason}", rule.code,
                                            traceback.format_exc()))
        findings: list[Finding] = []
        secrets: list[Span] | None = None
        suppressions = None
        if ctx.findings:
            suppressions = parse_suppressions(text, parsed=tree_ast is not None)
            findings = [f for f in ctx.findings if not suppressions.suppresses(f.code, f.span.start_line)]
            if findings:
                secrets = self._secret_spans(ctx)
                findings = redact(findings, secrets, source)
        if ctx.deferred and secrets is None:
            secrets = self._secret_spans(ctx)
        if ctx.deferred and secrets:
            texts = secret_texts(secrets, source)
            for item in ctx.deferred:
                if item.data.get("fix") is not None:
                    item.data["fix"] = mask_fix(item.data["fix"], texts)
        ctx.rule = None
        summary = None
        try:
            summary = summarize(model, ctx)
        except RecursionError:
            raise
        except Exception as exc:  # the project phase loses this module, the module's findings stand
            errors.append(InternalError(source.path, f"internal error while summarizing: {exc!r}", None,
                                        traceback.format_exc()))
        return _Outcome(findings, errors, True, summary, ctx.deferred, tuple(secrets or ()), suppressions)

    def _secret_spans(self, ctx: Any) -> list[Span]:
        """Spans of every secret in the module (from every registered rule that
        detects secrets, selected or not): no output may print them."""
        spans: list[Span] = []
        for rule in self._redactors:
            if rule.prescreen(ctx.source.text):
                ctx.rule = rule
                spans.extend(rule.redactions(ctx))
        return spans

    def _fix(self, source: SourceFile, rules: list[Rule], syntax_rule: Rule | None, report: FileReport,
             module_path: Path | None, data: bytes) -> None:
        assert self.fix is not None

        latest: list[FileReport] = []

        def relint(text: str) -> list[Finding]:
            again = FileReport(report.path)
            self._check(SourceFile(source.path, text, source.encoding), rules, syntax_rule, again, module_path)
            report.errors.extend(e for e in again.errors if e not in report.errors)
            latest[:] = [again]
            return again.findings

        result, remaining = fix_text(source.text, source.path, relint, report.findings, self.fix.unsafe)
        report.errors.extend(result.errors)
        if result.changed:
            report.fixed = result
            report.applied = result.applied
            report.findings = remaining
            report.digest = digest(data)
            report.encoding = source.encoding
            if latest:  # the project phase must see the fixed text, as it will be on disk
                fixed = latest[0]
                report.summary, report.deferred = fixed.summary, fixed.deferred
                report.secrets, report.suppressions = fixed.secrets, fixed.suppressions

    def _syntax_finding(self, report: FileReport, rule: Rule, path: str, message: str, line: int, column: int,
                        source: SourceFile | None) -> None:
        """Report FAPI000 at (1-based line, 0-based column), unless a noqa comment covers it."""
        line = max(line, 1)
        column = max(column, 0)
        end_column = column
        if source is not None:
            line = min(line, len(source.lines))
            text = source.line(line)
            column = min(column, len(text))
            end_column = min(column + 1, len(text))
            if parse_suppressions(source.text).suppresses(rule.code, line):
                return
        finding = rule.finding(path, Span(line, column, line, end_column), message)
        if source is not None:
            from fastapi_lint.secrets import secret_spans_in_text

            finding = redact([finding], secret_spans_in_text(source), source)[0]
        report.findings.append(finding)

def _ast_gate(text: str) -> tuple[Any, tuple[str, int, int] | None]:
    """``(ast tree, None)`` when CPython parses ``text``, else ``(None, (message, 1-based
    line, 0-based column))`` describing why it cannot."""
    import ast

    nul = text.find("\x00")
    if nul != -1:
        line = text.count("\n", 0, nul) + 1
        column = nul - (text.rfind("\n", 0, nul) + 1)
        return None, ("SyntaxError: the file contains a NUL byte", line, column)
    try:
        return ast.parse(text), None
    except SyntaxError as error:
        line = error.lineno or 1
        column = max((error.offset or 1) - 1, 0)
        return None, (f"SyntaxError: {error.msg}", line, column)
    except RecursionError:
        return None, ("SyntaxError: nested too deeply for CPython to parse (recursion limit)", 1, 0)
    except (ValueError, MemoryError) as error:
        return None, (f"SyntaxError: {error}", 1, 0)

def _newer_syntax(message: str) -> bool:
    """A CPython syntax error that may be syntax of a newer Python (not a NUL byte,
    not nesting beyond the parser's limits: libcst's native parser must not see
    those, it can crash on them)."""
    lowered = message.lower()
    return not any(word in lowered for word in ("nul byte", "nested", "too many", "recursion", "null"))

def _libcst_parses(text: str) -> bool:
    import libcst as cst

    try:
        cst.parse_module(text)
    except Exception:
        return False
    return True

def _prescreen(rules: list[Rule], text: str) -> list[Rule]:
    from fastapi_lint.rules.base import Rule

    cache: dict[Any, bool] = {}
    wanted = []
    for rule in rules:
        key = type(rule).prescreen
        if key is Rule.prescreen:
            hit = cache.get(key)
            if hit is None:
                hit = cache[key] = rule.prescreen(text)
        else:
            hit = rule.prescreen(text)
        if hit:
            wanted.append(rule)
    return wanted

def _prescreen_tree(rules: list[Rule], tree: Any, text: str) -> list[Rule]:
    """The rules whose second pre-screen (on the ``ast`` tree) admits the module."""
    from fastapi_lint.rules.base import Rule

    return [r for r in rules if type(r).prescreen_tree is Rule.prescreen_tree or r.prescreen_tree(tree, text)]

def _run_hooks(rule: Rule, model: Any, ctx: Any) -> None:
    hooks = type(rule).hooks()
    if "check_module" in hooks:
        rule.check_module(ctx)
    if "check_app" in hooks:
        for container in model.containers:
            rule.check_app(container, ctx)
    if "check_route" in hooks:
        for route in model.routes:
            rule.check_route(route, ctx)
    if "check_dependency" in hooks:
        for dependency in model.dependency_functions:
            rule.check_dependency(dependency, ctx)
    if "check_middleware" in hooks:
        for middleware in model.middleware:
            rule.check_middleware(middleware, ctx)

#: a parsed module this large (bytes) leaves enough freed memory to give back
_TRIM_AFTER = 64 * 1024
#: a route registered on a router the module imports (``@router.get(...)``): the module serves requests
_ROUTE_DECORATOR = re.compile(r"^[ \t]*@[\w.]+\.(?:get|post|put|patch|delete|head|options|api_route|route|websocket)\(",
                              re.M)

def _human_size(size: int) -> str:
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"

def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0

__all__ = ["FileReport", "FixMode", "Linter", "RunReport", "Severity", "default_jobs", "lint_files"]
