"""``--output-format sarif``: a SARIF 2.1.0 log for GitHub code scanning and SARIF viewers.

Shape (one run, as ``../docs/output-formats.md`` describes and
``tests/test_sarif.py`` validates against the official OASIS schema):

- ``tool.driver``: ``name``, ``version``/``semanticVersion``, ``informationUri``
  and ``rules[]``: every enabled rule (plus any rule with a result), sorted by id,
  each with ``shortDescription``, ``fullDescription``, ``helpUri``, ``help``
  (text and markdown: the rule's documentation page), ``defaultConfiguration.level``
  and ``properties`` (``tags``, ``precision``, ``problem.severity``, and for
  security rules ``security-severity`` as a numeric string plus the ``security``
  tag, as GitHub requires).
- ``results[]``: ``ruleId``, ``ruleIndex``, ``level``, ``message.text``, one
  location with a project-relative, percent-encoded URI under ``uriBaseId``
  ``%SRCROOT%`` and a region of 1-based lines and 1-based columns in **UTF-16 code
  units** with an exclusive end column (``run.columnKind`` says so; the VS Code
  SARIF viewer uses columns as UTF-16 positions), ``partialFingerprints``
  (``fastapiLint/v1``: rule, path and the flagged line's text, not its number, so
  it survives edits elsewhere; GitHub computes its own ``primaryLocationLineHash``),
  and ``fixes[]`` for findings with edits.
- ``invocations[0]``: ``executionSuccessful`` (false when a rule or the model
  crashed) and ``toolExecutionNotifications`` for crashes (level ``error``) and
  files that failed to parse (level ``warning``: they are also FAPI000 results).

Sources: the SARIF 2.1.0 specification (§3.14.27 columnKind, §3.27.6 ruleIndex,
§3.30 regions, §3.57 replacements) and GitHub's "SARIF support for code
scanning" page.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi_lint import __version__
from fastapi_lint.diagnostics import Finding, InternalError, Severity, Span
from fastapi_lint.fingerprint import fingerprints

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/fastapi-lint/fastapi-lint"
_PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}
_MAX_TEXT = 1024
#: the key of the fingerprint in ``partialFingerprints`` (v2: with the enclosing scope)
FINGERPRINT_KEY = "fastapiLint/v2"


def utf16_column(line: str, column: int) -> int:
    """The 0-based UTF-16 code-unit column of the 0-based code-point ``column`` of ``line``."""
    prefix = line[:column]
    beyond = max(0, column - len(line))  # a column past the end (the newline) stays past it
    if prefix.isascii():
        return len(prefix) + beyond
    return len(prefix.encode("utf-16-le", "surrogatepass")) // 2 + beyond


def artifact_uri(path: str) -> tuple[str, str | None]:
    """(URI, uriBaseId) of a displayed path: relative paths are percent-encoded
    references under ``%SRCROOT%``; absolute ones become ``file://`` URIs."""
    if os.path.isabs(path):
        return Path(path).as_uri(), None
    return quote(path.replace(os.sep, "/"), safe="/"), "%SRCROOT%"


def _truncate(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


def _rule_descriptor(rule: Any) -> dict[str, Any]:
    what = rule.doc_sections().get("What it does", rule.summary)
    tags = list(dict.fromkeys(rule.tags))
    properties: dict[str, Any] = {"precision": rule.precision}
    if rule.security_severity is not None:
        if "security" not in tags:
            tags.insert(0, "security")
        properties["security-severity"] = f"{float(rule.security_severity):.1f}"
        if rule.cwe is not None and f"external/cwe/cwe-{rule.cwe}" not in tags:
            tags.append(f"external/cwe/cwe-{rule.cwe}")
    else:
        properties["problem.severity"] = _PROBLEM_SEVERITY[rule.severity]
    properties["tags"] = tags[:20]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _truncate(rule.summary)},
        "fullDescription": {"text": _truncate(" ".join(what.split()))},
        "helpUri": rule.url(),
        "help": {"text": _truncate(rule.first_sentence() + f" See {rule.url()}"), "markdown": rule.doc()},
        "defaultConfiguration": {"level": rule.severity.sarif_level, "enabled": bool(rule.default_enabled)},
        "properties": properties,
    }


