"""The linting pipeline: files -> pre-screen -> parse -> model -> rules -> suppression.

One file is linted by :func:`lint_file` (pure: text in, findings out), many by
:func:`lint_files`, which spreads them over a process pool. A file is parsed
only when a selected rule's pre-screen says it could hold a finding; positions
are computed only for files that have findings.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pathspec

if TYPE_CHECKING:
    from fastapi_lint.rules.base import Rule

from fastapi_lint.config import INCLUDE_TESTS, Settings, enabled_rules, relative_path, selector_matches
from fastapi_lint.diagnostics import Finding, InternalError, Severity, Span
from fastapi_lint.fixer import FixResult, applicable, digest, file_digest, fix_text
from fastapi_lint.source import SourceDecodeError, SourceFile
from fastapi_lint.diagnostics import Deferred
from fastapi_lint.project.facts import ModuleSummary
from fastapi_lint.parsing import paused_gc, release_memory
from fastapi_lint.reports import FileReport, FixMode, RunReport
from fastapi_lint.suppress import Suppressions, parse_suppressions

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

    def rules_for(self, path: str) -> list[Rule]:
        """The rules that apply to ``path`` (project-relative) after per-file ignores
        and, in test code, without the rules that do not report there."""
        ignored: list[str] = []
        for spec, codes in self._per_file:
            if spec.match_file(path) or spec.match_file(path.rsplit("/", 1)[-1]):
                ignored.extend(codes)
        rules = self.rules
        if ignored:
            rules = [r for r in rules if not any(selector_matches(c, r.code) for c in ignored)]
        if self.is_test_code(path):
            rules = [r for r in rules if r.report_in_tests or r.settings.get(INCLUDE_TESTS)]
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
        rules = [] if summary_only else self.rules_for(display)
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
                and not (model.apps or model.routers or model.routes)):
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


class FileTimeout(BaseException):
    """Raised by :func:`time_budget` when a file exceeds its budget. A
    ``BaseException`` so that the ``except Exception`` around each rule does not
    swallow it: the whole file is abandoned, not one rule."""


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise :class:`FileTimeout` in the body after ``seconds`` of wall time.

    Uses ``SIGALRM`` (POSIX, main thread of the process: the CLI and each pool
    worker). Elsewhere, or with ``seconds`` 0, there is no budget. Native code
    (libcst's parser) is interrupted only when it returns to Python.
    """
    if seconds <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise FileTimeout()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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
    from fastapi_lint.rules.base import Rule

    return [cls() for cls in all_rules() if cls.redactions is not Rule.redactions]


def redact(findings: list[Finding], secrets: list[Span], source: SourceFile) -> list[Finding]:
    """Attach to each finding the secret spans its code frame may show, and mask
    secrets copied into fix contents (a fix that would need one is dropped unless it
    is display-only)."""
    import dataclasses

    if not secrets:
        return findings
    texts = secret_texts(secrets, source)
    values = secret_values(texts)
    out = []
    for finding in findings:
        low, high = finding.span.start_line - 1, max(finding.span.end_line, finding.span.start_line + 6) + 1
        window = tuple(s for s in secrets if s.start_line <= high and s.end_line >= low)
        fix = mask_fix(finding.fix, texts)
        out.append(dataclasses.replace(finding, redact=tuple(dict.fromkeys(finding.redact + window)), fix=fix,
                                       message=mask_text(finding.message, values)))
    return out


def secret_values(texts: list[str]) -> list[str]:
    """The secrets as they can appear in a message: the source text of each secret
    and, for a string literal, its value (a route path that is itself a secret is
    quoted in other rules' messages). Longest first; shorter than 6 characters are
    not secrets (see FAPI401)."""
    import ast

    values: set[str] = set()
    for text in texts:
        values.add(text)
        try:
            value = ast.literal_eval(text)
        except Exception:
            continue
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if isinstance(value, str):
            values.add(value)
    return sorted((v for v in values if len(v) >= 6), key=len, reverse=True)


def mask_text(text: str, values: list[str]) -> str:
    """``text`` with every secret value replaced by a fixed-length mask."""
    for value in values:
        if value in text:
            text = text.replace(value, "*****")
    return text


