"""The results cache: what linting a file gave, reused while nothing it depends on changed.

Layout (like Ruff's): ``<cache dir>/<tool version>/<run key>.json`` plus a
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
encoded per file and decoded only on a hit; module summaries are encoded apart and
decoded only when the run needs them (the project phase or the search for the
modules it needs is not cached). That search's answer is cached too, valid while
every file it read keeps its content.

**The cache cannot run code.** Whoever can write the cache folder (a branch that
ships one, a shared CI cache) must not get code execution or a different answer:

* the file is JSON, and reports are data-only values of the tool's own types
  (:mod:`fastapi_lint.serial`: no pickle, no import by a name read from the file);
* it starts with a format line and an HMAC-SHA256 of the rest under a key of this
  user's (:func:`signing_key`): a truncated, damaged, tampered or foreign file (made
  by another machine, user or key) fails the check and is ignored whole (a miss,
  never a traceback); so is one for another format or run key, and any entry or
  value that does not decode to the expected types;
* to share a cache between machines (CI), give each the same secret in
  ``FASTAPI_LINT_CACHE_KEY``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import json
import os
import secrets
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi_lint import __version__
from fastapi_lint.diagnostics import Deferred, Finding, InternalError, Severity, Span
from fastapi_lint.fixer import FixResult, file_digest
from fastapi_lint.reports import CODEC, FileReport
from fastapi_lint.serial import CodecError
from fastapi_lint.suppress import Suppressions

CACHE_DIR_NAME = ".fastapi_lint_cache"
_FORMAT = 6
#: the first line of every cache file (then the HMAC in hex, a newline, the JSON body)
_MAGIC = b"fastapi-lint-cache 6\n"
#: a larger file is not read (bytes): a cache is a few tens of MB for a large project
_MAX_FILE_SIZE = 1 << 30
#: where the signing key lives, under the user's cache folder
_KEY_FILE = ("fastapi-lint", "cache-key")


@dataclass
class Entry:
    size: int
    mtime_ns: int
    mode: int
    digest: str
    #: True when ``blob`` is a full lint (findings); False for a summary only
    full: bool
    #: the encoded report (a view into the cache file when read from it)
    blob: bytes | memoryview
    #: the report carries the module's summary (a full lint the pre-screen cut short does not)
    summarized: bool = True
    #: the summary, encoded apart from the report: decoded only when a run needs it
    summary_blob: bytes | memoryview | None = None
    #: the file's (module name, is a package) when linted: it depends on other files
    #: (``__init__.py`` above it, project markers), and the report on it
    module: tuple[str, bool] | None = None


def _read_regular(path: Path | str, limit: int) -> bytes | None:
    """At most ``limit`` bytes of ``path`` if it is a regular file (never through a
    symlink, never blocking on a FIFO or device); ``None`` otherwise. A cache folder
    can come from a repository: its files may be links to ``/dev/zero``."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _is_real_dir(path: Path) -> bool:
    """A directory that is not a symbolic link."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _user_cache_home() -> Path:
    if sys.platform == "win32":  # pragma: no cover - Windows
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    if sys.platform == "darwin":  # pragma: no cover - macOS
        return Path.home() / "Library" / "Caches"
    given = os.environ.get("XDG_CACHE_HOME", "")
    # the XDG spec: a relative value is invalid and ignored (it would put the key in the project)
    return Path(given) if os.path.isabs(given) else Path.home() / ".cache"


def signing_key() -> bytes:
    """The key that signs this user's cache files.

    ``FASTAPI_LINT_CACHE_KEY`` when set (share it between the machines that share a
    cache); else 32 random bytes kept in ``fastapi-lint/cache-key`` under the user's
    cache folder (``$XDG_CACHE_HOME``, ``~/.cache``; ``~/Library/Caches`` on macOS,
    ``%LOCALAPPDATA%`` on Windows), made on first use with mode 0600. The key never
    lives in the project's cache folder, which a repository can ship. When it can be
    neither read nor made, a key for this process alone: nothing cached is reused.
    """
    given = os.environ.get("FASTAPI_LINT_CACHE_KEY")
    if given:
        return given.encode("utf-8", "surrogatepass")
    path = _user_cache_home().joinpath(*_KEY_FILE)
    key = _stored_key(path)
    if key is not None:
        return key
    key = secrets.token_hex(32).encode("ascii")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key + b"\n")
    except FileExistsError:  # made by a parallel run a moment ago
        stored = _stored_key(path)
        if stored is not None:
            return stored
    except OSError:
        pass
    return key


def _stored_key(path: Path) -> bytes | None:
    """The key kept at ``path`` when it is a regular file holding one (32+ bytes)."""
    key = (_read_regular(path, 4096) or b"").strip()
    return key if len(key) >= 32 else None


def _mac(parts: list[bytes | memoryview]) -> bytes:
    mac = hmac.new(signing_key(), _MAGIC, "sha256")
    for part in parts:
        mac.update(part)
    return mac.hexdigest().encode("ascii")


def _signed(parts: list[bytes | memoryview]) -> list[bytes | memoryview]:
    """A cache file: the format line, the HMAC of the rest, a newline, the rest (``parts``)."""
    return [_MAGIC, _mac(parts), b"\n", *parts]


def _verified(data: bytes) -> memoryview | None:
    """The body of a cache file this user's key signed (a view into ``data``), else ``None``."""
    if not data.startswith(_MAGIC) or len(data) > _MAX_FILE_SIZE:
        return None
    newline = data.find(b"\n", len(_MAGIC))
    if newline < 0:
        return None
    body = memoryview(data)[newline + 1:]
    if not hmac.compare_digest(data[len(_MAGIC):newline], _mac([body])):
        return None
    return body