class _Columns:
    """Converts code-point spans to SARIF regions with the file's lines."""

    def __init__(self, lines_of: Callable[[str], list[str]]) -> None:
        self.lines_of = lines_of
        self.cache: dict[str, list[str]] = {}

    def lines(self, path: str) -> list[str]:
        if path not in self.cache:
            self.cache[path] = self.lines_of(path)
        return self.cache[path]

    def column(self, path: str, line: int, column: int) -> int:
        lines = self.lines(path)
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return utf16_column(text, column) + 1

    def region(self, path: str, span: Span) -> dict[str, int]:
        return {
            "startLine": max(1, span.start_line),
            "startColumn": self.column(path, span.start_line, span.start_col),
            "endLine": max(1, span.end_line),
            "endColumn": self.column(path, span.end_line, span.end_col),
        }


def _location(uri: str, base: str | None) -> dict[str, Any]:
    location: dict[str, Any] = {"uri": uri}
    if base is not None:
        location["uriBaseId"] = base
    return location


def _result(finding: Finding, index: int, columns: _Columns, fingerprint: str) -> dict[str, Any]:
    uri, base = artifact_uri(finding.path)
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": finding.severity.sarif_level,
        "message": {"text": finding.message or finding.name},
        "locations": [{"physicalLocation": {
            "artifactLocation": _location(uri, base),
            "region": columns.region(finding.path, finding.span),
        }}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if finding.fix is not None and finding.fix.edits:
        replacements = []
        for edit in finding.fix.edits:
            replacement: dict[str, Any] = {"deletedRegion": columns.region(finding.path, edit.span)}
            if edit.content:
                replacement["insertedContent"] = {"text": edit.content}
            replacements.append(replacement)
        result["fixes"] = [{
            "description": {"text": finding.fix.message or f"Fix {finding.code}"},
            "artifactChanges": [{"artifactLocation": _location(uri, base), "replacements": replacements}],
        }]
        result["properties"] = {"fixApplicability": finding.fix.applicability.value}
    return result


def _notification(error: InternalError) -> dict[str, Any]:
    uri, base = artifact_uri(error.path)
    notification: dict[str, Any] = {
        "level": "error" if error.is_error else "warning",
        "message": {"text": error.message or "internal error"},
        "locations": [{"physicalLocation": {"artifactLocation": _location(uri, base)}}],
    }
    if error.rule:
        notification["associatedRule"] = {"id": error.rule}
    return notification


def render_sarif(findings: Sequence[Finding], errors: Sequence[InternalError], rules: Iterable[Any],
                 root: Path, lines_of: Callable[[str], list[str]]) -> str:
    """The SARIF log (JSON text, 2-space indent, trailing newline).

    ``rules``: the enabled rule classes (rules of findings are added);
    ``root``: the directory displayed paths are relative to (``%SRCROOT%``);
    ``lines_of``: the lines of a displayed path (for UTF-16 columns and
    fingerprints; ``[]`` when unreadable, then code points are used).
    """
    from fastapi_lint.registry import all_rules

    by_code = {r.code: r for r in all_rules()}
    wanted = {r.code: r for r in rules}
    for finding in findings:
        if finding.code not in wanted and finding.code in by_code:
            wanted[finding.code] = by_code[finding.code]
    descriptors = [_rule_descriptor(wanted[code]) for code in sorted(wanted)]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    columns = _Columns(lines_of)
    results = []
    ordered = sorted(findings, key=lambda f: f.sort_key)
    for finding, fingerprint in zip(ordered, fingerprints(ordered, columns.lines), strict=True):
        if finding.code not in index:  # a rule that is not registered (cannot happen with the CLI)
            descriptors.append({"id": finding.code, "name": finding.name,
                                "shortDescription": {"text": finding.name}})
            index[finding.code] = len(descriptors) - 1
        results.append(_result(finding, index[finding.code], columns, fingerprint))
    notifications = [_notification(e) for e in errors]
    for finding in findings:
        if finding.code == "FAPI000":
            uri, base = artifact_uri(finding.path)
            notifications.append({
                "level": "warning",
                "message": {"text": f"not analysed: {finding.message}"},
                "locations": [{"physicalLocation": {"artifactLocation": _location(uri, base),
                                                    "region": columns.region(finding.path, finding.span)}}],
                "associatedRule": {"id": "FAPI000"},
            })
    root_uri = Path(os.path.abspath(root)).as_uri().rstrip("/") + "/"
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "fastapi-lint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }},
            "automationDetails": {"id": "fastapi-lint/"},
            "invocations": [{
                "executionSuccessful": not any(e.is_error for e in errors),
                "toolExecutionNotifications": notifications,
            }],
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
            "columnKind": "utf16CodeUnits",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=True) + "\n"
