"""Running fastapi-lint from Python.

>>> from fastapi_lint import lint_source
>>> findings = lint_source("import time\\nfrom fastapi import FastAPI\\napp = FastAPI()\\n"
...                        "@app.get('/')\\nasync def index() -> dict:\\n    time.sleep(1)\\n    return {}\\n",
...                        select=["FAPI201"])
>>> [(f.code, f.span.start_line) for f in findings]
[('FAPI201', 6)]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from fastapi_lint.config import Settings, check_selector, load_settings
from fastapi_lint.diagnostics import Finding
from fastapi_lint.discovery import Discovery
from fastapi_lint.reports import FileReport, RunReport
from fastapi_lint.run.file import Linter
from fastapi_lint.run.phase import _project_phase, lint_files


def lint_source(
    source: str | bytes,
    path: str = "module.py",
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    rule_options: dict[str, dict] | None = None,
    fastapi_version: str | None = None,
) -> list[Finding]:
    """Lint one module's source; ``path`` is only used to report and to match
    per-file settings. Without ``select``, the rules on by default run.
    ``fastapi_version`` (``"0.110"``) is the FastAPI version the code targets (as
    ``fastapi-version`` in the configuration); else it is read from the declarations
    of the project in the working directory, and may be unknown.

    Raises :class:`fastapi_lint.config.ConfigError` for an unknown code.
    """
    report = lint_source_report(source, path, select=select, ignore=ignore, rule_options=rule_options,
                                fastapi_version=fastapi_version)
    return report.findings


def lint_source_report(
    source: str | bytes,
    path: str = "module.py",
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    rule_options: dict[str, dict] | None = None,
    module_path: Path | None = None,
    fastapi_version: str | None = None,
) -> FileReport:
    """Like :func:`lint_source`, returning internal errors too."""
    for selector in [*(select or []), *ignore]:
        check_selector(selector, "lint_source")
    settings = Settings(
        project_root=Path.cwd(),
        select=list(select) if select is not None else None,
        ignore=list(ignore),
        rule_options=dict(rule_options or {}),
        fastapi_version=fastapi_version,
    )
    data = source.encode("utf-8") if isinstance(source, str) else source
    linter = Linter(settings)
    report = linter.lint_bytes(data, path, module_path=module_path)
    project_findings, project_errors = _project_phase(linter, [report], {report.path})
    report.findings.extend(project_findings)
    report.errors.extend(project_errors)
    report.findings.sort(key=lambda f: f.sort_key)
    return report


def lint_paths(paths: Iterable[str | Path], settings: Settings | None = None, jobs: int | None = None) -> RunReport:
    """Discover and lint files under ``paths``, each with the configuration nearest to
    it (as the command line: :class:`~fastapi_lint.run.workspace.Workspace`), or all
    with ``settings`` when given. Raises ``ConfigError`` and ``DiscoveryError``."""
    paths = [Path(p) for p in paths] or [Path(".")]
    if settings is None:
        from fastapi_lint.run.workspace import Workspace

        return Workspace(jobs=jobs).check(paths).report
    files = Discovery(settings).files(paths)
    return lint_files(files, settings, jobs=jobs)