def _findings(value: Any) -> bool:
    return type(value) is list and all(
        type(f) is Finding and type(f.code) is str and type(f.name) is str and type(f.message) is str
        and type(f.path) is str and type(f.span) is Span and type(f.severity) is Severity for f in value)


def _errors(value: Any) -> bool:
    return type(value) is list and all(
        type(e) is InternalError and type(e.path) is str and type(e.message) is str for e in value)


def _well_formed(report: Any) -> bool:
    """A decoded report whose parts have the types the engine and outputs rely on
    (the signature says we wrote it; this keeps an entry written by another build
    sharing the key from becoming a traceback)."""
    return (type(report) is FileReport and type(report.path) is str and _findings(report.findings)
            and _errors(report.errors) and _findings(report.applied)
            and type(report.deferred) is list and all(type(d) is Deferred for d in report.deferred)
            and (report.suppressions is None or type(report.suppressions) is Suppressions)
            and type(report.secrets) is tuple and all(type(s) is Span for s in report.secrets)
            and (report.fixed is None or type(report.fixed) is FixResult)
            and (report.source_path is None or type(report.source_path) is str))


def _str_map(value: Any) -> bool:
    """A JSON object of strings to strings or null (digests by path)."""
    return type(value) is dict and all(type(v) is str or v is None for v in value.values())


class _Blobs:
    """The blob section of a cache file being written: bytes appended, (offset, length) returned."""

    def __init__(self) -> None:
        self.parts: list[bytes | memoryview] = []
        self.size = 0

    def add(self, blob: bytes | memoryview | None) -> list[int] | None:
        if blob is None:
            return None
        where = [self.size, len(blob)]
        self.parts.append(blob)
        self.size += len(blob)
        return where


def _raw_entry(entry: Entry, blobs: _Blobs) -> list[Any]:
    return [entry.size, entry.mtime_ns, entry.mode, entry.digest, entry.full, blobs.add(entry.blob),
            entry.summarized, blobs.add(entry.summary_blob), None if entry.module is None else list(entry.module)]


def _slice(where: Any, blobs: memoryview) -> memoryview:
    """The blob at ``where`` (``[offset, length]`` into the blob section), checked."""
    if not (type(where) is list and len(where) == 2 and type(where[0]) is int and type(where[1]) is int):
        raise ValueError("a blob reference is [offset, length]")
    offset, length = where
    if offset < 0 or length < 0 or offset + length > len(blobs):
        raise ValueError("a blob reference points outside the file")
    return blobs[offset:offset + length]


