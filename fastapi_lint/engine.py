"""The linting pipeline: files -> pre-screen -> parse -> model -> rules -> suppression.

One file is linted by :func:`lint_file` (pure: text in, findings out), many by
:func:`lint_files`, which spreads them over a process pool. A file is parsed
only when a selected rule's pre-screen says it could hold a finding; positions
are computed only for files that have findings.
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pathspec

from fastapi_lint.config import Settings, enabled_rules, relative_path, selector_matches
from fastapi_lint.diagnostics import Finding, InternalError, Severity, Span
from fastapi_lint.fixer import FixResult, applicable, digest, fix_text
from fastapi_lint.rules.base import Rule
from fastapi_lint.source import SourceDecodeError, SourceFile
from fastapi_lint.suppress import parse_suppressions

SYNTAX_ERROR_CODE = "FAPI000"


@dataclass(frozen=True)
class FixMode:
    """How to fix: ``unsafe`` adds unsafe fixes to the safe ones."""

    unsafe: bool = False


@dataclass
class FileReport:
    """The outcome of linting one file.

    With a :class:`FixMode`, ``findings`` are those left after fixing, ``fixed``
    holds the original and fixed text (``None`` when nothing changed), ``applied``
    the findings whose fixes were applied, and ``digest``/``encoding`` what the
    writer needs to write it back safely.
    """

    path: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[InternalError] = field(default_factory=list)
    parsed: bool = False
    source_path: str | None = None
    fixed: FixResult | None = None
    applied: list[Finding] = field(default_factory=list)
    digest: str | None = None
    encoding: str = "utf-8"


@dataclass
class RunReport:
    """The outcome of a run: findings sorted by (path, line, column, code)."""

    findings: list[Finding]
    errors: list[InternalError]
    files: int
    parsed: int
    #: the reports of files whose text fixes changed, sorted by path
    fixed: list[FileReport] = field(default_factory=list)
    #: displayed path -> path on disk, for every linted file
    paths: dict[str, str] = field(default_factory=dict)

    @property
    def applied(self) -> list[Finding]:
        return sorted((f for r in self.fixed for f in r.applied), key=lambda f: f.sort_key)


class Linter:
    """Lints files with a fixed set of rules and settings.

    ``rules`` are instantiated rule plugins; ``settings`` gives per-file ignores
    and the project root paths are reported relative to.
    """

    def __init__(self, settings: Settings, rules: Sequence[Rule] | None = None,
                 fix: FixMode | None = None) -> None:
        self.settings = settings
        self.fix = fix
        if rules is None:
            rules = [cls(settings.rule_options.get(cls.name)) for cls in enabled_rules(settings)]
        self.rules = list(rules)
        self._redactors = _redactors()
        self._per_file = [
            (pathspec.GitIgnoreSpec.from_lines([pattern]), codes)
            for pattern, codes in settings.per_file_ignores.items()
        ]

    def rules_for(self, path: str) -> list[Rule]:
        """The rules that apply to ``path`` (project-relative) after per-file ignores."""
        ignored: list[str] = []
        for spec, codes in self._per_file:
            if spec.match_file(path) or spec.match_file(path.rsplit("/", 1)[-1]):
                ignored.extend(codes)
        if not ignored:
            return self.rules
        return [r for r in self.rules if not any(selector_matches(c, r.code) for c in ignored)]

    # -- one file -----------------------------------------------------------

    def lint_file(self, path: Path) -> FileReport:
        """Read and lint one file. Never raises: failures become internal errors."""
        display = relative_path(path, self.settings.display_root or self.settings.project_root)
        try:
            data = path.read_bytes()
        except OSError as exc:
            return FileReport(display, errors=[InternalError(display, f"cannot read file: {exc.strerror or exc}")])
        report = self.lint_bytes(data, display, module_path=path)
        report.source_path = str(path)
        return report

    def lint_bytes(self, data: bytes, display: str, module_path: Path | None = None) -> FileReport:
        """Lint (and, in fix mode, fix) source bytes reported as ``display``."""
        rules = self.rules_for(display)
        report = FileReport(display)
        if not rules:
            return report
        syntax_rule = next((r for r in rules if r.code == SYNTAX_ERROR_CODE), None)
        try:
            source = SourceFile.from_bytes(display, data)
        except SourceDecodeError as exc:
            if syntax_rule is not None:
                self._syntax_finding(report, syntax_rule, display, exc.message, exc.line, exc.column, None)
            return report
        self._check(source, rules, syntax_rule, report, module_path)
        if self.fix is not None and any(applicable(f, self.fix.unsafe) for f in report.findings):
            self._fix(source, rules, syntax_rule, report, module_path, data)
        return report

    def _check(self, source: SourceFile, rules: list[Rule], syntax_rule: Rule | None, report: FileReport,
               module_path: Path | None) -> None:
        """Lint decoded source into ``report``: pre-screen, ``ast`` gate, then analysis.

        CPython's parser runs first: code it rejects (syntax errors, nesting beyond its
        limits) is reported as FAPI000 and never handed to libcst, whose native parser
        can crash on such input. Valid code nested deeper than Python's recursion limit
        is analysed again in a thread with a large stack.
        """
        wanted = _prescreen(rules, source.text)
        if not wanted:
            return
        tree, failure = _ast_gate(source.text)
        if failure is not None:
            if syntax_rule is not None:
                message, line, column = failure
                self._syntax_finding(report, syntax_rule, source.path, message, line, column, source)
            return
        try:
            try:
                findings, errors, parsed = self._analyse(source, wanted, syntax_rule, module_path, tree)
            except RecursionError:
                findings, errors, parsed = run_with_large_stack(
                    self._analyse, source, wanted, syntax_rule, module_path, tree)
        except RecursionError:
            report.errors.append(InternalError(source.path, "the file is nested too deeply to analyse"))
            return
        except Exception as exc:  # the model itself failed: report, never crash the run
            report.errors.append(
                InternalError(source.path, f"internal error: {exc!r}", None, traceback.format_exc())
            )
            return
        report.findings.extend(findings)
        report.errors.extend(errors)
        report.parsed = report.parsed or parsed

    def _analyse(self, source: SourceFile, wanted: list[Rule], syntax_rule: Rule | None, module_path: Path | None,
                 tree_ast: Any) -> tuple[list[Finding], list[InternalError], bool]:
        """Parse with libcst, build the model, run the rules: (findings, errors, parsed).

        ``RecursionError`` propagates (the caller retries with a larger stack)."""
        import libcst as cst

        from fastapi_lint.context import RuleContext
        from fastapi_lint.model.builder import build_model, module_name_for

        text = source.text
        errors: list[InternalError] = []
        try:
            tree = cst.parse_module(text)
        except cst.ParserSyntaxError as exc:
            # CPython accepts it: syntax libcst does not support (yet).
            report = FileReport(source.path)
            if syntax_rule is not None:
                message = re.sub(r"^parser error: error at \d+:\d+: ", "", str(exc.message))
                self._syntax_finding(report, syntax_rule, source.path,
                                     f"libcst cannot parse this file (syntax it does not support?): {message}",
                                     exc.raw_line, exc.raw_column, source)
            return report.findings, errors, False
        if module_path is not None:
            module, is_package = module_name_for(str(module_path))
        else:
            stem = source.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            module, is_package = stem, stem == "__init__"
        model = build_model(tree, source, module, is_package)
        model.ast_tree = tree_ast
        ctx = RuleContext(model, source.path)
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
        if ctx.findings:
            suppressions = parse_suppressions(text)
            findings = [f for f in ctx.findings if not suppressions.suppresses(f.code, f.span.start_line)]
            if findings:
                findings = redact(findings, self._secret_spans(ctx), source)
        return findings, errors, True

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

        def relint(text: str) -> list[Finding]:
            again = FileReport(report.path)
            self._check(SourceFile(source.path, text, source.encoding), rules, syntax_rule, again, module_path)
            report.errors.extend(e for e in again.errors if e not in report.errors)
            return again.findings

        result, remaining = fix_text(source.text, source.path, relint, report.findings, self.fix.unsafe)
        report.errors.extend(result.errors)
        if result.changed:
            report.fixed = result
            report.applied = result.applied
            report.findings = remaining
            report.digest = digest(data)
            report.encoding = source.encoding

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
            from fastapi_lint.rules.security.secrets import secret_spans_in_text

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


_LARGE_STACK = 512 * 1024 * 1024
_DEEP_RECURSION_LIMIT = 100_000


def run_with_large_stack(function: Callable[..., Any], *args: Any) -> Any:
    """Call ``function(*args)`` in a thread with a 512 MiB stack and a high recursion
    limit (libcst's code generation recurses once per level of nesting)."""
    import threading

    outcome: list[Any] = []

    def target() -> None:
        try:
            outcome.append((True, function(*args)))
        except BaseException as exc:  # re-raised in the caller's thread
            outcome.append((False, exc))

    old_limit = sys.getrecursionlimit()
    old_size = threading.stack_size()
    try:
        threading.stack_size(_LARGE_STACK)
        sys.setrecursionlimit(max(old_limit, _DEEP_RECURSION_LIMIT))
        thread = threading.Thread(target=target, name="fastapi-lint-deep")
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old_size)
        sys.setrecursionlimit(old_limit)
    ok, value = outcome[0]
    if ok:
        return value
    raise value


