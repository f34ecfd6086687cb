"""The results cache: what linting a file gave, reused while nothing it depends on changed.

Layout (like Ruff's): ``<cache dir>/<tool version>/<run key>.pickle`` plus a
``.gitignore`` and ``CACHEDIR.TAG`` in the cache dir (default
``.fastapi_lint_cache/`` at the project root; ``cache-dir`` in the configuration,
``--cache-dir`` / ``--no-cache`` on the command line, ``fastapi-lint clean``).

The **run key** hashes everything besides the file that decides a file's report:
the tool version, the Python version, the effective selection, per-file ignores,
rule options, the time budget, the excludes, the project root and display root, the
source roots, the versions of libcst, astroid and pathspec, and the installed rule plugins (entry point names, targets and their
distributions' versions). A change in any of them uses another cache file.

Each **file entry** holds the file's size, mtime (ns) and mode when it was read,
the SHA-256 of its bytes, and its module name, which depends on other files
(``__init__.py`` above it, project markers) and is checked on every lookup. A lookup stats the file; when size, mtime or mode differ
it reads and hashes the content, and a different hash is a miss: so an entry is
never used for other content (an edit within the same mtime tick with the same
size is caught by :attr:`ResultsCache.verify_content`, on by default: every hit
re-hashes the bytes, a few tenths of a second on the whole corpus).

The **project phase** (route tree, cross-module rules) is cached as one entry
keyed by the digests of every module it read and the set of reported files; any
change re-runs it from the cached module summaries, so a change in ``deps.py``
re-parses ``deps.py`` only and re-checks the routes with the new facts.

Writes are atomic (a temporary file in the same folder, then ``os.replace``), so
parallel runs never see a torn file: the last writer wins, and every entry is
re-validated on use, so a lost update only costs a re-lint. Reports are stored
pickled per file and unpickled only on a hit; module summaries are pickled apart and
unpickled only when the run needs them (the project phase or the search for the
modules it needs is not cached). That search's answer is cached too, valid while
every file it read keeps its content.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi_lint import __version__
from fastapi_lint.fixer import file_digest

CACHE_DIR_NAME = ".fastapi_lint_cache"
_FORMAT = 5


@dataclass
class Entry:
    size: int
    mtime_ns: int
    mode: int
    digest: str
    #: True when ``blob`` is a full lint (findings); False for a summary only
    full: bool
    blob: bytes
    #: the report carries the module's summary (a full lint the pre-screen cut short does not)
    summarized: bool = True
    #: the summary, pickled apart from the report: unpickled only when a run needs it
    summary_blob: bytes | None = None
    #: the file's (module name, is a package) when linted: it depends on other files
    #: (``__init__.py`` above it, project markers), and the report on it
    module: tuple[str, bool] | None = None


def default_cache_dir(project_root: Path) -> Path:
    return Path(os.path.abspath(project_root)) / CACHE_DIR_NAME


def cache_directory(settings: Any) -> Path:
    """Where the cache of ``settings`` lives: ``cache-dir`` (relative to the project
    root; ``--cache-dir`` is made absolute by the CLI), else the default."""
    if settings.cache_dir:
        return Path(settings.project_root) / Path(settings.cache_dir).expanduser()
    return default_cache_dir(settings.project_root)


def _plugins() -> list[tuple[str, str, str]]:
    from importlib.metadata import entry_points

    out = []
    for ep in entry_points(group="fastapi_lint.rules"):
        dist = getattr(ep, "dist", None)
        out.append((ep.name, ep.value, f"{dist.name}=={dist.version}" if dist is not None else ""))
    return sorted(out)


def _own_code() -> list[tuple[str, int, int]]:
    """Size and mtime of this package's own modules: an edited rule (in a
    development install, without a version bump) must not reuse old results."""
    package = Path(__file__).parent
    out = []
    for path in sorted(package.rglob("*.py")):
        try:
            stat = path.stat()
        except OSError:
            continue
        out.append((str(path.relative_to(package)), stat.st_size, stat.st_mtime_ns))
    return out


def _library_versions() -> list[tuple[str, str]]:
    """The installed versions of the libraries whose behaviour decides reports (the
    parser, the inference engine): an upgrade must not reuse old results."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in ("libcst", "astroid", "pathspec"):
        try:
            out.append((name, version(name)))
        except PackageNotFoundError:
            out.append((name, ""))
    return out


