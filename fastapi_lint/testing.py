"""Helpers to test rules with fixture files that carry their expectations inline.

A fixture marks each expected finding with a comment on the line it is expected
on::

    time.sleep(1)  # expect: FAPI201
    # expect+1: FAPI301
    async def index(): ...

``# expect: A, B`` expects two findings on the line; ``# expect+N:``/``# expect-N:``
point N lines below/above (for lines that cannot hold a comment, such as inside
a string). Every line without a marker must stay clean. Markers are read with
:mod:`tokenize`, so a ``#`` inside a string is not a marker; they are parsed,
never evaluated. Plugin authors can use :func:`check_fixture` in their own tests.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_MARKER = re.compile(r"#\s*expect(?P<offset>[+-]\d+)?:\s*(?P<codes>[A-Z]{1,8}\d{3}(?:\s*,\s*[A-Z]{1,8}\d{3})*)\s*$")
_SELECT = re.compile(r"#\s*fastapi-lint-test:\s*select\s*=\s*(?P<codes>[A-Z0-9, ]+)")
_VERSION = re.compile(r"#\s*fastapi-lint-test:\s*fastapi-version\s*=\s*(?P<version>\d+(?:\.\d+)*)")


@dataclass(frozen=True)
class Expectation:
    line: int
    code: str


def read_markers(text: str) -> Counter[tuple[int, str]]:
    """The expected (line, code) pairs of a fixture, with multiplicity."""
    expected: Counter[tuple[int, str]] = Counter()
    for line, comment in _comments(text):
        match = _MARKER.search(comment)
        if match is None:
            continue
        offset = int(match.group("offset") or 0)
        for code in re.split(r"\s*,\s*", match.group("codes")):
            expected[(line + offset, code)] += 1
    return expected


def selected_codes(path: Path, text: str) -> list[str]:
    """The rules a fixture is run with: ``# fastapi-lint-test: select = ...`` or the
    ``FAPINNN`` prefix of its file name. A ``# fastapi-lint-test: fastapi-version =
    0.110`` comment sets the FastAPI version the fixture targets."""
    match = _SELECT.search(text)
    if match:
        return [c.strip() for c in match.group("codes").split(",") if c.strip()]
    code = re.match(r"[A-Z]{1,8}\d{3}", path.name)
    if code is None:
        raise ValueError(f"{path}: name it FAPINNN*.py or add '# fastapi-lint-test: select = ...'")
    return [code.group()]


def _comments(text: str) -> list[tuple[int, str]]:
    try:
        return [
            (tok.start[0], tok.string)
            for tok in tokenize.generate_tokens(io.StringIO(text).readline)
            if tok.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        # A fixture that does not tokenize (FAPI000): read line by line.
        out = []
        for number, line in enumerate(text.splitlines(), start=1):
            index = line.find("# expect")
            if index != -1:
                out.append((number, line[index:]))
        return out


def check_fixture(path: Path) -> str | None:
    """Lint a fixture and compare with its markers: ``None`` when they agree, else a
    report of what is missing and what is unexpected."""
    from fastapi_lint.api import lint_source_report

    data = path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    expected = read_markers(text)
    version = _VERSION.search(text)
    report = lint_source_report(data, path.name, select=selected_codes(path, text), module_path=path,
                                fastapi_version=version.group("version") if version else None)
    actual = Counter((f.span.start_line, f.code) for f in report.findings)
    problems = []
    for error in report.errors:
        problems.append(f"internal error: {error.message} ({error.rule})")
    for (line, code), count in sorted((expected - actual).items()):
        problems.append(f"missing:    line {line}: {code}" + (f" x{count}" if count > 1 else ""))
    for (line, code), count in sorted((actual - expected).items()):
        message = next(f.message for f in report.findings if (f.span.start_line, f.code) == (line, code))
        problems.append(f"unexpected: line {line}: {code} {message}" + (f" x{count}" if count > 1 else ""))
    return "\n".join(problems) if problems else None


def check_project_fixture(folder: Path) -> str | None:
    """Lint a fixture *folder* as one project and compare with the markers of all its
    files: ``None`` when they agree, else what is missing and what is unexpected. The
    rules come from the folder's name (``FAPI402_project``) or a
    ``# fastapi-lint-test: select = ...`` comment in any of its files."""
    from fastapi_lint.config import Settings
    from fastapi_lint.discovery import Discovery
    from fastapi_lint.run.phase import lint_files

    files = sorted(folder.rglob("*.py"))
    codes = None
    expected: Counter[tuple[str, int, str]] = Counter()
    for path in files:
        text = path.read_text(errors="replace")
        relative = path.relative_to(folder).as_posix()
        for (line, code), count in read_markers(text).items():
            expected[(relative, line, code)] += count
        if codes is None and _SELECT.search(text):
            codes = selected_codes(path, text)
    if codes is None:
        codes = selected_codes(folder, "")
    settings = Settings(project_root=folder, select=codes)
    report = lint_files(Discovery(settings).files([folder]), settings, jobs=1)
    actual = Counter((f.path, f.span.start_line, f.code) for f in report.findings)
    problems = [f"internal error: {e.path}: {e.message} ({e.rule})" for e in report.errors]
    for (path, line, code), count in sorted((expected - actual).items()):
        problems.append(f"missing:    {path}:{line}: {code}")
    for (path, line, code), count in sorted((actual - expected).items()):
        message = next(f.message for f in report.findings if (f.path, f.span.start_line, f.code) == (path, line, code))
        problems.append(f"unexpected: {path}:{line}: {code} {message}")
    return "\n".join(problems) if problems else None


def without_prescreens(rule: type) -> object:
    """An instance of ``rule`` (a :class:`~fastapi_lint.rules.base.Rule` class) whose
    pre-screens admit everything: what it reports then is what the rule itself
    decides, so a test can check that the real pre-screens admit it (a test that
    lints through the pre-screen it checks cannot fail)."""
    opened = type(f"Unscreened{rule.__name__}", (rule,), {"prescreen": lambda self, text: True,
                                                        "prescreen_tree": lambda self, tree, text: True})
    return opened()


def rule_findings(rule: type, source: str | bytes, path: str = "module.py") -> list:
    """The findings of ``rule`` alone on ``source``, its pre-screens forced open."""
    from fastapi_lint.config import Settings
    from fastapi_lint.run.file import Linter

    data = source.encode("utf-8") if isinstance(source, str) else source
    return Linter(Settings(project_root=Path(".")), [without_prescreens(rule)]).lint_bytes(data, path).findings


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> text) under ``root``, making folders; ``root``."""
    for name, text in files.items():
        path = Path(root) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Path(root)

