"""``# noqa`` suppression comments.

* ``# noqa: FAPI201`` or ``# noqa: FAPI201, FAPI301`` suppresses those codes on
  its line; a bare ``# noqa`` suppresses every finding on its line. A finding is
  suppressed by a comment on its **first** line.
* ``# fastapi-lint: noqa`` on a line of its own, anywhere in a file, suppresses every
  finding in the file; ``# fastapi-lint: noqa: FAPI401`` only those codes.

Comments are read with :mod:`tokenize`, so a ``# noqa`` inside a string is not
a comment. Codes are matched by prefix, like Ruff (``# noqa: FAPI2`` covers
``FAPI201``).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

_NOQA = re.compile(r"#\s*noqa(?:\s*:\s*(?P<codes>[A-Z]+[0-9]*(?:[\s,]+[A-Z]+[0-9]*)*))?", re.IGNORECASE)
_FILE_NOQA = re.compile(
    r"#\s*fastapi-lint:\s*noqa(?:\s*:\s*(?P<codes>[A-Z]+[0-9]*(?:[\s,]+[A-Z]+[0-9]*)*))?", re.IGNORECASE
)
ALL = frozenset({"*"})


@dataclass
class Suppressions:
    """Which codes are suppressed on which 1-based lines, and for the whole file."""

    lines: dict[int, frozenset[str]] = field(default_factory=dict)
    file: frozenset[str] = frozenset()

    def suppresses(self, code: str, line: int) -> bool:
        if _matches(self.file, code):
            return True
        codes = self.lines.get(line)
        return codes is not None and _matches(codes, code)


def _matches(codes: frozenset[str], code: str) -> bool:
    return "*" in codes or any(code.startswith(c) for c in codes)


def _codes(text: str | None) -> frozenset[str]:
    if not text:
        return ALL
    return frozenset(c.upper() for c in re.split(r"[\s,]+", text.strip()) if c)


def parse_suppressions(text: str) -> Suppressions:
    """Read the noqa comments of a module's source text (tolerates broken code)."""
    result = Suppressions()
    if "noqa" not in text.lower():
        return result
    file_codes: set[str] = set()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        tokens = _comments_fallback(text)
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        file_match = _FILE_NOQA.match(token.string)
        if file_match and not token.line[: token.start[1]].strip():  # a comment on its own line
            file_codes |= _codes(file_match.group("codes"))
            continue
        match = _NOQA.search(token.string)
        if match:
            line = token.start[0]
            result.lines[line] = result.lines.get(line, frozenset()) | _codes(match.group("codes"))
    result.file = frozenset(file_codes)
    return result


def _comments_fallback(text: str) -> list[tokenize.TokenInfo]:
    """Tokenize line by line when the whole file does not tokenize (unclosed bracket)."""
    out: list[tokenize.TokenInfo] = []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            for token in tokenize.generate_tokens(io.StringIO(line).readline):
                if token.type == tokenize.COMMENT:
                    out.append(token._replace(start=(number, token.start[1]), end=(number, token.end[1])))
        except (tokenize.TokenError, SyntaxError, IndentationError):
            continue
    return out