def _redactors() -> list[Rule]:
    from fastapi_lint.registry import all_rules

    return [cls() for cls in all_rules() if cls.redactions is not Rule.redactions]


def redact(findings: list[Finding], secrets: list[Span], source: SourceFile) -> list[Finding]:
    """Attach to each finding the secret spans its code frame may show, and mask
    secrets copied into fix contents (a fix that would need one is dropped unless it
    is display-only)."""
    import dataclasses

    from fastapi_lint.diagnostics import Applicability, Fix

    if not secrets:
        return findings
    texts = []
    for span in secrets:
        start = source.offset(span.start_line, span.start_col)
        end = source.offset(span.end_line, span.end_col)
        texts.append(source.text[start:end])
    out = []
    for finding in findings:
        low, high = finding.span.start_line - 1, max(finding.span.end_line, finding.span.start_line + 6) + 1
        window = tuple(s for s in secrets if s.start_line <= high and s.end_line >= low)
        fix = finding.fix
        if fix is not None:
            edits = []
            masked = False
            for edit in fix.edits:
                content = edit.content
                for secret in texts:
                    if secret and secret in content:
                        content = content.replace(secret, '"***"')
                        masked = True
                edits.append(dataclasses.replace(edit, content=content))
            if masked:
                fix = Fix(fix.applicability, fix.message, tuple(edits)) \
                    if fix.applicability is Applicability.DISPLAY_ONLY else None
        out.append(dataclasses.replace(finding, redact=tuple(dict.fromkeys(finding.redact + window)), fix=fix))
    return out


