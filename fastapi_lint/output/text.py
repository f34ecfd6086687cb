"""The human formats: ``full`` (with a code frame) and ``concise`` (one line each).

Text taken from the linted source (code lines, paths) is never interpreted: it
is written through :class:`rich.text.Text` objects (no markup), control
characters and ANSI escapes are replaced by visible ``\\xNN`` escapes, and spans
marked ``redact`` (secrets) are masked with ``*``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from fastapi_lint.diagnostics import Applicability, Finding, InternalError, Severity, Span

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_MASK = "*****"
_SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "bold blue"}


def sanitize(text: str) -> str:
    """Make ``text`` safe to print on one terminal line: control characters (line
    breaks and tabs included) and bidi overrides become ``\\n``/``\\xNN``/``\\uNNNN``
    escapes, so they can neither start a new line, move the cursor nor recolour."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _display(line: str, start: int, end: int, masked: set[int] = frozenset()) -> tuple[str, int, int]:
    """``line`` as shown and where code-point columns ``start``/``end`` land in it, in
    terminal cells: tabs expanded, control characters escaped, wide characters (CJK,
    emoji) counted as two cells, and the characters at ``masked`` columns replaced by a
    fixed-length mask (which reveals nothing of the secret, not even its length)."""
    from rich.cells import cell_len

    out: list[str] = []
    positions: list[int] = []
    width = 0
    for index, char in enumerate(line):
        positions.append(width)
        if index in masked:
            shown = _MASK if index - 1 not in masked else ""
        elif char == "\t":
            shown = " " * (4 - width % 4)
        else:
            shown = sanitize(char)
        out.append(shown)
        width += cell_len(shown)
    positions.append(width)
    clamp = lambda c: positions[min(max(c, 0), len(line))]  # noqa: E731
    return "".join(out), clamp(start), clamp(end)


def _masked_columns(line: str, number: int, redact: Sequence[Span]) -> set[int]:
    columns: set[int] = set()
    for span in redact:
        if span.start_line <= number <= span.end_line:
            start = span.start_col if number == span.start_line else 0
            end = span.end_col if number == span.end_line else len(line)
            columns.update(range(max(start, 0), min(end, len(line))))
    return columns


def _fixable(finding: Finding, unsafe: bool) -> bool:
    from fastapi_lint.fixer import applicable

    return applicable(finding, unsafe)


def _header(finding: Finding, unsafe: bool = False) -> Text:
    text = Text()
    text.append(sanitize(finding.path), style="bold")
    text.append(f":{finding.span.start_line}:{finding.span.start_col + 1}: ", style="cyan")
    text.append(finding.code, style=_SEVERITY_STYLE[finding.severity])
    text.append(" [*]" if _fixable(finding, unsafe) else "", style="cyan")
    text.append(" ")
    text.append(sanitize(finding.message))
    return text


def render_concise(console: Console, findings: Sequence[Finding], unsafe: bool = False) -> None:
    for finding in findings:
        console.print(_header(finding, unsafe), soft_wrap=True)


def render_full(console: Console, findings: Sequence[Finding], sources: dict[str, list[str]],
                unsafe: bool = False) -> None:
    for finding in findings:
        console.print(_header(finding, unsafe), soft_wrap=True)
        lines = sources.get(finding.path)
        if lines:
            _frame(console, finding, lines)
        help_text = finding.help
        if finding.fix is not None and finding.fix.applicability is not Applicability.DISPLAY_ONLY:
            help_text = finding.fix.message if help_text is None else help_text
        if help_text:
            console.print(Text("  = help: ", style="cyan") + Text(sanitize(help_text)), soft_wrap=True)
        console.print()


