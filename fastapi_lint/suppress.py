"""``# noqa`` suppression comments.

* ``# noqa: FAPI201`` or ``# noqa: FAPI201, FAPI301`` suppresses those codes on
  its line; a bare ``# noqa`` suppresses every finding on its line. A finding is
  suppressed by a comment on its **first** line.
* ``# fastapi-lint: noqa`` on a line of its own, anywhere in a file, suppresses every
  finding in the file; ``# fastapi-lint: noqa: FAPI401`` only those codes.

Comments are told from strings, so a ``# noqa`` inside a string is not a
comment: on Python 3.10 and 3.11, by one regular-expression scan over the string and
comment tokens when CPython parsed the code (the same comments as :mod:`tokenize`,
which is several times slower there, on every fixture and corpus file); with
:mod:`tokenize` otherwise (code that does not parse, code only libcst reads, and
Python 3.12+, whose f-strings may nest quotes). Codes are matched by prefix, like
Ruff (``# noqa: FAPI2`` covers ``FAPI201``).
"""

from __future__ import annotations

import io
import re
import sys
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


def parse_suppressions(text: str, parsed: bool = False) -> Suppressions:
    """Read the noqa comments of a module's source text (tolerates broken code).

    ``parsed``: the text is known to be valid Python (CPython's parser accepted it),
    so the fast scanner can tell comments from strings. From Python 3.12 on,
    f-strings may nest quotes of their own kind (PEP 701), which the scanner does
    not follow; there :mod:`tokenize` is used, which 3.12 runs on its C tokenizer."""
    result = Suppressions()
    if "noqa" not in text.lower():
        return result
    file_codes: set[str] = set()
    fast = parsed and sys.version_info < (3, 12)
    for line, own_line, comment in (_scan_comments(text) if fast else _tokenize_comments(text)):
        if "noqa" not in comment.lower():
            continue
        file_match = _FILE_NOQA.match(comment)
        if file_match and own_line:  # a comment on its own line
            file_codes |= _codes(file_match.group("codes"))
            continue
        match = _NOQA.search(comment)
        if match:
            result.lines[line] = result.lines.get(line, frozenset()) | _codes(match.group("codes"))
    result.file = frozenset(file_codes)
    return result


#: string literals (any prefix, single or triple quoted, escapes and line
#: continuations inside, ended by LF, CRLF or a lone CR)
#: and comments: what a scan must step over to find comments
_STRING_OR_COMMENT = re.compile(
    r"""(?P<string>(?:(?<![A-Za-z0-9_])[rRbBuUfF]{1,2})?(?:"{3}(?:[^"\\]|\\(?:\r\n|.)|"(?!""))*"{3}"""
    r"""|'{3}(?:[^'\\]|\\(?:\r\n|.)|'(?!''))*'{3}"""
    r"""|"(?:[^"\\\r\n]|\\(?:\r\n|.))*"|'(?:[^'\\\r\n]|\\(?:\r\n|.))*'))|(?P<comment>\#[^\r\n]*)""",
    re.DOTALL,
)


def _scan_comments(text: str) -> list[tuple[int, bool, str]]:
    """``(1-based line, alone on its line, comment text)`` of every comment of valid code."""
    out: list[tuple[int, bool, str]] = []
    line, previous = 1, 0
    crlf = "\r" in text
    for match in _STRING_OR_COMMENT.finditer(text):
        if match.lastgroup != "comment":
            continue
        start = match.start()
        between = text[previous:start]
        line += between.count("\n") + (between.count("\r") - between.count("\r\n") if crlf else 0)
        previous = start
        line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
        out.append((line, not text[line_start:start].strip(), match.group()))
    return out


def _tokenize_comments(text: str) -> list[tuple[int, bool, str]]:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        tokens = _comments_fallback(text)
    return [(t.start[0], not t.line[: t.start[1]].strip(), t.string) for t in tokens if t.type == tokenize.COMMENT]


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