def _prescreen(rules: list[Rule], text: str) -> list[Rule]:
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


# --- many files ----------------------------------------------------------------

_WORKER: Linter | None = None


def _init_worker(settings: Settings, fix: FixMode | None) -> None:
    global _WORKER
    _WORKER = Linter(settings, fix=fix)


def _lint_in_worker(path: Path) -> FileReport:
    assert _WORKER is not None
    return _WORKER.lint_file(path)


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def lint_files(
    files: Iterable[Path],
    settings: Settings,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    fix: FixMode | None = None,
) -> RunReport:
    """Lint ``files`` in a process pool of ``jobs`` workers (default: all cores).

    Small runs and ``jobs=1`` stay in this process. Findings come back sorted by
    (path, line, column, code) whatever the worker count.
    """
    files = list(files)
    jobs = jobs or default_jobs()
    reports: list[FileReport] = []
    if jobs <= 1 or len(files) < 8:
        linter = Linter(settings, fix=fix)
        for path in files:
            reports.append(linter.lint_file(path))
            if progress is not None:
                progress(1)
    else:
        # Largest files first, so no worker is left with a big file at the end.
        ordered = sorted(files, key=_size, reverse=True)
        chunk = max(1, min(16, len(ordered) // (jobs * 8)))
        with ProcessPoolExecutor(max_workers=jobs, mp_context=_mp_context(), initializer=_init_worker,
                                 initargs=(settings, fix)) as pool:
            for report in pool.map(_lint_in_worker, ordered, chunksize=chunk):
                reports.append(report)
                if progress is not None:
                    progress(1)
    findings = sorted((f for r in reports for f in r.findings), key=lambda f: f.sort_key)
    errors = sorted((e for r in reports for e in r.errors), key=lambda e: (e.path, e.rule or ""))
    fixed = sorted((r for r in reports if r.fixed is not None), key=lambda r: r.path)
    paths = {r.path: r.source_path for r in reports if r.source_path is not None}
    return RunReport(findings, errors, len(files), sum(r.parsed for r in reports), fixed=fixed, paths=paths)


def merge_reports(reports: list[RunReport]) -> RunReport:
    """One report from several runs (several configurations), still sorted."""
    if len(reports) == 1:
        return reports[0]
    return RunReport(
        findings=sorted((f for r in reports for f in r.findings), key=lambda f: f.sort_key),
        errors=sorted((e for r in reports for e in r.errors), key=lambda e: (e.path, e.rule or "")),
        files=sum(r.files for r in reports),
        parsed=sum(r.parsed for r in reports),
        fixed=sorted((f for r in reports for f in r.fixed), key=lambda r: r.path),
        paths={k: v for r in reports for k, v in r.paths.items()},
    )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _mp_context() -> Any:
    import multiprocessing

    # fork is much cheaper than spawn (the parent has already imported everything).
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


__all__ = ["FileReport", "FixMode", "Linter", "RunReport", "Severity", "default_jobs", "lint_files"]
