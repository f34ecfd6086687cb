"""Which files to lint: walking the given paths with excludes and ``.gitignore``.

Exclude patterns use gitignore syntax (via :mod:`pathspec`): a pattern without
a slash (``migrations``) matches that name at any depth; one with a slash is
anchored to the project root. Directories are never followed through symlinks
(no loops), and virtualenvs are recognised by their ``pyvenv.cfg`` whatever
their name. Files passed explicitly are linted even when excluded, unless
``force-exclude`` is set (what pre-commit needs).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pathspec

from fastapi_lint.config import Settings

PYTHON_SUFFIXES = (".py", ".pyi")


class DiscoveryError(Exception):
    """A path given on the command line does not exist."""


@dataclass
class _Ignore:
    base: Path
    spec: pathspec.GitIgnoreSpec

    def __post_init__(self) -> None:
        self._prefix = str(self.base).rstrip(os.sep) + os.sep

    def matches(self, path: Path, is_dir: bool) -> bool:
        text = str(path)
        if not text.startswith(self._prefix):
            return False  # (the base itself is never matched: patterns name what is under it)
        relative = text[len(self._prefix):]
        if os.sep != "/":
            relative = relative.replace(os.sep, "/")
        return self.spec.match_file(relative + "/" if is_dir else relative)


class Discovery:
    """Expands paths into the sorted list of Python files to lint."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        root = Path(os.path.abspath(settings.project_root))
        self.root = root
        patterns = [*settings.exclude, *settings.extend_exclude]
        self.exclude = _Ignore(root, pathspec.GitIgnoreSpec.from_lines(patterns))
        self._gitignores: dict[Path, _Ignore | None] = {}
        self._chains: dict[Path, list[_Ignore]] = {}
        #: Python files found in folders but not lintable: (path, reason)
        self.skipped: list[tuple[Path, str]] = []

    def excluded(self, path: Path, is_dir: bool) -> bool:
        """Whether ``path`` (absolute) is excluded by config or by a ``.gitignore``."""
        if self.exclude.matches(path, is_dir) or self.exclude.spec.match_file(path.name + ("/" if is_dir else "")):
            return True
        if self.settings.respect_gitignore:
            for ignore in self._chain(path.parent):
                if ignore.matches(path, is_dir):
                    return True
        return False

    def _chain(self, directory: Path) -> list[_Ignore]:
        """The ``.gitignore`` files that apply in ``directory``: its own and its
        parents' up to the project root or the repository's top (remembered per folder)."""
        chain = self._chains.get(directory)
        if chain is None:
            own = self._gitignore(directory)
            chain = [own] if own is not None else []
            if directory != self.root and not (directory / ".git").exists() and directory.parent != directory:
                chain = chain + self._chain(directory.parent)
            self._chains[directory] = chain
        return chain

    def _gitignore(self, directory: Path) -> _Ignore | None:
        if directory not in self._gitignores:
            ignore = None
            candidate = directory / ".gitignore"
            try:
                if candidate.is_file():
                    lines = candidate.read_text(encoding="utf-8", errors="replace").splitlines()
                    ignore = _Ignore(directory, pathspec.GitIgnoreSpec.from_lines(lines))
            except OSError:
                ignore = None
            self._gitignores[directory] = ignore
        return self._gitignores[directory]

    def files(self, paths: list[Path]) -> list[Path]:
        """The Python files under ``paths``, sorted and without duplicates.

        Raises :class:`DiscoveryError` for a path that does not exist (or is a
        broken link) when given explicitly; Python files found in folders that cannot
        be read (broken links, link loops) are listed in ``skipped`` as
        ``(path, reason)`` instead.
        """
        found: set[Path] = set()
        for given in paths:
            path = Path(os.path.abspath(given))
            if not os.path.lexists(path):
                raise DiscoveryError(f"{given}: no such file or directory")
            if not path.exists():
                raise DiscoveryError(f"{given}: broken symbolic link")
            if path.is_dir():
                if self.settings.force_exclude and self.excluded(path, True):
                    continue
                self._walk(path, found)
            elif path.is_file() or path.is_symlink():
                if self.settings.force_exclude and self.excluded(path, False):
                    continue
                if path.suffix in PYTHON_SUFFIXES and path.exists():
                    found.add(path)
        return sorted(found)

    def _walk(self, top: Path, found: set[Path]) -> None:
        stack = [top]
        while stack:
            directory = stack.pop()
            try:
                entries = list(os.scandir(directory))
            except OSError:
                continue  # unreadable directory: nothing we can lint there
            if directory != top and any(e.name == "pyvenv.cfg" for e in entries):
                continue
            for entry in entries:
                path = Path(entry.path)
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if not self.excluded(path, True):
                            stack.append(path)
                    elif entry.name.endswith(PYTHON_SUFFIXES):
                        if entry.is_symlink() and not path.exists():
                            if not self.excluded(path, False):
                                self.skipped.append((path, "broken symbolic link (or a link loop)"))
                            continue
                        if entry.is_file() and not self.excluded(path, False):
                            found.add(path)
                except OSError:
                    continue
