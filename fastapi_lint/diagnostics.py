"""What a rule reports: findings, their ranges and their fixes.

Everything here is plain, frozen and picklable (findings cross process
boundaries) and imports nothing heavy.

Positions: a :class:`Span` holds **1-based lines** and **0-based columns counted
in Unicode code points** (Python ``str`` indexes into the line, the convention of
libcst's ``PositionProvider``), with an **exclusive** end. Output formats convert:
text and JSON print 1-based code-point columns (as Ruff does); SARIF and GitHub
annotations use 1-based UTF-16 code units (see ``docs/output-formats.md``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(str, enum.Enum):
    """How serious a finding is; maps to SARIF ``error``/``warning``/``note``."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def sarif_level(self) -> str:
        return {"error": "error", "warning": "warning", "info": "note"}[self.value]


class Applicability(str, enum.Enum):
    """Ruff's fix applicability levels.

    * ``SAFE``: the fix keeps the program's meaning; applied by ``--fix``.
    * ``UNSAFE``: the fix may change behaviour; applied only with ``--unsafe-fixes``.
    * ``DISPLAY_ONLY``: a suggestion shown to the user, never applied.
    """

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


class FixAvailability(str, enum.Enum):
    """Whether a rule's findings carry fixes (shown by ``fastapi-lint rules``)."""

    NONE = "none"
    SOMETIMES = "sometimes"
    ALWAYS = "always"


@dataclass(frozen=True, order=True, slots=True)
class Span:
    """A range in a source file: 1-based lines, 0-based code-point columns, end exclusive."""

    start_line: int
    start_col: int
    end_line: int
    end_col: int

    def __post_init__(self) -> None:
        if self.start_line < 1 or self.end_line < 1 or self.start_col < 0 or self.end_col < 0:
            raise ValueError(f"invalid span {self!r}")
        if (self.end_line, self.end_col) < (self.start_line, self.start_col):
            raise ValueError(f"span ends before it starts: {self!r}")

    @property
    def start(self) -> tuple[int, int]:
        return (self.start_line, self.start_col)

    @property
    def end(self) -> tuple[int, int]:
        return (self.end_line, self.end_col)

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text in ``span`` with ``content`` (an insertion when the span is empty)."""

    span: Span
    content: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A fix: one or more non-overlapping edits applied together, with an applicability."""

    applicability: Applicability
    message: str
    edits: tuple[Edit, ...]

    def __post_init__(self) -> None:
        if not self.edits:
            raise ValueError("a fix needs at least one edit")
        ordered = sorted(self.edits, key=lambda e: (e.span.start, e.span.end))
        for a, b in zip(ordered, ordered[1:], strict=False):
            if a.span.overlaps(b.span):
                raise ValueError("the edits of one fix overlap")
        object.__setattr__(self, "edits", tuple(ordered))


@dataclass(frozen=True, slots=True)
class Finding:
    """One diagnostic reported by a rule.

    ``path`` is the file's path relative to the project root with ``/`` separators
    (absolute when the file lies outside the root). ``redact`` lists spans whose
    text must never be printed (secret values); every output format masks them.
    ``help`` is a one-line hint shown under the finding, with or without a fix.
    """

    code: str
    name: str
    message: str
    severity: Severity
    path: str
    span: Span
    fix: Fix | None = None
    help: str | None = None
    url: str | None = None
    redact: tuple[Span, ...] = field(default=())

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.start_line, self.span.start_col, self.code)

    @property
    def fixable(self) -> bool:
        """True when ``--fix`` (safe fixes only) would apply this finding's fix."""
        return self.fix is not None and self.fix.applicability is Applicability.SAFE


@dataclass(frozen=True, slots=True)
class InternalError:
    """A failure of the tool itself on one file: a crashed rule, an unreadable file.

    It is never a finding: it is reported separately (in SARIF as a tool execution
    notification). ``level`` ``"error"`` makes the run exit 2; ``"warning"`` (a
    file skipped on purpose, such as one over ``max-file-size``) is only shown.
    """

    path: str
    message: str
    rule: str | None = None
    traceback: str | None = None
    level: str = "error"

    @property
    def is_error(self) -> bool:
        return self.level == "error"


@dataclass(frozen=True, slots=True)
class Deferred:
    """A candidate finding waiting for project-wide facts (see
    :meth:`fastapi_lint.context.RuleContext.defer`): the rule's ``code``, the
    displayed ``path``, the ``span`` to report at and the rule's own ``data``."""

    code: str
    path: str
    span: Span
    data: dict[str, Any]