def _frame(console: Console, finding: Finding, lines: list[str]) -> None:
    span = finding.span
    first = max(1, span.start_line - 1)
    last_marked = min(span.end_line, span.start_line + 5)
    last = min(len(lines), last_marked + 1)
    gutter = len(str(last))
    bar = Text(" " * (gutter + 1) + "|", style="cyan")
    console.print(bar)
    for number in range(first, last + 1):
        raw = lines[number - 1]
        marked = span.start_line <= number <= last_marked
        start = span.start_col if number == span.start_line else len(raw) - len(raw.lstrip())
        end = span.end_col if number == span.end_line else len(raw)
        shown, dstart, dend = _display(raw, start, end, _masked_columns(raw, number, finding.redact))
        row = Text(f"{number:>{gutter}} | ", style="cyan")
        row.append(shown)
        console.print(row, soft_wrap=True)
        if marked:
            carets = max(1, dend - dstart)
            underline = Text(" " * (gutter + 1) + "| ", style="cyan")
            underline.append(" " * dstart)
            underline.append("^" * carets, style=_SEVERITY_STYLE[finding.severity])
            if number == span.start_line:
                underline.append(f" {finding.code}", style=_SEVERITY_STYLE[finding.severity])
            console.print(underline, soft_wrap=True)
        if number == last_marked and span.end_line > last_marked:
            console.print(Text(" " * (gutter + 1) + "| ...", style="cyan"))
    console.print(bar)


def render_statistics(console: Console, findings: Sequence[Finding], unsafe: bool = False) -> None:
    """One line per code: count, code, ``[*]`` when fixable, name (Ruff's layout)."""
    counts = Counter(f.code for f in findings)
    fixable = {f.code for f in findings if _fixable(f, unsafe)}
    names = {f.code: f.name for f in findings}
    width = max((len(str(c)) for c in counts.values()), default=1)
    for code in sorted(counts, key=lambda c: (-counts[c], c)):
        marker = "[*]" if code in fixable else "   "
        console.print(Text(f"{counts[code]:>{width}}\t{code}\t{marker} {names[code]}"), soft_wrap=True)


def render_fixes(console: Console, applied: Sequence[Finding]) -> None:
    """``--show-fixes``: what was fixed, per file and code."""
    if not applied:
        console.print(Text("No findings were fixed."))
        return
    console.print(Text(f"Fixed {len(applied)} finding{'s' if len(applied) != 1 else ''}:", style="bold"))
    by_path: dict[str, Counter[tuple[str, str]]] = {}
    for finding in applied:
        by_path.setdefault(finding.path, Counter())[(finding.code, finding.name)] += 1
    for path in sorted(by_path):
        console.print(Text(f"- {sanitize(path)}:"))
        for (code, name), count in sorted(by_path[path].items()):
            console.print(Text(f"    {count} \u00d7 {code} ({name})"))


def render_summary(console: Console, findings: Sequence[Finding], errors: Sequence[InternalError],
                   unsafe: bool = False, fixed: int | None = None) -> None:
    """The closing lines: how many findings, how many fixed, how many fixable."""
    remaining = len(findings)
    if fixed is not None and fixed:
        total = fixed + remaining
        noun = "finding" if total == 1 else "findings"
        console.print(Text(f"Found {total} {noun} ({fixed} fixed, {remaining} remaining).", style="bold"))
    elif remaining == 0:
        if not any(e.is_error for e in errors):
            console.print(Text("All checks passed!", style="bold green"))
    else:
        noun = "finding" if remaining == 1 else "findings"
        console.print(Text(f"Found {remaining} {noun}.", style="bold"))
    if fixed is None:
        fixable = sum(1 for f in findings if _fixable(f, unsafe))
        if fixable:
            console.print(Text(f"[*] {fixable} fixable with the `--fix` option.", style="cyan"))
    hidden = 0 if unsafe else sum(
        1 for f in findings if f.fix is not None and f.fix.applicability is Applicability.UNSAFE)
    if hidden:
        console.print(Text(f"({hidden} hidden fix{'es' if hidden != 1 else ''} can be enabled with the "
                           f"`--unsafe-fixes` option.)"))


def render_errors(console: Console, errors: Sequence[InternalError], verbose: bool) -> None:
    for error in errors:
        text = Text("error", style="bold red") if error.is_error else Text("warning", style="bold yellow")
        rule = f" [{error.rule}]" if error.rule else ""
        text.append(f": {sanitize(error.path)}{rule}: {sanitize(error.message)}")
        console.print(text, soft_wrap=True)
        if verbose and error.traceback:
            console.print(Text(sanitize(error.traceback.rstrip()).replace("\\n", "\n")), soft_wrap=True)
