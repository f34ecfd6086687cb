"""``--output-format github``: GitHub Actions workflow commands, one line per finding.

``::error file=app/main.py,line=4,endLine=4,col=10,endColumn=17,title=fastapi-lint (FAPI201)::app/main.py:4:10: FAPI201 message``

- Levels: error -> ``::error``, warning -> ``::warning``, info -> ``::notice``.
- Lines are 1-based; ``col``/``endColumn`` are 1-based, the end exclusive, in
  UTF-16 code units like the SARIF output, and given only when the finding is on
  one line (the runner drops both otherwise).
- Escaping is the one of ``actions/toolkit`` ``packages/core/src/command.ts``:
  message data ``%`` -> ``%25``, CR -> ``%0D``, LF -> ``%0A``; property values
  also ``:`` -> ``%3A`` and ``,`` -> ``%2C``. ``%`` goes first, so no text from the
  linted code (string literals, names, paths) can end the line and start a new
  workflow command such as ``::add-mask::`` or ``::stop-commands::``. Other line
  separators (U+2028, NEL, form feed) are not line ends for the runner and are
  left as they are.
- GitHub shows at most 10 annotations of each level per step: every finding is
  still printed, followed by one ``::notice::`` saying how many were not shown.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from fastapi_lint.diagnostics import Finding, InternalError, Severity
from fastapi_lint.output.sarif import utf16_column

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
#: GitHub's per-step limit of annotations of one level
ANNOTATION_LIMIT = 10


#: terminal controls other than line ends (escape, backspace, CSI...): shown as
#: ``\xNN`` so linted text cannot recolour or rewrite the log
_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f\x9b]")


def escape_data(text: str) -> str:
    """``escapeData`` of actions/toolkit, after showing terminal controls as ``\\xNN``."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """``escapeProperty`` of actions/toolkit."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, object], message: str) -> str:
    """One workflow command line (without the newline)."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name} {props}::{escape_data(message)}" if props else f"::{name}::{escape_data(message)}"


def render_github(findings: Sequence[Finding], errors: Sequence[InternalError],
                  lines_of: Callable[[str], list[str]]) -> str:
    """Every finding (and internal error) as a workflow command, newline-terminated."""
    cache: dict[str, list[str]] = {}

    def column(path: str, line: int, col: int) -> int:
        if path not in cache:
            cache[path] = lines_of(path)
        lines = cache[path]
        return utf16_column(lines[line - 1] if 0 < line <= len(lines) else "", col) + 1

    out: list[str] = []
    counts: Counter[str] = Counter()
    for finding in sorted(findings, key=lambda f: f.sort_key):
        span = finding.span
        name = _COMMANDS[finding.severity]
        counts[name] += 1
        properties: dict[str, object] = {"file": finding.path, "line": span.start_line, "endLine": span.end_line}
        if span.start_line == span.end_line:
            properties["col"] = column(finding.path, span.start_line, span.start_col)
            properties["endColumn"] = max(properties["col"], column(finding.path, span.end_line, span.end_col))
        properties["title"] = f"fastapi-lint ({finding.code})"
        text = f"{finding.path}:{span.start_line}:{span.start_col + 1}: {finding.code} {finding.message}"
        out.append(command(name, properties, text))
    for error in errors:
        name = "error" if error.is_error else "warning"
        counts[name] += 1
        where = f" [{error.rule}]" if error.rule else ""
        kind = "internal error" if error.is_error else "warning"
        out.append(command(name, {"file": error.path, "title": f"fastapi-lint ({kind})"},
                           f"{error.path}: {kind}{where}: {error.message}"))
    hidden = sum(max(0, n - ANNOTATION_LIMIT) for n in counts.values())
    if hidden:
        out.append(command("notice", {}, f"fastapi-lint: {hidden} more finding{'s' if hidden != 1 else ''} not "
                           f"annotated (limit {ANNOTATION_LIMIT} per level per step); see the log or SARIF"))
    return "".join(line + "\n" for line in out)