def _project_secret_values(reports: list[FileReport]) -> list[str]:
    """Secret values of every module the project phase read (re-read from disk: the
    reports carry only the secrets' places)."""
    texts: list[str] = []
    for report in reports:
        if not report.secrets or not report.source_path:
            continue
        try:
            source = SourceFile.from_bytes(report.path, Path(report.source_path).read_bytes())
            texts.extend(secret_texts(list(report.secrets), source))
        except Exception:
            continue
    return secret_values(texts)


def secret_texts(secrets: list[Span], source: SourceFile) -> list[str]:
    texts = []
    for span in secrets:
        start = source.offset(span.start_line, span.start_col)
        end = source.offset(span.end_line, span.end_col)
        texts.append(source.text[start:end])
    return texts


def mask_fix(fix: Any, texts: list[str]) -> Any:
    """``fix`` with every secret text in its edits masked; ``None`` when a fix that is
    meant to be applied would need a secret."""
    import dataclasses

    from fastapi_lint.diagnostics import Applicability, Fix

    if fix is None or not texts:
        return fix
    edits = []
    masked = False
    for edit in fix.edits:
        content = edit.content
        for secret in texts:
            if secret and secret in content:
                content = content.replace(secret, '"***"')
                masked = True
        edits.append(dataclasses.replace(edit, content=content))
    if not masked:
        return fix
    return Fix(fix.applicability, fix.message, tuple(edits)) if fix.applicability is Applicability.DISPLAY_ONLY \
        else None


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


# --- many files ----------------------------------------------------------------

_WORKER: Linter | None = None


def _init_worker(settings: Settings, fix: FixMode | None) -> None:
    global _WORKER
    _WORKER = Linter(settings, fix=fix)


def _lint_in_worker(task: tuple[Path, bool]) -> FileReport:
    """Lint one task in a pool worker. The summary travels encoded on its own (the
    cache's codec, :data:`fastapi_lint.reports.CODEC`) and stays so in the main
    process until a run needs it (and the cache stores those bytes as they are):
    summaries are most of what the main process holds."""
    assert _WORKER is not None
    report = _WORKER.lint_file(task[0], summary_only=task[1])
    if report.summary is not None:
        from fastapi_lint.reports import CODEC

        report.summary_blob = CODEC.dumps(report.summary)
        report.summary = None
    return report


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
    project_files: list[Path] | None = None,
) -> RunReport:
    """Lint ``files`` (the files to report on) as part of their whole project.

    Phase 1 lints every file in a process pool of ``jobs`` workers (default: all
    cores; small runs stay in this process) and summarizes each module; the
    project's other FastAPI modules, and the modules the summaries point to
    (dependencies, called functions, included routers: up to three hops), are
    summarized too, without reporting on them. Phase 2 joins the summaries into the
    project index and runs the rules' project hooks. Findings come back sorted by
    (path, line, column, code), whatever the worker count.
    """
    files = list(files)
    from fastapi_lint.project.layout import forget_file_system

    forget_file_system()  # module names are read afresh each run (files may have appeared)
    linter = Linter(settings, fix=fix)
    cache = open_cache(settings) if fix is None else None
    scanned: dict[str, str | None] = {}
    reports = phase_one(files, settings, linter, jobs, fix, progress, cache=cache, project_files=project_files,
                        scanned=scanned)
    reported = {os.path.abspath(p) for p in files}
    to_report = [r for r in reports if r.source_path is None or os.path.abspath(r.source_path) in reported]
    inputs = _project_inputs(reports, scanned) if cache is not None else None
    reported_paths = {r.path for r in to_report}
    cached = cache.project_result(inputs, reported_paths) if cache is not None and inputs is not None else None
    if cached is not None:
        project_findings, project_errors = cached
    else:
        inferred: list[str] = []
        project_findings, project_errors = _project_phase(linter, reports, reported_paths, inferred)
        if cache is not None and inputs is not None and not any(e.is_error for e in project_errors):
            for path in inferred:  # files astroid read (an excluded module, say): inputs too
                inputs.setdefault(path, file_digest(path))
            cache.store_project(inputs, reported_paths, (project_findings, project_errors))
    if cache is not None:
        cache.save()
    findings = sorted([*(f for r in to_report for f in r.findings), *project_findings], key=lambda f: f.sort_key)
    errors = sorted([*(e for r in to_report for e in r.errors), *project_errors],
                    key=lambda e: (e.path, e.rule or ""))
    fixed = sorted((r for r in to_report if r.fixed is not None), key=lambda r: r.path)
    paths = {r.path: r.source_path for r in to_report if r.source_path is not None}
    return RunReport(findings, errors, len(files), sum(r.parsed for r in reports), fixed=fixed, paths=paths)


