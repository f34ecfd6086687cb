"""What a run reports: one :class:`FileReport` per file, one :class:`RunReport` per run.

Plain data (the results cache stores reports with :mod:`fastapi_lint.serial`), kept
apart from the engine that makes them so that the cache and the outputs read them
without importing the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi_lint.diagnostics import (
    Applicability, Deferred, Edit, Finding, Fix, FixAvailability, InternalError, Severity, Span,
)
from fastapi_lint.fixer import FixResult
from fastapi_lint.project import facts
from fastapi_lint.project.facts import ModuleSummary
from fastapi_lint.serial import Codec, CodecError
from fastapi_lint.suppress import Suppressions


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
    #: for the project phase: the module's summary, deferred candidates, noqa, secrets
    summary: ModuleSummary | None = None
    deferred: list[Deferred] = field(default_factory=list)
    suppressions: Suppressions | None = None
    secrets: tuple[Span, ...] = ()
    #: the file's (size, mtime ns, mode) taken before it was read (for the cache)
    file_stat: tuple[int, int, int] | None = None
    #: a cached report's summary, still encoded (:data:`CODEC`): read by :meth:`module_summary` when a
    #: run needs it (a warm run whose project phase is cached never does)
    summary_blob: bytes | memoryview | None = None

    @property
    def summarized(self) -> bool:
        """Whether the report carries the module's summary (loaded or not)."""
        return self.summary is not None or self.summary_blob is not None

    def module_summary(self) -> ModuleSummary | None:
        """The module's summary, decoded (:data:`CODEC`) on first use."""
        if self.summary is None and self.summary_blob is not None:
            try:
                summary = CODEC.loads(self.summary_blob)
            except CodecError:
                summary = None
            if type(summary) is not ModuleSummary:  # only a file signed with our key gets here: never
                self.summary_blob = None
                return None
            self.summary = summary
            self.summary.source_path = self.source_path
            self.summary_blob = None
        return self.summary


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


#: The codec of everything a report holds: the results cache stores reports and
#: module summaries with it, and workers send summaries to the main process encoded.
CODEC = Codec((
    FileReport, FixResult, Finding, Fix, Edit, Span, InternalError, Deferred, Suppressions,
    Severity, Applicability, FixAvailability,
    facts.DepRef, facts.ParamSummary, facts.FunctionSummary, facts.Symbol, facts.ContainerSummary,
    facts.RouteSummary, facts.IncludeSummary, facts.HandlerSummary, facts.ModuleSummary,
))
