"""The worker pool: files linted in processes (fork where it is safe), each worker
holding one :class:`~fastapi_lint.run.file.Linter`; small runs stay in this process."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from fastapi_lint.config import Settings
from fastapi_lint.reports import FileReport, FixMode
from fastapi_lint.run.file import Linter, _size


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

def _mp_context() -> Any:
    import multiprocessing

    # fork is much cheaper than spawn (the parent has already imported everything).
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()