def open_cache(settings: Settings) -> Any:
    """The results cache for these settings, or ``None`` when caching is off."""
    if settings.no_cache or os.environ.get("FASTAPI_LINT_NO_CACHE", "") not in ("", "0"):
        return None
    from fastapi_lint.cache import ResultsCache, cache_directory, run_key

    return ResultsCache(cache_directory(settings), run_key(settings))


#: the key, among the project phase's inputs, of the project's files and module names
#: (not a path: input paths are absolute)
LAYOUT_INPUT = "<project layout>"


def _project_inputs(reports: list[FileReport], scanned: dict[str, str | None] | None = None,
                    ) -> dict[str, str | None] | None:
    """What the project phase's result depends on: absolute path -> content digest
    of every module it reads (a summary-only and a full report of one file have the
    same digest), and of every file whose text decided which modules to read
    (``scanned``: a helper that starts or stops calling a blocking API changes what
    is followed), and the project's layout (which files it has, under which module
    names: an exclude or a new package marker changes it). ``None`` if a digest is
    unknown (the phase then always runs)."""
    inputs: dict[str, str | None] = dict(scanned or {})
    for report in reports:
        if report.digest is None:
            if report.errors or report.source_path is None:
                return None
        inputs[os.path.abspath(report.source_path) if report.source_path else report.path] = report.digest
    return inputs


def phase_one(files: list[Path], settings: Settings, linter: Linter, jobs: int | None = None,
              fix: FixMode | None = None, progress: Callable[[int], None] | None = None,
              summaries_only: bool = False, cache: Any = None,
              project_files: list[Path] | None = None,
              scanned: dict[str, str | None] | None = None) -> list[FileReport]:
    """Lint ``files`` and summarize the project around them (see :func:`lint_files`).
    ``project_files``: every Python file of the project, when the caller already
    walked it (else it is discovered here). ``scanned``, when given, receives the
    digest of every file whose text was scanned to decide what to summarize."""
    jobs = jobs or default_jobs()
    if project_files is None:
        project_files = _project_files(settings, files)
    from fastapi_lint.project.layout import ProjectLayout

    from fastapi_lint.knowledge import configured_blocking_calls

    layout = ProjectLayout(sorted(set(project_files) | set(files)), settings.source_roots,
                           configured_blocking_calls(settings.rule_options))
    reported = {os.path.abspath(p) for p in files}
    extra = _includers(files, [p for p in project_files if os.path.abspath(p) not in reported], layout)
    reports: list[FileReport] = []
    with _Runner(linter, settings, fix, jobs, len(files) + len(extra), cache) as runner:
        first = [(p, summaries_only) for p in files] + [(p, True) for p in extra]
        reports.extend(runner.run(first, progress, len(files)))
        # Linted files the pre-screen skipped have no summary yet: they may still be needed.
        done = {os.path.abspath(r.source_path) for r in reports if r.source_path and (r.summarized or r.parsed)}
        done |= {os.path.abspath(p) for p in extra}
        for _ in range(3):
            wanted = [p for p in _needed_files_cached(reports, layout, reported, cache) if os.path.abspath(p) not in done]
            if not wanted:
                break
            done |= {os.path.abspath(p) for p in wanted}
            reports.extend(runner.run([(p, True) for p in wanted], None, 0))
    if scanned is not None:
        scanned.update(layout.scanned_digests)
        scanned[LAYOUT_INPUT] = layout.fingerprint()
    return reports