def _entry(raw: Any, blobs: memoryview) -> Entry | None:
    """The :class:`Entry` a list written by :func:`_raw_entry` describes, else ``None``."""
    if type(raw) is not list or len(raw) != 9:
        return None
    size, mtime_ns, mode, digest, full, blob, summarized, summary_blob, module = raw
    if not (type(size) is int and type(mtime_ns) is int and type(mode) is int and type(digest) is str
            and type(full) is bool and type(summarized) is bool):
        return None
    if module is not None:
        if not (type(module) is list and len(module) == 2 and type(module[0]) is str and type(module[1]) is bool):
            return None
        module = (module[0], module[1])
    try:
        return Entry(size, mtime_ns, mode, digest, full, _slice(blob, blobs), summarized,
                     None if summary_blob is None else _slice(summary_blob, blobs), module)
    except ValueError:
        return None


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
        _FORMAT, __version__, sys.version_info[:3], selections, settings.preview,
        sorted((k, sorted(v)) for k, v in settings.per_file_ignores.items()),
        sorted((k, repr(sorted(v.items()))) for k, v in settings.rule_options.items()),
        settings.per_file_timeout, settings.max_file_size,
        settings.exclude, settings.extend_exclude, settings.force_exclude, settings.respect_gitignore,
        os.path.abspath(settings.project_root),
        os.path.abspath(settings.display_root) if settings.display_root else None,
        settings.source_roots, settings.test_paths, settings.extend_test_paths, settings.target,
        settings.non_request_paths, settings.extend_non_request_paths,
        _plugins(), _own_code(), _library_versions(),
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
        self.key = key
        self.file = self.directory / __version__ / f"{key}.json"
        self.entries: dict[str, Entry] = {}
        #: (digest of every input, reported paths, encoded (findings, errors))
        self.project: tuple[dict[str, str | None], set[str], bytes | memoryview] | None = None
        #: memo of the project files a run needs summarized: key -> (paths, digests read)
        self.needed: dict[str, tuple[list[str], dict[str, str | None]]] = {}
        self.changed = False
        self.hits = 0
        self.misses = 0
        #: False for a folder that is not a fastapi-lint cache: never written into
        self.writable = usable(self.directory)
        if not self.writable:
            return
        self._load()

    def _load(self) -> None:
        """Read the cache file; anything that is not a file this tool signed with
        this machine's key, in this format, for this run key, is ignored whole."""
        data = _read_regular(self.file, _MAX_FILE_SIZE + 1)
        if data is None:
            return
        body = _verified(data)
        if body is None:
            return
        try:
            newline = bytes(body[:20]).find(b"\n")
            length = bytes(body[:newline])
            if newline < 1 or not length.isdigit() or newline + 1 + int(length) > len(body):
                return
            start = newline + 1 + int(length)
            blobs = body[start:]
            stored = json.loads(bytes(body[newline + 1:start]))
            if type(stored) is not dict or stored.get("format") != _FORMAT or stored.get("key") != self.key:
                return
            entries = {}
            for name, raw in stored["entries"].items():
                entry = _entry(raw, blobs)
                if entry is not None:
                    entries[name] = entry
            project = stored.get("project")
            if project is not None:
                inputs, reported, where = project
                if not (_str_map(inputs) and type(reported) is list and all(type(p) is str for p in reported)):
                    project = None
                else:
                    project = (inputs, set(reported), _slice(where, blobs))
            needed = {}
            for name, (paths, read) in (stored.get("needed") or {}).items():
                if type(paths) is list and all(type(p) is str for p in paths) and _str_map(read):
                    needed[name] = (paths, read)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError, UnicodeError):
            return  # a damaged or foreign cache: start again
        self.entries, self.project, self.needed = entries, project, needed

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
                report = CODEC.loads(bytes(entry.blob))
            except CodecError:
                continue
            if not _well_formed(report):
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
            summary_blob = report.summary_blob if report.summary is None else CODEC.dumps(report.summary)
            blob = CODEC.dumps(dataclasses.replace(report, summary=None, summary_blob=None))
        except (TypeError, ValueError, RecursionError):
            return  # something the codec cannot write: linted again next run
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
            findings, errors = CODEC.loads(bytes(self.project[2]))
        except (CodecError, TypeError, ValueError):
            return None
        if not (_findings(findings) and _errors(errors)):
            return None
        return ([f for f in findings if f.path in reported], [e for e in errors if e.path in reported])

    def store_project(self, inputs: dict[str, str | None], reported: set[str], result: Any) -> None:
        """Keep ``result`` unless the stored one is still valid and covers more files."""
        if self._project_valid(inputs) and not reported >= self.project[1]:
            return
        try:
            self.project = (dict(inputs), set(reported), CODEC.dumps(tuple(result)))
            self.changed = True
        except (TypeError, ValueError, RecursionError):
            pass

    def _body(self) -> list[bytes | memoryview]:
        """The signed part of the file: the index's length, the index (JSON), the blobs."""
        blobs = _Blobs()
        entries = {name: _raw_entry(entry, blobs) for name, entry in self.entries.items()}
        project = None
        if self.project is not None:
            inputs, reported, blob = self.project
            project = [inputs, sorted(reported), blobs.add(blob)]
        index = json.dumps({"format": _FORMAT, "key": self.key, "entries": entries, "project": project,
                            "needed": self.needed}, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        return [str(len(index)).encode("ascii") + b"\n", index, *blobs.parts]

    def save(self) -> None:
        """Write the cache atomically; failures (read-only folder...) are ignored."""
        if not self.changed or not self.writable:
            return
        try:
            ensure_cache_dir(self.directory)
            with contextlib.suppress(FileExistsError):
                self.file.parent.mkdir()
            if not _is_real_dir(self.file.parent):  # a link planted to write elsewhere
                return
            fd, temp = tempfile.mkstemp(prefix=".tmp-", dir=self.file.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.writelines(_signed(self._body()))
                os.replace(temp, self.file)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
        except OSError:
            pass


_TAG_SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"


def is_ours(directory: Path) -> bool:
    """A folder fastapi-lint made: a real directory whose CACHEDIR.TAG (a regular
    file, read at most 1 KiB) names fastapi-lint."""
    if not _is_real_dir(directory):
        return False
    data = _read_regular(directory / "CACHEDIR.TAG", 1024)
    text = (data or b"").decode("utf-8", "replace")
    return text.startswith(_TAG_SIGNATURE) and "fastapi-lint" in text


def usable(directory: Path) -> bool:
    """Whether the cache may live in ``directory``: it does not exist yet, is empty,
    or is already a fastapi-lint cache. Any other folder (a source folder given by
    mistake) is never written into: a ``.gitignore`` of ``*`` there would hide files."""
    if not os.path.lexists(directory):
        return True
    if is_ours(directory):
        return True
    try:
        return _is_real_dir(directory) and not any(directory.iterdir())
    except OSError:
        return False


def ensure_cache_dir(directory: Path) -> None:
    if not usable(directory):
        raise OSError(f"{directory} is not a fastapi-lint cache folder")
    directory.mkdir(parents=True, exist_ok=True)
    if not _is_real_dir(directory):
        raise OSError(f"{directory} is not a directory")
    _create(directory / ".gitignore", "# Automatically created by fastapi-lint.\n*\n")
    _create(directory / "CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n"
                                        "# This file is a cache directory tag created by fastapi-lint.\n")


def _create(path: Path, text: str) -> None:
    """Write a new file; never through an existing name (a file, or a link planted
    to write elsewhere)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def clean(directory: Path) -> bool:
    """Remove what fastapi-lint wrote in a cache directory: its tag, its
    ``.gitignore``, and version folders holding only cache files (``*.json``,
    ``.tmp-*``); then the directory itself if that left it empty. Anything else (a
    project's files, when ``cache-dir`` points at the project) stays. True if the
    directory was ours."""
    if not is_ours(directory):
        return False  # never touch a folder fastapi-lint did not make
    for child in list(directory.iterdir()):
        if child.name in (".gitignore", "CACHEDIR.TAG") and not child.is_symlink():
            with contextlib.suppress(OSError):
                child.unlink()
        elif _is_real_dir(child) and _only_cache_files(child):
            for entry in child.iterdir():
                with contextlib.suppress(OSError):
                    entry.unlink()
            with contextlib.suppress(OSError):
                child.rmdir()
    with contextlib.suppress(OSError):
        directory.rmdir()
    return True


def _only_cache_files(folder: Path) -> bool:
    try:
        return all(stat.S_ISREG(os.lstat(e).st_mode) and (e.suffix == ".json" or e.name.startswith(".tmp-"))
                   for e in folder.iterdir())
    except OSError:
        return False
