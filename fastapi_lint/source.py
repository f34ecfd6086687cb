"""Source files: reading, decoding and the mapping between offsets and positions."""

from __future__ import annotations

import bisect
import codecs
import io
import re
import tokenize
from dataclasses import dataclass, field
from functools import cached_property

from fastapi_lint.diagnostics import Span

# libcst's definition of a line break (``libcst.metadata.position_provider``).
NEWLINE_RE = re.compile(r"\r\n?|\n")


class SourceDecodeError(Exception):
    """The bytes of a file cannot be decoded as Python source.

    ``line`` is 1-based and ``column`` 0-based (in characters of the decodable
    prefix), pointing at the first undecodable byte or at the bad coding cookie.
    """

    def __init__(self, message: str, line: int = 1, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class SourceFile:
    """A decoded Python source file.

    ``text`` is the decoded source without a UTF-8 BOM; ``encoding`` is what
    PEP 263 / the BOM declared (``utf-8-sig`` when a BOM is present).
    """

    path: str
    text: str
    encoding: str = "utf-8"
    _line_starts: list[int] | None = field(default=None, repr=False)

    @classmethod
    def from_bytes(cls, path: str, data: bytes) -> SourceFile:
        """Decode ``data`` following PEP 263 and the BOM; raise :class:`SourceDecodeError`."""
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:
            line = getattr(exc, "lineno", None) or 1
            raise SourceDecodeError(str(exc).split(" (", 1)[0], line, 0) from None
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            prefix = data[: exc.start].decode(encoding, errors="replace")
            breaks = list(NEWLINE_RE.finditer(prefix))  # \r alone ends a line too
            line = len(breaks) + 1
            column = len(prefix) - (breaks[-1].end() if breaks else 0)
            raise SourceDecodeError(
                f"file is not valid {encoding}: byte 0x{data[exc.start]:02x} at offset {exc.start}",
                line,
                column,
            ) from None
        except LookupError:
            raise SourceDecodeError(f"unknown encoding {encoding!r} in the coding cookie") from None
        if text.startswith("\ufeff"):
            text = text[1:]
        return cls(path=path, text=text, encoding=encoding)

    @property
    def has_bom(self) -> bool:
        return self.encoding == "utf-8-sig" or codecs.lookup(self.encoding).name == "utf-8-sig"

    @property
    def line_starts(self) -> list[int]:
        """Offsets (in characters) at which each line starts; index 0 is line 1."""
        if self._line_starts is None:
            starts = [0]
            starts.extend(m.end() for m in NEWLINE_RE.finditer(self.text))
            self._line_starts = starts
        return self._line_starts

    @cached_property
    def lines(self) -> list[str]:
        """The lines of the file without their line breaks (splitting only on \\r\\n, \\r, \\n)."""
        return NEWLINE_RE.split(self.text)

    def line(self, number: int) -> str:
        """The text of 1-based line ``number`` without its line break ('' past the end)."""
        lines = self.lines
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def position(self, offset: int) -> tuple[int, int]:
        """(1-based line, 0-based column) of a character offset."""
        starts = self.line_starts
        index = bisect.bisect_right(starts, offset) - 1
        return index + 1, offset - starts[index]

    def offset(self, line: int, column: int) -> int:
        """The character offset of (1-based line, 0-based column)."""
        return self.line_starts[line - 1] + column

    def span(self, start: int, end: int) -> Span:
        """The :class:`Span` of the character offsets ``[start, end)``."""
        (sl, sc), (el, ec) = self.position(start), self.position(end)
        return Span(sl, sc, el, ec)

    @cached_property
    def newline(self) -> str:
        """The file's dominant line break ("\\n" if it has none)."""
        m = NEWLINE_RE.search(self.text)
        return m.group() if m else "\n"