class _Runner:
    """Runs (path, summary only) tasks in this process or in a fork-based pool."""

    def __init__(self, linter: Linter, settings: Settings, fix: FixMode | None, jobs: int, size: int,
                 cache: Any = None) -> None:
        self.linter = linter
        self.settings = settings
        self.fix = fix
        self.jobs = jobs
        self.parallel = jobs > 1
        self.pool: ProcessPoolExecutor | None = None
        self.cache = cache

    def __enter__(self) -> _Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def run(self, tasks: list[tuple[Path, bool]], progress: Callable[[int], None] | None,
            counted: int) -> list[FileReport]:
        """Reports for the tasks: from the cache when the file is unchanged, else linted
        (in the pool, created on first need, when there are enough tasks)."""
        if self.cache is None:
            return self._run(tasks, progress)
        from fastapi_lint.project.layout import module_name

        out: list[FileReport] = []
        missing: list[tuple[Path, bool]] = []
        roots = self.settings.source_roots
        for path, summary_only in tasks:
            hit = self.cache.lookup(path, full=not summary_only, module=module_name(path, roots))
            if hit is None:
                missing.append((path, summary_only))
                continue
            hit.source_path = str(path)
            out.append(hit)
            if progress is not None and not summary_only:
                progress(1)
        for (path, summary_only), report in zip(missing, self._run(missing, progress)):
            self.cache.store(path, report, not summary_only, module_name(path, roots))
            out.append(report)
        return out

    def _run(self, tasks: list[tuple[Path, bool]], progress: Callable[[int], None] | None) -> list[FileReport]:
        out: list[FileReport] = []
        if not self.parallel or len(tasks) < 8:
            for path, summary_only in tasks:
                out.append(self.linter.lint_file(path, summary_only=summary_only))
                if progress is not None and not summary_only:
                    progress(1)
            return out
        if self.pool is None:
            self.pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=_mp_context(),
                                            initializer=_init_worker, initargs=(self.settings, self.fix))
        # Largest files first, so no worker is left with a big file at the end.
        order = sorted(range(len(tasks)), key=lambda i: _size(tasks[i][0]), reverse=True)
        chunk = max(1, min(16, len(order) // (self.jobs * 8)))
        results: list[FileReport | None] = [None] * len(tasks)
        for index, report in zip(order, self.pool.map(_lint_in_worker, [tasks[i] for i in order], chunksize=chunk)):
            results[index] = report
            if progress is not None and not tasks[index][1]:
                progress(1)
        return [r for r in results if r is not None]


def _project_files(settings: Settings, files: list[Path]) -> list[Path]:
    """Every Python file of the project the files belong to (with the configured excludes)."""
    from fastapi_lint.discovery import Discovery

    root = Path(os.path.abspath(settings.project_root))
    if not any(_inside(f, root) for f in files):
        return []
    try:
        return Discovery(settings).files([root])
    except Exception:  # an unreadable project tree: the files given are still linted
        return []


def _inside(path: Path, root: Path) -> bool:
    try:
        Path(os.path.abspath(path)).relative_to(root)
        return True
    except ValueError:
        return False


#: text of a module that may put a linted module's routes into an app, or register
#: app-wide handlers and middleware on it
_WIRING = re.compile(rb"include_router|\.mount\(|FastAPI\(|add_api_route|exception_handler"
                     rb"|add_middleware|\.middleware\(|Starlette\(")


def _includers(linted: list[Path], candidates: list[Path], layout: Any) -> list[Path]:
    """The project files (besides ``linted``) the route tree of ``linted`` may run through.

    A linted module's routes reach an app through modules that import it and wire
    routers (``include_router``, ``mount``, app or router construction) or re-export
    it (``__init__.py``), and so on up to the app. Found by text, without parsing:
    a candidate is taken when it mentions FastAPI or Starlette, wires routers (not merely builds one) or is
    a package ``__init__``, and names (as a whole word) the last component of a
    module already taken. Over-taking costs time only; the forward needs (dependency
    targets, called functions) are added later from the summaries. When every
    FastAPI file is linted this is empty.
    """
    texts: dict[Path, bytes] = {}
    for path in candidates:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if (b"fastapi" in data or b"starlette" in data) and (
                path.name == "__init__.py" or _WIRING.search(data)):
            texts[path] = data
    tokens = {_module_token(p, layout) for p in linted}
    taken: list[Path] = []
    while tokens and texts:
        pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(t.encode()) for t in sorted(tokens)) + rb")\b")
        new = [p for p, data in texts.items() if pattern.search(data)]
        if not new:
            break
        tokens = {_module_token(p, layout) for p in new} - tokens
        for p in new:
            del texts[p]
        taken.extend(new)
    return taken


def _module_token(path: Path, layout: Any) -> str:
    """The name an importer spells for ``path``: ``items`` for ``app/api/items.py``
    and for ``app/api/items/__init__.py``."""
    name = layout.by_path.get(os.path.abspath(path)) or Path(path).stem
    return name.rsplit(".", 1)[-1] or Path(path).stem


def _summarized(name: str | None, layout: Any, summarized: set[str]) -> bool:
    module = layout.module_of(name) if name else None
    return module is not None and module in summarized


