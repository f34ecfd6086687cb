"""The rows of ``fastapi-lint routes``: every path operation as its apps serve it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi_lint.config import Settings


def route_rows(files: list[Path], settings: Settings, jobs: int | None = None) -> list[dict[str, Any]]:
    """One row per route instance, sorted by path and methods.

    Each row: ``methods``, ``path`` (full path, ``None`` when not a literal), ``app``
    (the app's name, ``None`` for a router no app includes), ``handler``,
    ``location`` (``file:line``), ``response_model``, ``dependencies`` (as written),
    ``authenticated`` and ``auth_reason``. Apps and routers defined in test code
    (``test-paths``) are not listed.
    """
    from fastapi_lint.run.file import Linter
    from fastapi_lint.run.phase import application_summaries, phase_one
    from fastapi_lint.project.auth import AuthAnalysis
    from fastapi_lint.project.index import ProjectIndex
    from fastapi_lint.project.tree import RouteTree
    from fastapi_lint.registry import rule_by_code_or_name

    from fastapi_lint.project.layout import forget_file_system

    forget_file_system()
    linter = Linter(settings, rules=[])
    reports = phase_one(files, settings, linter, jobs, summaries_only=True)
    index = ProjectIndex(application_summaries(linter, reports))
    tree = RouteTree(index)
    rule_class = rule_by_code_or_name("FAPI402")
    options = rule_class(settings.rule_options.get(rule_class.name)).settings if rule_class else {}
    analysis = AuthAnalysis(index, options.get("auth-dependencies", []), options.get("auth-middleware", []),
                            options.get("unresolved-dependencies", "by-name"))
    listed = {str(Path(p).resolve()) for p in files}
    rows = []
    for instance in tree.instances:
        module = instance.module
        source = reports_path(reports, module.path)
        if source is not None and str(Path(source).resolve()) not in listed:
            continue
        verdict = analysis.verdict(instance)
        dependencies = [d.text or d.target or d.call or "?" for d in instance.dependencies]
        dependencies += [d.text or d.target or "?" for d in
                         (analysis._annotated_alias(p) for p in instance.route.params) if d is not None]
        rows.append({
            "methods": list(instance.route.methods),
            "path": instance.full_path,
            "app": instance.app.name if instance.app is not None else None,
            "handler": instance.route.handler_name,
            "location": f"{module.path}:{instance.route.line}",
            "response_model": instance.route.response_model,
            "dependencies": dependencies,
            "authenticated": verdict.authenticated,
            "auth_reason": verdict.reason,
        })
    rows.sort(key=lambda r: (r["path"] or "", r["methods"], r["location"]))
    return rows


def reports_path(reports: list, display: str) -> str | None:
    for report in reports:
        if report.path == display:
            return report.source_path
    return None
