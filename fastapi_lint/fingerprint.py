"""One fingerprint for a finding, for everything that must recognise it again.

SARIF ``partialFingerprints`` (code-scanning alerts), the judged ledger
(``benchmarks/judged/``) and a baseline or review of a change must tell "the same
finding" across edits elsewhere in the file. The fingerprint is the SHA-256 (first
32 hex digits) of:

* the rule code and the file's displayed path (``/`` separators);
* the enclosing ``class``/``def`` names of the flagged line, outermost first
  (read from the indentation of the lines above it);
* the flagged lines' text, whitespace collapsed, secret values masked;
* the count of earlier findings in the same file with the same key (two identical
  ``time.sleep(1)`` lines in one function are two findings).

Never the message (wording changes) or a line number (lines move).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from fastapi_lint.diagnostics import Finding

_SCOPE = re.compile(r"([ \t]*)(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)")
_INDENT = re.compile(r"[ \t]*")
#: at most this many flagged lines enter the text (a finding on a whole function)
MAX_LINES = 3


def enclosing_scope(lines: Sequence[str], line: int) -> str:
    """The dotted names of the ``class``/``def`` blocks around 1-based ``line``
    (``"Router.create"``), ``""`` at module level."""
    if not 0 < line <= len(lines):
        return ""
    width = _indent(lines[line - 1])
    names: list[str] = []
    for index in range(line - 2, -1, -1):
        if width == 0:
            break
        text = lines[index]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        found = _SCOPE.match(text)
        if found is not None and len(found.group(1).expandtabs()) < width:
            names.append(found.group(2))
            width = len(found.group(1).expandtabs())
    return ".".join(reversed(names))


def _indent(text: str) -> int:
    return len(_INDENT.match(text).group(0).expandtabs())  # type: ignore[union-attr]


def flagged_text(finding: Finding, lines: Sequence[str]) -> str:
    """The finding's lines (at most :data:`MAX_LINES`), secrets masked, whitespace collapsed."""
    first, last = finding.span.start_line, min(finding.span.end_line, finding.span.start_line + MAX_LINES - 1)
    out = []
    for number in range(first, last + 1):
        text = lines[number - 1] if 0 < number <= len(lines) else ""
        for span in sorted(finding.redact, key=lambda s: -s.start_col):
            if span.start_line <= number <= span.end_line:
                start = span.start_col if span.start_line == number else 0
                end = span.end_col if span.end_line == number else len(text)
                text = text[:start] + "*****" + text[end:]
        out.append(re.sub(r"\s+", " ", text.strip()))
    return "\n".join(out)


def fingerprints(findings: Iterable[Finding], lines_of) -> list[str]:
    """The fingerprint of each finding, in order. ``lines_of(path)`` gives a file's
    lines (``[]`` when unreadable: then only code, path and scope-less text count).
    Findings should come sorted by position, so that repeats count in file order."""
    seen: Counter[str] = Counter()
    cache: dict[str, Sequence[str]] = {}
    out = []
    for finding in findings:
        if finding.path not in cache:
            cache[finding.path] = lines_of(finding.path)
        lines = cache[finding.path]
        key = "\0".join((finding.code, finding.path, enclosing_scope(lines, finding.span.start_line),
                         flagged_text(finding, lines)))
        seen[key] += 1
        out.append(hashlib.sha256(f"{key}\0{seen[key]}".encode("utf-8", "surrogatepass")).hexdigest()[:32])
    return out