def _needed_files_cached(reports: list[FileReport], layout: Any, reported: set[str], cache: Any) -> list[Path]:
    """:func:`_needed_files` of the reports' summaries, remembered in the cache: keyed
    by the digests of every summarized module, the project's files and the reported
    set, and valid while every file ``may_block`` read still has the same content. A
    warm run answers without unpickling a summary or scanning a file."""
    key = None
    if cache is not None:
        import hashlib

        parts = sorted(f"{r.source_path}\0{r.digest}" for r in reports if r.summarized)
        parts.append("\0files")
        parts.append(layout.fingerprint())
        parts.append("\0reported")
        parts.extend(sorted(reported))
        key = hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
        found = cache.needed_files(key)
        if found is not None:
            wanted, scanned = found
            known = {os.path.abspath(r.source_path): r.digest for r in reports if r.source_path and r.digest}
            if all(_current_digest(path, known) == value for path, value in scanned.items()):
                layout.scanned_digests.update(scanned)  # what the answer rests on
                return [Path(p) for p in wanted]
    summaries = [summary for r in reports if (summary := r.module_summary()) is not None]
    wanted = _needed_files(summaries, layout, reported)
    if key is not None and all(r.digest is not None for r in reports if r.summarized):
        cache.store_needed_files(key, [str(p) for p in wanted], dict(layout.scanned_digests))
    return wanted


def _current_digest(path: str, known: dict[str, str]) -> str | None:
    """The SHA-256 of a file's bytes: from this run's reports, else read now."""
    value = known.get(path)
    return value if value is not None else file_digest(path)


def _needed_files(summaries: list[ModuleSummary], layout: Any, reported: set[str] | None = None) -> list[Path]:
    """Files of the project modules the project phase will look into and that are not
    summarized yet: dependency targets and the types they provide, aliases used in
    annotations, routers and apps, and the functions async path operations and
    dependencies call (FAPI201 follows blocking calls through them); re-exports of
    those names are followed through the modules already summarized.

    ``reported`` (absolute paths) limits the routes and dependency functions whose
    needs count to those of the files findings are reported for; modules read only
    for their wiring (includes, app-level dependencies) add just that. ``None``:
    every summary counts.
    """
    names: set[str] = set()
    functions = {fid: f for summary in summaries for fid, f in summary.functions.items()}
    async_roots: set[str] = set()
    summarized = {summary.name for summary in summaries}
    for summary in summaries:
        own = reported is None or (summary.source_path is not None
                                   and os.path.abspath(summary.source_path) in reported)
        for route in summary.routes if own else ():
            if route.handler and route.is_async:
                async_roots.add(route.handler)
            if route.owner:
                names.add(route.owner)
            for dep in (*route.dependencies, *(p.dependency for p in route.params if p.dependency)):
                names.update(n for n in (dep.target, dep.call) if n)
            # ``user: CurrentUser``: an Annotated alias defined in another module.
            names.update(p.annotation for p in route.params if p.annotation and p.dependency is None)
        for include in summary.includes:
            # Included routers matter only when they hold reported routes, and every
            # module that can was summarized in the first round (see _includers).
            child = include.child if reported is None or _summarized(include.child, layout, summarized) else None
            names.update(n for n in (include.owner, child, include.factory) if n)
            # include_router(..., dependencies=[Depends(f)]): f may be the route's auth.
            for dep in include.dependencies:
                names.update(n for n in (dep.target, dep.call) if n)
        # Functions handed an app or router register routes, handlers or middleware on it.
        names.update(fid for fid, _, _ in summary.container_arguments)
        for container in summary.containers.values():
            for dep in container.dependencies:
                names.update(n for n in (dep.target, dep.call) if n)
        for symbol in summary.symbols.values():
            if symbol.annotated is not None and symbol.annotated[1] is not None:
                names.update(n for n in (symbol.annotated[1].target, symbol.annotated[0]) if n)
        for fid, function in summary.functions.items() if own else ():
            if any(p.dependency is not None for p in function.params):
                names.update(p.dependency.target for p in function.params if p.dependency and p.dependency.target)
                if function.is_async:
                    async_roots.add(fid)
    by_name = {summary.name: summary for summary in summaries}

    def through_imports(name: str) -> str:
        """``app.services.fetch`` -> ``app.net.fetch`` when services imports it."""
        for _ in range(8):
            head, _, last = name.rpartition(".")
            summary = by_name.get(head)
            symbol = summary.symbols.get(last) if summary is not None else None
            if symbol is None or symbol.kind != "import" or not symbol.target or symbol.target == name:
                return name
            name = symbol.target
        return name

    # Dependencies: what they provide; async request functions: what they call.
    called: set[str] = set()
    providers = {n for n in names if n in functions}
    frontier = [*providers, *async_roots]
    seen: set[str] = set()
    while frontier:
        fid = frontier.pop()
        if fid in seen or fid not in functions:
            continue
        seen.add(fid)
        function = functions[fid]
        more: set[str] = set()
        if fid in providers:
            # What a dependency provides (a session made by a factory elsewhere).
            more.update(t for t in (*function.yield_types, *function.return_types) if t)
            subs = {p.dependency.target for p in function.params if p.dependency and p.dependency.target}
            providers |= subs
            more |= subs
            names |= more
        if fid in async_roots or fid in called:
            # Calling a class builds an object: only functions and methods can block.
            calls = {c for c in function.calls if not c.rpartition(".")[2][:1].isupper()}
            calls |= {through_imports(c) for c in calls}  # a helper re-exported by another module
            called |= calls
            more |= calls
        frontier.extend(n for n in more if n in functions)
    # Re-exports: a name reached through an import in a summarized module.
    pending = list(names)
    for _ in range(4 * len(pending) + 1):
        if not pending:
            break
        name = pending.pop()
        head, _, last = name.rpartition(".")
        summary = by_name.get(head)
        symbol = summary.symbols.get(last) if summary is not None else None
        if symbol is not None and symbol.kind == "import" and symbol.target and symbol.target not in names:
            names.add(symbol.target)
            pending.append(symbol.target)
    out: list[Path] = []
    for name, only_if_blocking in [*((n, False) for n in names), *((n, True) for n in called - names)]:
        module = layout.module_of(name)
        if module is None:
            continue
        paths = layout.by_module[module]
        if only_if_blocking:
            # A module reached only by calls matters only if it can block, itself or
            # through a project module it imports.
            paths = [p for p in paths if layout.may_block(module)]
        out.extend(paths)
    return sorted(set(out))


