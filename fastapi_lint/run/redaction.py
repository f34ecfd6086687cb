"""Secret values never printed: the spans rules mark as secret, masked in every
finding, message and fix of the file (and in project-wide messages)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi_lint.rules.base import Rule

from fastapi_lint.diagnostics import Finding, Span
from fastapi_lint.source import SourceFile
from fastapi_lint.reports import FileReport


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
