"""The public API of a run: a :class:`Workspace` owns what linting paths needs.

The command line, ``fastapi-lint routes``, :mod:`fastapi_lint.api` and the tests all
go through it::

    from fastapi_lint.run.workspace import Overrides, Workspace

    workspace = Workspace(overrides=Overrides(preview=True))
    result = workspace.check(["src/"])            # a CheckResult
    rows = workspace.routes(["src/"])             # the rows of `fastapi-lint routes`

A workspace finds the configuration of each path (the nearest one, as Ruff: one
group of paths per configuration file), applies the command line's overrides to
each, keeps the linted project's folders off the interpreter's import path, walks
the paths (excludes, ``.gitignore``) and runs the engine per group. Between runs it
keeps nothing that could go stale: each :meth:`check` reads the file system afresh
(module names included), so a long-running process (an editor, a watch mode) gets
the answers a fresh process would; :meth:`invalidate` is the hook for the memos a
longer-lived workspace will keep.

Errors: :class:`~fastapi_lint.config.ConfigError` (bad configuration, exit 2 on the
command line), :class:`~fastapi_lint.discovery.DiscoveryError` (a path that does
not exist), :class:`~fastapi_lint.registry.RuleLoadError` (a broken plugin).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi_lint.config import Selection, Settings
from fastapi_lint.diagnostics import InternalError
from fastapi_lint.reports import FixMode, RunReport


@dataclass(frozen=True)
class Overrides:
    """What the command line sets over every configuration it finds (``None``: keep
    the configuration's value)."""

    selection: Selection | None = None
    force_exclude: bool | None = None
    output_format: str | None = None
    no_cache: bool = False
    cache_dir: Path | None = None
    fix: bool | None = None
    unsafe_fixes: bool | None = None
    show_fixes: bool | None = None
    preview: bool | None = None

    def apply(self, settings: Settings) -> None:
        """Set these overrides on ``settings`` (a group's configuration)."""
        settings.cli_selection = self.selection
        if self.no_cache:
            settings.no_cache = True
        if self.cache_dir is not None:
            settings.cache_dir = Path(self.cache_dir).absolute()
        for name in ("force_exclude", "output_format", "fix", "unsafe_fixes", "show_fixes", "preview"):
            value = getattr(self, name)
            if value is not None:
                setattr(settings, name, value)


@dataclass
class CheckResult:
    """What :meth:`Workspace.check` found: the merged ``report`` (findings and
    errors sorted; skipped files as warnings among the errors), the linted ``files``,
    and the ``groups`` of (settings, paths) it ran, one per configuration."""

    report: RunReport
    files: list[Path]
    groups: list[tuple[Settings, list[Path]]] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        """The first group's settings (output options come from there)."""
        return self.groups[0][0]


#: progress(total number of files of a group) -> a context manager giving ``advance(n)``
ProgressFactory = Callable[[int], AbstractContextManager[Any]]


class Workspace:
    """One run's configuration and engine. ``config_file`` or ``isolated`` apply to
    every path (as ``--config`` and ``--isolated``); ``overrides`` are set over every
    configuration found; ``jobs`` is the number of worker processes (default: all
    cores)."""

    def __init__(self, *, config_file: Path | None = None, isolated: bool = False,
                 overrides: Overrides | None = None, jobs: int | None = None) -> None:
        self.config_file = config_file
        self.isolated = isolated
        self.overrides = overrides or Overrides()
        self.jobs = jobs

    # -- configuration -------------------------------------------------------

    def configure(self, paths: Sequence[Path]) -> list[tuple[Settings, list[Path]]]:
        """The settings of ``paths``, grouped by the configuration that governs each
        (the nearest one), overrides applied, with the paths of each group. Takes the
        projects' folders off the import path (:mod:`fastapi_lint.importpath`)."""
        from fastapi_lint.config import load_settings

        paths = [Path(p) for p in paths]
        if self.config_file is not None or self.isolated or not paths:
            first = paths[0] if paths and paths[0].exists() else Path.cwd()
            settings = load_settings(first, self.config_file, self.isolated)
            groups = [(settings, paths or [settings.project_root / s for s in settings.src] or [Path(".")])]
        else:
            by_config: dict[Path, tuple[Settings, list[Path]]] = {}
            for path in paths:
                settings = load_settings(path if path.exists() else Path.cwd())
                key = settings.config_file or settings.project_root
                if key not in by_config:
                    by_config[key] = (settings, [])
                by_config[key][1].append(path)
            groups = list(by_config.values())
        for settings, _ in groups:
            self.overrides.apply(settings)
        if len({s.project_root for s, _ in groups}) > 1:
            for settings, _ in groups:  # several projects: paths relative to where we stand
                settings.display_root = Path.cwd()
        _isolate(groups)
        return groups

    def notes(self, groups: list[tuple[Settings, list[Path]]]) -> list[str]:
        """Warnings about the configuration the user should see (a preview rule
        selected by code while preview is off, as Ruff warns)."""
        from fastapi_lint.config import preview_selections_without_preview

        codes = sorted({c for settings, _ in groups for c in preview_selections_without_preview(settings)})
        return [f"selection `{code}` has no effect because preview is not enabled (add --preview or "
                "`preview = true`)" for code in codes]

    # -- runs ----------------------------------------------------------------

    def check(self, paths: Sequence[Path], *, fix: FixMode | None = None,
              progress: ProgressFactory | None = None,
              groups: list[tuple[Settings, list[Path]]] | None = None) -> CheckResult:
        """Lint ``paths`` (files or folders; none: the configured ``src`` or ``.``),
        each group with its own configuration, as one result. ``groups``: what
        :meth:`configure` already answered for ``paths``."""
        from fastapi_lint.discovery import Discovery
        from fastapi_lint.run.phase import lint_files, merge_reports

        groups = groups if groups is not None else self.configure(paths)
        files: list[Path] = []
        reports: list[RunReport] = []
        skipped: list[InternalError] = []
        for settings, targets in groups:
            discovery = Discovery(settings)
            group_files = discovery.files(targets)
            files.extend(group_files)
            root = Path(os.path.abspath(settings.project_root))
            # Linting the whole project: its walk is the project's file list too.
            whole = group_files if any(Path(os.path.abspath(t)) == root for t in targets) else None
            with (progress(len(group_files)) if progress is not None else nullcontext(None)) as advance:
                reports.append(lint_files(group_files, settings, jobs=self.jobs, fix=fix, progress=advance,
                                          project_files=whole))
            skipped.extend(_skipped(discovery, settings))
        report = merge_reports(reports)
        report.errors = sorted([*report.errors, *skipped], key=lambda e: (e.path, e.rule or ""))
        return CheckResult(report, files, groups)

    def routes(self, paths: Sequence[Path]) -> list[dict[str, Any]]:
        """The rows of ``fastapi-lint routes`` for ``paths``
        (see :func:`fastapi_lint.run.routes.route_rows`)."""
        from fastapi_lint.discovery import Discovery
        from fastapi_lint.run.routes import route_rows

        rows: list[dict[str, Any]] = []
        for settings, targets in self.configure(paths):
            rows.extend(route_rows(Discovery(settings).files(targets), settings, self.jobs))
        return rows

    def invalidate(self, paths: Iterable[Path] = ()) -> None:
        """Forget what this process remembers of the file system (a long-running
        process calls it when files change; every run also starts with it)."""
        from fastapi_lint.project.layout import forget_file_system

        forget_file_system()


def _isolate(groups: list[tuple[Settings, list[Path]]]) -> None:
    """Take the linted projects' folders off the import path (see :mod:`fastapi_lint.importpath`)."""
    from fastapi_lint.importpath import remove_project_folders

    folders: list[str] = []
    for settings, targets in groups:
        folders.append(os.path.abspath(settings.project_root))
        folders.extend(settings.source_roots)
        folders.extend(os.path.abspath(t if t.is_dir() else t.parent) for t in targets)
    remove_project_folders(folders)


def _skipped(discovery: Any, settings: Settings) -> list[InternalError]:
    """Files the walk skipped on purpose (too large, unreadable), as warnings."""
    from fastapi_lint.config import relative_path

    root = settings.display_root or settings.project_root
    return [InternalError(relative_path(path, root), f"skipped: {reason}", level="warning")
            for path, reason in discovery.skipped]