def application_summaries(linter: Linter, reports: list[FileReport]) -> list[ModuleSummary]:
    """The module summaries the project model is built from: every module's but test
    code's (``test-paths``): apps and routers defined in tests are not part of the
    project's route table."""
    return [summary for r in reports
            if not linter.is_test_code(r.path) and (summary := r.module_summary()) is not None]


def _project_phase(linter: Linter, reports: list[FileReport], reportable: set[str],
                   inferred: list[str] | None = None) -> tuple[list[Finding], list[InternalError]]:
    """The project-wide rules over every report's summary; ``inferred`` (when given)
    receives the files astroid read for inference."""
    from fastapi_lint.project.context import FileFacts, ProjectContext
    from fastapi_lint.project.index import ProjectIndex

    rules = [r for r in linter.rules if "check_project" in type(r).hooks()]
    if not rules:
        return [], []
    from fastapi_lint.project.infer import Inference

    index = ProjectIndex(application_summaries(linter, reports))
    index.inference = Inference(linter.settings.source_roots)
    files = {r.path: FileFacts(r.suppressions, r.secrets) for r in reports if r.path in reportable}
    deferred = [d for r in reports if r.path in reportable for d in r.deferred]
    context = ProjectContext(index, reportable, deferred, files)
    errors: list[InternalError] = []
    for rule in rules:
        context.rule = rule
        try:
            rule.check_project(context)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
            errors.append(InternalError("<project>", f"rule crashed in the project phase: {reason}", rule.code,
                                        traceback.format_exc()))
    if inferred is not None:
        inferred.extend(index.inference.files_read())
    allowed = [f for f in context.findings if any(r.code == f.code for r in linter.rules_for(f.path))]
    values = _project_secret_values(reports) if allowed else []
    if values:  # a secret route path or prefix quoted in a message of another module
        import dataclasses

        allowed = [dataclasses.replace(f, message=mask_text(f.message, values)) for f in allowed]
    return allowed, errors


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


def _mp_context() -> Any:
    import multiprocessing

    # fork is much cheaper than spawn (the parent has already imported everything).
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


__all__ = ["FileReport", "FixMode", "Linter", "RunReport", "Severity", "default_jobs", "lint_files"]
