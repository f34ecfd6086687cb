"""``--output-format json``: Ruff's JSON layout, so tools that read Ruff read us.

A JSON array, one object per finding, keys sorted, 2-space indent, trailing
newline. Each object: ``cell`` (always null), ``code``, ``end_location``
(``row`` 1-based, ``column`` 1-based exclusive, code points), ``filename``
(project-relative, ``/`` separators), ``fix`` (``applicability``, ``edits``,
``message``) or null, ``location``, ``message``, ``name``, ``noqa_row`` (the line
a ``# noqa`` comment must be on to suppress it), ``severity`` and ``url``.
The schema is ``docs/schemas/json-output.schema.json``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fastapi_lint.diagnostics import Finding


def _location(line: int, col: int) -> dict[str, int]:
    return {"column": col + 1, "row": line}


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    span = finding.span
    fix = None
    if finding.fix is not None:
        fix = {
            "applicability": finding.fix.applicability.value,
            "edits": [
                {
                    "content": edit.content,
                    "end_location": _location(edit.span.end_line, edit.span.end_col),
                    "location": _location(edit.span.start_line, edit.span.start_col),
                }
                for edit in finding.fix.edits
            ],
            "message": finding.fix.message,
        }
    return {
        "cell": None,
        "code": finding.code,
        "end_location": _location(span.end_line, span.end_col),
        "filename": finding.path,
        "fix": fix,
        "location": _location(span.start_line, span.start_col),
        "message": finding.message,
        "name": finding.name,
        "noqa_row": span.start_line,
        "severity": finding.severity.value,
        "url": finding.url,
    }


def render_json(findings: Sequence[Finding]) -> str:
    return json.dumps([finding_to_dict(f) for f in findings], indent=2, sort_keys=True) + "\n"


def render_json_statistics(findings: Sequence[Finding], unsafe: bool = False) -> str:
    """``--statistics --output-format json``: Ruff's layout (``code``, ``name``, ``count``,
    ``fixable``), most frequent first."""
    from collections import Counter

    from fastapi_lint.fixer import applicable

    counts = Counter(f.code for f in findings)
    names = {f.code: f.name for f in findings}
    fixable = {f.code for f in findings if applicable(f, unsafe)}
    rows = [{"code": code, "count": counts[code], "fixable": code in fixable, "name": names[code]}
            for code in sorted(counts, key=lambda c: (-counts[c], c))]
    return json.dumps(rows, indent=2, sort_keys=True) + "\n"
