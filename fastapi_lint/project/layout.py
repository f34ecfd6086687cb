"""Which module each file of a project is, for flat, ``src/`` and namespace layouts.

A file's module name comes from the packages above it (directories with an
``__init__.py``); above the last package, directories without one still count
(namespace packages, PEP 420) as long as their names are identifiers and they
lie below a source root. Source roots are the project root, its ``src/``, the
configured ``src`` entries and any directory holding a ``pyproject.toml``,
``setup.py`` or ``setup.cfg`` (a sub-project). A directory whose name is not an
identifier (``my-project-1.0``) always stops the climb.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path

from fastapi_lint.fixer import digest

_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg")


@lru_cache(maxsize=65536)
def _has_init(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "__init__.py")) or os.path.isfile(
        os.path.join(directory, "__init__.pyi")
    )


@lru_cache(maxsize=65536)
def _is_marked_root(directory: str) -> bool:
    return any(os.path.isfile(os.path.join(directory, marker)) for marker in _PROJECT_MARKERS)


@lru_cache(maxsize=65536)
def module_name(path: str | Path, source_roots: tuple[str, ...] = ()) -> tuple[str, bool]:
    """(dotted module name, is a package ``__init__``) of a Python file.

    ``source_roots`` are absolute directory paths at which the climb stops.
    """
    absolute = os.path.abspath(path)
    directory, filename = os.path.split(absolute)
    stem = filename.rsplit(".", 1)[0]
    is_package = stem == "__init__"
    parts = [] if is_package else [stem]
    roots = set(source_roots)
    # Packages first: directories with an __init__.py.
    while _has_init(directory) and directory not in roots:
        directory, name = os.path.split(directory)
        if not name:
            break
        parts.append(name)
    # Then namespace packages, up to a source root.
    if directory not in roots and not _is_marked_root(directory) and _below_a_root(directory, roots):
        while directory not in roots and not _is_marked_root(directory):
            parent, name = os.path.split(directory)
            if not name or not name.isidentifier() or parent == directory:
                break
            parts.append(name)
            directory = parent
    parts.reverse()
    return ".".join(p for p in parts if p) or stem, is_package


def forget_file_system() -> None:
    """Forget what the memos of this module read from the file system (which folders
    hold an ``__init__.py`` or a project marker, the module names built on them). Every
    run starts with it, so a process that lints again after files appeared or went
    (a long-running process, a test) gets the answers a fresh process would."""
    _has_init.cache_clear()
    _is_marked_root.cache_clear()
    module_name.cache_clear()


def _below_a_root(directory: str, roots: set[str]) -> bool:
    return any(directory == root or directory.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


class ProjectLayout:
    """The project's Python files and their module names."""

    def __init__(self, files: list[Path], roots: tuple[str, ...], blocking_calls: tuple[str, ...] = ()) -> None:
        """``blocking_calls``: the qualified names the project configured as blocking
        (:func:`fastapi_lint.knowledge.configured_blocking_calls`); a module that names
        one (its last part, as called or imported) may block too."""
        self.roots = roots
        names = sorted({name.rpartition(".")[2] for name in blocking_calls if name.rpartition(".")[2]})
        self._configured = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in names) + rb")\b") \
            if names else None
        self.by_module: dict[str, list[Path]] = {}
        self.by_path: dict[str, str] = {}
        self._blocking: dict[tuple[str, int], bool] = {}
        self._scanned: dict[str, tuple[bool, list[str]]] = {}
        #: absolute path -> SHA-256 of the bytes ``may_block`` read (what its answers rest on)
        self.scanned_digests: dict[str, str | None] = {}
        for path in files:
            name, _ = module_name(path, roots)
            self.by_module.setdefault(name, []).append(path)
            self.by_path[os.path.abspath(path)] = name

    def fingerprint(self) -> str:
        """SHA-256 of the project's files and their module names (what a cached
        project answer assumed about the project's shape)."""
        items = "\n".join(f"{path}\0{name}" for path, name in sorted(self.by_path.items()))
        return hashlib.sha256(items.encode("utf-8", "surrogatepass")).hexdigest()

    def module_of(self, qualified: str) -> str | None:
        """The longest project module that prefixes a qualified name."""
        parts = qualified.split(".")
        for cut in range(len(parts), 0, -1):
            module = ".".join(parts[:cut])
            if module in self.by_module:
                return module
        return None

    def may_block(self, module: str, depth: int = 0) -> bool:
        """Whether a module's text mentions a blocking API, or a project module it
        imports does (two levels): a cheap test before parsing it to follow calls."""
        key = (module, depth)
        if key in self._blocking:
            return self._blocking[key]
        self._blocking[key] = False
        found = False
        for path in self.by_module.get(module, []):
            direct, imports = self._scan(path, module)
            if direct:
                found = True
                break
            # A package's __init__ mostly re-exports: look through what it imports.
            if depth < _IMPORT_DEPTH or (path.name == "__init__.py" and depth < 2):
                for imported in imports:
                    target = self.module_of(imported)
                    if target is not None and target != module and self.may_block(target, depth + 1):
                        found = True
                        break
        self._blocking[key] = found
        return found

    def _scan(self, path: Path, module: str) -> tuple[bool, list[str]]:
        """(mentions a blocking API, the modules it imports) of one file, read once."""
        key = str(path)
        if key not in self._scanned:
            try:
                data = path.read_bytes()
            except OSError:
                self._scanned[key] = (False, [])
                self.scanned_digests[os.path.abspath(path)] = None
            else:
                self.scanned_digests[os.path.abspath(path)] = digest(data)
                direct = _BLOCKING_WORDS.search(data) is not None or (
                    self._configured is not None and self._configured.search(data) is not None)
                imports = [] if direct else list(_imported_modules(data, module, path.name == "__init__.py"))
                self._scanned[key] = (direct, imports)
        return self._scanned[key]

    def path_of(self, module: str) -> Path | None:
        """The file of ``module`` when exactly one file has that name."""
        found = self.by_module.get(module)
        return found[0] if found and len(found) == 1 else None


#: blocking APIs that FAPI201 follows through helper functions (network, databases,
#: sleeps, subprocesses; not local files), as they appear in source
_BLOCKING_WORDS = re.compile(
    rb"\b(?:requests|httpx|subprocess|sqlite3|psycopg2?|pymysql|MySQLdb|pymongo|redis|boto3|urllib3?|smtplib)\.|"
    rb"\b(?:urlopen|sleep|system|popen|MongoClient|Redis|SMTP|SMTP_SSL|create_engine|sessionmaker)\(|"
    rb"\.(?:query|execute|commit|flush|scalars?)\(|\.file\.read\("
)
#: how many levels of the project's imports ``may_block`` looks through
_IMPORT_DEPTH = 2
_IMPORT_RE = re.compile(rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import|import[ \t]+([\w.]+))", re.M)


def _imported_modules(data: bytes, module: str, is_package: bool) -> list[str]:
    out = []
    package = module if is_package else module.rpartition(".")[0]
    for match in _IMPORT_RE.finditer(data):
        name = (match.group(1) or match.group(2) or b"").decode("ascii", "replace")
        if name.startswith("."):
            level = len(name) - len(name.lstrip("."))
            parts = package.split(".") if package else []
            if level > 1:
                parts = parts[: max(0, len(parts) - (level - 1))]
            rest = name.lstrip(".")
            name = ".".join([*parts, rest] if rest else parts)
        if name:
            out.append(name)
    return out
