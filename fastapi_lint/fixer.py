"""Applying fixes: in passes, never producing code that does not parse.

Ruff's model: a fix is applied whole (all its edits) or not at all; within a
pass, fixes are taken in source order and a fix whose edits overlap an edit
already taken waits for the next pass (an edit identical to one already taken,
such as the same ``import asyncio``, is shared). After each pass the file is
linted again, so later fixes see the code as it now is; at most
:data:`MAX_PASSES` passes run.

The text after every pass must parse (``libcst.parse_module``). When it does not,
the fixes of that pass are tried one at a time, each fix whose result does not
parse is dropped and reported as an internal error naming its rule, and the pass
is redone without them.

Writing (:func:`write_fixed`) is atomic -- a temporary file in the same folder,
then ``os.replace`` -- keeps the encoding, BOM, line breaks and file mode, and is
skipped when the file changed on disk since it was read.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fastapi_lint.diagnostics import Applicability, Edit, Finding, Fix, InternalError

MAX_PASSES = 10


@dataclass
class FixResult:
    """The outcome of fixing one file's text."""

    original: str
    fixed: str
    applied: list[Finding] = field(default_factory=list)
    errors: list[InternalError] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.fixed != self.original


def applicable(finding: Finding, unsafe: bool) -> bool:
    """Whether ``--fix`` (with ``--unsafe-fixes`` when ``unsafe``) applies the finding's fix."""
    fix = finding.fix
    if fix is None or fix.applicability is Applicability.DISPLAY_ONLY:
        return False
    return fix.applicability is Applicability.SAFE or unsafe


def _offsets(text: str, line_starts: list[int], edit: Edit) -> tuple[int, int]:
    span = edit.span
    return line_starts[span.start_line - 1] + span.start_col, line_starts[span.end_line - 1] + span.end_col


def _line_starts(text: str) -> list[int]:
    from fastapi_lint.source import NEWLINE_RE

    starts = [0]
    starts.extend(m.end() for m in NEWLINE_RE.finditer(text))
    return starts


def select_fixes(text: str, findings: Sequence[Finding]) -> list[tuple[Finding, list[tuple[int, int, str]]]]:
    """The fixes one pass applies: in source order, skipping any that overlaps one taken."""
    starts = _line_starts(text)
    taken: list[tuple[int, int, str]] = []
    chosen: list[tuple[Finding, list[tuple[int, int, str]]]] = []
    ordered = sorted(findings, key=lambda f: (f.fix.edits[0].span.start, f.sort_key))  # type: ignore[union-attr]
    for finding in ordered:
        fix: Fix = finding.fix  # type: ignore[assignment]
        edits = []
        for edit in fix.edits:
            start, end = _offsets(text, starts, edit)
            edits.append((start, end, edit.content))
        if all(_compatible(edit, taken) for edit in edits):
            for edit in edits:
                if edit not in taken:
                    taken.append(edit)
            chosen.append((finding, edits))
    return chosen


def _compatible(edit: tuple[int, int, str], taken: list[tuple[int, int, str]]) -> bool:
    start, end, _ = edit
    for other in taken:
        if other == edit:
            continue
        o_start, o_end, _ = other
        if start < o_end and o_start < end:
            return False  # overlapping replacements
        if start == end == o_start == o_end:
            return False  # two different insertions at one place: order would be a guess
        if (start == end and o_start < start < o_end) or (o_start == o_end and start < o_start < end):
            return False
    return True


def apply_edits(text: str, edits: Sequence[tuple[int, int, str]]) -> str:
    """Apply non-overlapping edits (offsets into ``text``), each distinct edit once."""
    unique = sorted(set(edits), key=lambda e: (e[0], e[1]))
    parts: list[str] = []
    position = 0
    for start, end, content in unique:
        parts.append(text[position:start])
        parts.append(content)
        position = end
    parts.append(text[position:])
    return "".join(parts)


def parses(text: str) -> bool:
    import libcst

    try:
        libcst.parse_module(text)
    except Exception:
        return False
    return True


def fix_text(
    text: str,
    path: str,
    lint: Callable[[str], list[Finding]],
    findings: list[Finding],
    unsafe: bool,
) -> tuple[FixResult, list[Finding]]:
    """Fix ``text`` in passes. ``lint`` lints a version of the text; ``findings`` are
    those of ``text`` itself. Returns the result and the findings of the fixed text."""
    result = FixResult(original=text, fixed=text)
    rejected: set[tuple[str, str]] = set()
    current, current_findings = text, findings
    for _ in range(MAX_PASSES):
        candidates = [
            f for f in current_findings if applicable(f, unsafe) and (f.code, f.fix.message) not in rejected  # type: ignore[union-attr]
        ]
        if not candidates:
            break
        chosen = select_fixes(current, candidates)
        new_text = apply_edits(current, [e for _, edits in chosen for e in edits])
        if not parses(new_text):
            kept = []
            for finding, edits in chosen:
                if parses(apply_edits(current, edits)):
                    kept.append((finding, edits))
                else:
                    rejected.add((finding.code, finding.fix.message))  # type: ignore[union-attr]
                    result.errors.append(InternalError(
                        path, f"the fix of {finding.code} at line {finding.span.start_line} would not parse: "
                              f"dropped", finding.code))
            new_text = apply_edits(current, [e for _, edits in kept for e in edits])
            chosen = kept
            if not chosen or not parses(new_text):
                break
        if new_text == current:
            break
        result.applied.extend(f for f, _ in chosen)
        current = new_text
        current_findings = lint(current)
    result.fixed = current
    return result, current_findings


class FileChanged(Exception):
    """The file changed on disk after it was read: it is not overwritten."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: str | Path) -> str | None:
    """:func:`digest` of a file's bytes now; ``None`` when it cannot be read (gone,
    unreadable, or not a path at all)."""
    try:
        with open(path, "rb") as handle:
            return digest(handle.read())
    except (OSError, ValueError):
        return None


def encode(text: str, encoding: str) -> bytes:
    """Encode fixed text as the original was (``utf-8-sig`` restores the BOM)."""
    return text.encode(encoding)


def write_fixed(path: Path, data: bytes, original_digest: str) -> None:
    """Replace ``path``'s content with ``data`` atomically, keeping its mode.

    Raises :class:`FileChanged` when the file no longer has the content that was
    fixed (``original_digest``), and ``OSError`` when it cannot be written.
    """
    current = path.read_bytes()
    if digest(current) != original_digest:
        raise FileChanged(f"{path}: changed while it was being fixed; not written")
    mode = os.stat(path).st_mode
    directory = path.parent
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".fastapi-lint", dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