def run_key(settings: Any) -> str:
    """The hash of everything except the file itself that decides a file's report."""
    selections = [(s.select, s.extend_select, s.ignore) for s in settings.selections]
    parts = (
        _FORMAT, __version__, sys.version_info[:3], selections,
        sorted((k, sorted(v)) for k, v in settings.per_file_ignores.items()),
        sorted((k, repr(sorted(v.items()))) for k, v in settings.rule_options.items()),
        settings.per_file_timeout, settings.max_file_size,
        settings.exclude, settings.extend_exclude, settings.force_exclude, settings.respect_gitignore,
        os.path.abspath(settings.project_root),
        os.path.abspath(settings.display_root) if settings.display_root else None,
        settings.source_roots, _plugins(), _own_code(), _library_versions(),
    )
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


class ResultsCache:
    """File reports by absolute path, for one run key. See the module docstring."""

    verify_content = True

    def __init__(self, directory: Path, key: str) -> None:
        self.directory = Path(directory)
        self.file = self.directory / __version__ / f"{key}.pickle"
        self.entries: dict[str, Entry] = {}
        self.project: tuple[str, bytes] | None = None
        #: memo of the project files a run needs summarized: key -> (paths, digests read)
        self.needed: dict[str, tuple[list[str], dict[str, str | None]]] = {}
        self.changed = False
        self.hits = 0
        self.misses = 0
        #: False for a folder that is not a fastapi-lint cache: never written into
        self.writable = usable(self.directory)
        if not self.writable:
            return
        try:
            with open(self.file, "rb") as handle:
                stored = pickle.load(handle)
            if isinstance(stored, dict) and stored.get("format") == _FORMAT:
                self.entries = stored["entries"]
                self.project = stored.get("project")
                self.needed = stored.get("needed") or {}
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, KeyError, TypeError,
                ValueError):
            self.entries = {}  # no cache, or a damaged one: start again

    def lookup(self, path: Path, full: bool, module: tuple[str, bool] | None = None) -> Any | None:
        """The cached report of ``path`` if its content and its module name
        (``module``: what :func:`~fastapi_lint.project.layout.module_name` says now)
        are unchanged: for ``full``, a full lint; otherwise any report that carries
        the module's summary (a full one first, else a summary-only one)."""
        key = os.path.abspath(path)
        candidates = [self.entries.get(key + "\0full")]
        if not full:
            if candidates[0] is not None and not candidates[0].summarized:
                candidates = []
            candidates.append(self.entries.get(key + "\0summary"))
        candidates = [entry for entry in candidates if entry is not None and entry.module == module]
        stat = _stat(path) if candidates else None
        if stat is None:
            self.misses += 1
            return None
        current: str | None = None
        for entry in candidates:
            same_stat = (stat.st_size, stat.st_mtime_ns, stat.st_mode) == (entry.size, entry.mtime_ns, entry.mode)
            if not same_stat or self.verify_content:
                if current is None:
                    current = file_digest(path)
                    if current is None:
                        break
                if current != entry.digest:
                    continue
                if not same_stat:  # touched but not changed: remember the new stat
                    entry.size, entry.mtime_ns, entry.mode = stat.st_size, stat.st_mtime_ns, stat.st_mode
                    self.changed = True
            try:
                report = pickle.loads(entry.blob)
            except Exception:
                continue
            report.summary_blob = entry.summary_blob
            self.hits += 1
            return report
        self.misses += 1
        return None

    def store(self, path: Path, report: Any, full: bool, module: tuple[str, bool] | None = None) -> None:
        """Remember ``report`` for ``path``, under the (size, mtime, mode) the report
        took before the file was read (so a change while linting shows as a stat
        mismatch next time)."""
        stat = report.file_stat
        if stat is None or report.digest is None or any(e.is_error for e in report.errors):
            return  # crashes and time-outs are retried next run
        try:
            summary_blob = report.summary_blob if report.summary is None else pickle.dumps(
                report.summary, protocol=pickle.HIGHEST_PROTOCOL)
            blob = pickle.dumps(dataclasses.replace(report, summary=None, summary_blob=None),
                                protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            return
        summarized = not full or report.summarized or report.parsed
        key = os.path.abspath(path) + ("\0full" if full else "\0summary")
        self.entries[key] = Entry(*stat, report.digest, full, blob, summarized, summary_blob, module)
        self.changed = True

    def needed_files(self, key: str) -> tuple[list[str], dict[str, str | None]] | None:
        """The remembered answer for ``key``: (paths, digest of every file the answer
        read); the caller checks the digests."""
        return self.needed.get(key)

    def store_needed_files(self, key: str, paths: list[str], read: dict[str, str | None]) -> None:
        if self.needed.get(key) == (paths, read):
            return
        if len(self.needed) >= 16:  # keep the newest few (runs on other subsets of files)
            self.needed.pop(next(iter(self.needed)))
        self.needed[key] = (paths, read)
        self.changed = True

    def _project_valid(self, inputs: dict[str, str | None]) -> bool:
        """The stored project result was computed from the same content of every
        module this run read (it may have read more: a whole-project run)."""
        if self.project is None:
            return False
        stored = self.project[0]
        if not all(stored.get(path) == digest for path, digest in inputs.items()):
            return False
        # A module the stored result read and this run did not (a pre-commit run reads
        # less): it must still have the same content, or be gone if it was (an
        # includer that stopped including, a deleted one, a helper that changed).
        # (``file_digest`` of the layout's key, not a path, is None: never equal)
        return all(file_digest(path) == digest for path, digest in stored.items() if path not in inputs)

    def project_result(self, inputs: dict[str, str | None], reported: set[str]) -> Any | None:
        """``(findings, errors)`` of the project phase for the ``reported`` paths,
        when a stored result covers them and was computed from the same content of
        every module this run read (``inputs``: displayed path -> digest). A
        whole-project result answers a pre-commit run on some of its files: what the
        whole project says about them is the truth the smaller run approximates."""
        if not self._project_valid(inputs) or not reported <= self.project[1]:
            return None
        try:
            findings, errors = pickle.loads(self.project[2])
        except Exception:
            return None
        return ([f for f in findings if f.path in reported], [e for e in errors if e.path in reported])

    def store_project(self, inputs: dict[str, str | None], reported: set[str], result: Any) -> None:
        """Keep ``result`` unless the stored one is still valid and covers more files."""
        if self._project_valid(inputs) and not reported >= self.project[1]:
            return
        try:
            self.project = (dict(inputs), set(reported), pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
            self.changed = True
        except Exception:
            pass

    def save(self) -> None:
        """Write the cache atomically; failures (read-only folder...) are ignored."""
        if not self.changed or not self.writable:
            return
        try:
            ensure_cache_dir(self.directory)
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".tmp-", dir=self.file.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    pickle.dump({"format": _FORMAT, "entries": self.entries, "project": self.project,
                                 "needed": self.needed}, handle,
                                protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temp, self.file)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
        except OSError:
            pass


_TAG_SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"


def is_ours(directory: Path) -> bool:
    """A folder fastapi-lint made (its CACHEDIR.TAG names fastapi-lint)."""
    try:
        text = (directory / "CACHEDIR.TAG").read_text(errors="replace")
    except OSError:
        return False
    return text.startswith(_TAG_SIGNATURE) and "fastapi-lint" in text


def usable(directory: Path) -> bool:
    """Whether the cache may live in ``directory``: it does not exist yet, is empty,
    or is already a fastapi-lint cache. Any other folder (a source folder given by
    mistake) is never written into: a ``.gitignore`` of ``*`` there would hide files."""
    if not directory.exists():
        return True
    if is_ours(directory):
        return True
    try:
        return directory.is_dir() and not any(directory.iterdir())
    except OSError:
        return False


def ensure_cache_dir(directory: Path) -> None:
    if not usable(directory):
        raise OSError(f"{directory} is not a fastapi-lint cache folder")
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Automatically created by fastapi-lint.\n*\n")
    tag = directory / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n"
                       "# This file is a cache directory tag created by fastapi-lint.\n")


def clean(directory: Path) -> bool:
    """Remove a cache directory (only if it looks like ours). True if removed."""
    import shutil

    if not is_ours(directory):
        return False  # never delete a folder fastapi-lint did not make
    shutil.rmtree(directory, ignore_errors=True)
    return True
