"""A run over many files: phase one lints and summarizes them (and the files they
need), phase two joins the summaries into the project index and runs the rules'
project hooks; results come back sorted, whatever the worker count."""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from fastapi_lint.config import Settings
from fastapi_lint.diagnostics import Finding, InternalError
from fastapi_lint.fixer import file_digest
from fastapi_lint.project.facts import ModuleSummary
from fastapi_lint.reports import FileReport, FixMode, RunReport
from fastapi_lint.run.closure import _includers, _needed_files_cached, _project_files
from fastapi_lint.run.file import Linter
from fastapi_lint.run.pool import _Runner, default_jobs
from fastapi_lint.run.redaction import _project_secret_values, mask_text


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

def application_summaries(linter: Linter, reports: list[FileReport]) -> list[ModuleSummary]:
    """The module summaries the project model is built from: every module's but test
    code's (``test-paths``), so apps and routers defined in tests are not part of the
    project's route table. A test-path module that application code imports (a
    ``routers/test_results.py`` included by the app, a ``fixtures/`` router of a
    sports API) is application code and stays; so does all test code when a project
    rule that skips tests is told ``include-tests``."""
    from fastapi_lint.config import INCLUDE_TESTS

    summaries = [(r, summary) for r in reports if (summary := r.module_summary()) is not None]
    if any(not rule.report_in_tests and rule.settings.get(INCLUDE_TESTS) for rule in linter.rules
           if "check_project" in type(rule).hooks()):
        return [summary for _, summary in summaries]
    tests = {summary.name for r, summary in summaries if linter.is_test_code(r.path)}
    if not tests:
        return [summary for _, summary in summaries]
    imported = set()
    for r, summary in summaries:
        if summary.name in tests:
            continue
        for symbol in summary.symbols.values():
            target = symbol.target or ""
            while target:
                if target in tests:
                    imported.add(target)
                    break
                target = target.rpartition(".")[0]
    return [summary for _, summary in summaries if summary.name not in tests or summary.name in imported]


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

    application = application_summaries(linter, reports)
    kept = {summary.path for summary in application}
    linter.application_paths = frozenset(p for p in kept if linter.is_test_code(p))
    index = ProjectIndex(application)
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
