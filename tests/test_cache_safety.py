"""The results cache cannot run code and cannot be fooled: anything but a file this
user's key signed, in this format, for this run, is a miss (never a traceback), and
the findings equal a run without the cache."""

from __future__ import annotations

import hashlib
import hmac
import json
import pickle
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from fastapi_lint.cache import _MAGIC, ResultsCache
from fastapi_lint.cli import main

ROUTES = '''import time
from fastapi import APIRouter, Depends
from .deps import get_db
router = APIRouter()
@router.get("/items/{item_id}")
async def read(item_id: int, db=Depends(get_db)):
    time.sleep(1)
    db.get(dict, item_id)
    return {}
'''
DEPS = '''from sqlalchemy.orm import sessionmaker
SessionLocal = sessionmaker()
def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
'''


class _Payload:
    """A pickle that writes a marker file when loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pickle ran"))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("FASTAPI_LINT_NO_CACHE", raising=False)
    monkeypatch.delenv("FASTAPI_LINT_CACHE_KEY", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    monkeypatch.chdir(root)
    (root / "pyproject.toml").write_text("[tool.fastapi-lint]\nselect = ['ALL']\n")
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "deps.py").write_text(DEPS)
    (root / "app" / "routes.py").write_text(ROUTES)
    (root / "app" / "main.py").write_text(
        "from fastapi import FastAPI\nfrom .routes import router\napp = FastAPI()\napp.include_router(router)\n")
    return root


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--output-format", "json", "--jobs", "1", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, result.stdout


def cache_file(root: Path) -> Path:
    (found,) = (root / ".fastapi_lint_cache").rglob("*.json")
    return found


def assert_miss_and_same(root: Path, expected: tuple[int, str]) -> None:
    """The cache file as it stands now loads as empty, and a cached run equals a run without the cache."""
    file = cache_file(root)
    loaded = ResultsCache(file.parent.parent, file.stem)
    assert loaded.entries == {} and loaded.project is None and loaded.needed == {}
    assert run(".") == expected
    assert run(".", "--no-cache") == expected


def test_a_signed_cache_is_used(project: Path) -> None:
    expected = run(".", "--no-cache")
    assert json.loads(expected[1])  # the project has findings
    assert run(".") == expected
    file = cache_file(project)
    assert file.read_bytes().startswith(_MAGIC)
    loaded = ResultsCache(file.parent.parent, file.stem)
    assert loaded.entries and loaded.project is not None
    assert run(".") == expected


@pytest.mark.parametrize("cut", [0, 1, len(_MAGIC), len(_MAGIC) + 10, 0.5, -1])
def test_a_truncated_cache_is_a_miss(project: Path, cut: float) -> None:
    expected = run(".", "--no-cache")
    run(".")
    file = cache_file(project)
    data = file.read_bytes()
    size = int(len(data) * cut) if isinstance(cut, float) else (cut if cut >= 0 else len(data) + cut)
    file.write_bytes(data[:size])
    assert_miss_and_same(project, expected)


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_are_a_miss(project: Path, seed: int) -> None:
    expected = run(".", "--no-cache")
    run(".")
    file = cache_file(project)
    rng = random.Random(seed)
    junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 5000)))
    file.write_bytes((_MAGIC if seed % 2 else b"") + junk)
    assert_miss_and_same(project, expected)


def _split(body: bytes) -> tuple[dict, bytes]:
    """A cache body's index (JSON) and blob section."""
    length, _, rest = body.partition(b"\n")
    return json.loads(rest[:int(length)]), rest[int(length):]


def _join(index: dict, blobs: list[bytes]) -> bytes:
    """A cache body from an index whose blob references are positions in ``blobs``."""
    offsets, at = [], 0
    for blob in blobs:
        offsets.append([at, len(blob)])
        at += len(blob)

    def fix(ref):
        return None if ref is None else offsets[ref]

    for raw in index["entries"].values():
        raw[5], raw[7] = fix(raw[5]), fix(raw[7])
    if index.get("project"):
        index["project"][2] = fix(index["project"][2])
    text = json.dumps(index).encode("ascii")
    return str(len(text)).encode() + b"\n" + text + b"".join(blobs)


def _rewrite(body: bytes, report=None, summary=None, project=None) -> bytes:
    """``body`` with every report, summary and project blob passed through the given functions."""
    index, section = _split(body)
    blobs: list[bytes] = []

    def take(ref, change):
        if ref is None:
            return None
        blob = section[ref[0]:ref[0] + ref[1]]
        blobs.append(change(blob) if change else blob)
        return len(blobs) - 1

    for raw in index["entries"].values():
        raw[5], raw[7] = take(raw[5], report), take(raw[7], summary)
    if index.get("project"):
        index["project"][2] = take(index["project"][2], project)
    return _join(index, blobs)


def _no_findings(blob: bytes) -> bytes:
    report = json.loads(blob)
    report["a"][1] = []  # FileReport.findings
    return json.dumps(report).encode("ascii")


def _tamper(body: bytes) -> bytes:
    """A well-formed cache body whose reports say there is nothing to report."""
    return _rewrite(body, report=_no_findings, project=lambda blob: b'{"t":[[],[]]}')


def test_a_tampered_but_well_formed_cache_is_a_miss(project: Path) -> None:
    expected = run(".", "--no-cache")
    run(".")
    file = cache_file(project)
    data = file.read_bytes()
    mac, _, body = data[len(_MAGIC):].partition(b"\n")
    file.write_bytes(_MAGIC + mac + b"\n" + _tamper(body))  # the old signature
    assert_miss_and_same(project, expected)
    # signed again by someone who does not hold the key: another key, no key, a plain hash
    tampered = _tamper(body)
    for key in (b"guess", b""):
        forged = hmac.new(key, _MAGIC + tampered, "sha256").hexdigest().encode()
        file.write_bytes(_MAGIC + forged + b"\n" + tampered)
        assert_miss_and_same(project, expected)
    file.write_bytes(_MAGIC + hashlib.sha256(tampered).hexdigest().encode() + b"\n" + tampered)
    assert_miss_and_same(project, expected)


def test_a_foreign_cache_is_a_miss(project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    expected = run(".", "--no-cache")
    # made on another machine (another key), then copied in: a miss
    monkeypatch.setenv("FASTAPI_LINT_CACHE_KEY", "another machine's key")
    run(".")
    monkeypatch.delenv("FASTAPI_LINT_CACHE_KEY")
    assert_miss_and_same(project, expected)
    # the same key shared on purpose (CI): used
    monkeypatch.setenv("FASTAPI_LINT_CACHE_KEY", "a shared secret")
    run(".")
    file = cache_file(project)
    assert ResultsCache(file.parent.parent, file.stem).entries
    # a file made for another run (other settings) under this run's name: a miss
    other = file.with_name("0" * 24 + ".json")
    file.rename(other)
    (project / "pyproject.toml").write_text("[tool.fastapi-lint]\nselect = ['FAPI201']\n")
    run(".")
    (project / "pyproject.toml").write_text("[tool.fastapi-lint]\nselect = ['ALL']\n")
    for path in file.parent.glob("*.json"):
        if path != other:
            path.replace(file)
    other.unlink()
    assert_miss_and_same(project, expected)


def test_a_pickle_in_the_cache_folder_never_runs(project: Path, tmp_path: Path) -> None:
    expected = run(".", "--no-cache")
    run(".")
    file = cache_file(project)
    marker = tmp_path / "MARKER"
    payload = pickle.dumps({"format": 5, "entries": _Payload(marker)})
    file.with_suffix(".pickle").write_bytes(payload)  # where the old format lived
    file.write_bytes(payload)
    assert_miss_and_same(project, expected)
    file.write_bytes(_MAGIC + b"0" * 64 + b"\n" + payload)
    assert_miss_and_same(project, expected)
    assert not marker.exists()


def test_signed_but_malformed_values_are_a_miss(project: Path) -> None:
    """A file signed with the right key whose values do not decode (a bug of ours,
    an older build): every entry that does not decode to the expected types is a
    miss, never a traceback."""
    from fastapi_lint.cache import _signed

    expected = run(".", "--no-cache")
    run(".")
    file = cache_file(project)
    body = file.read_bytes()[len(_MAGIC):].partition(b"\n")[2]
    bad_values = [
        {"c": "os.system", "a": ["echo hi"]},
        {"c": "Span", "a": ["x", 1, 1, 1]},
        {"c": "Span", "a": [1, 1]},
        {"e": "Severity", "v": "catastrophic"},
        {"q": []},
        "not a report",
        {"c": "FileReport", "a": []},
    ]
    for index, bad in enumerate(bad_values):
        text = json.dumps(bad).encode("ascii")
        broken = _rewrite(body, report=lambda blob: text, summary=lambda blob: text, project=lambda blob: text)
        file.write_bytes(b"".join(_signed([broken])))
        assert run(".") == expected
    # references out of the file, wrong shapes: signed, still a miss
    parsed, section = _split(body)
    for raw in parsed["entries"].values():
        raw[5] = [len(section), 10]
    parsed["needed"] = {"k": [[1], {"a": 2}]}
    parsed["project"] = [1, 2]
    text = json.dumps(parsed).encode("ascii")
    file.write_bytes(b"".join(_signed([str(len(text)).encode() + b"\n" + text + section])))
    loaded = ResultsCache(file.parent.parent, file.stem)
    assert loaded.entries == {} and loaded.project is None and loaded.needed == {}
    assert run(".") == expected


def test_the_signing_key_lives_outside_the_project(project: Path, tmp_path: Path) -> None:
    run(".")
    key_file = tmp_path / "user-cache" / "fastapi-lint" / "cache-key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert not any(p.name == "cache-key" for p in project.rglob("*"))
    before = key_file.read_bytes()
    run(".")
    assert key_file.read_bytes() == before


def test_the_codec_round_trips_every_fixture_report() -> None:
    """Everything a report holds is a type the codec knows: reports of every fixture,
    with their module summaries, decode equal to what was encoded."""
    from fastapi_lint.config import Settings
    from fastapi_lint.run.file import Linter
    from fastapi_lint.reports import CODEC

    fixtures = Path(__file__).parent / "fixtures"
    linter = Linter(Settings(project_root=fixtures, select=["ALL"]))
    checked = 0
    for path in sorted(fixtures.rglob("*.py")):
        report = linter.lint_file(path)
        again = CODEC.loads(CODEC.dumps(report))
        assert again == report, path
        checked += 1
    assert checked > 50


# -- a cache folder shipped by a repository ---------------------------------------------

TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# a cache directory tag created by fastapi-lint\n"


@pytest.mark.parametrize("link", ["version-folder", "gitignore", "tag"])
def test_links_in_a_shipped_cache_folder_never_write_elsewhere(project: Path, tmp_path: Path, link: str) -> None:
    from fastapi_lint import __version__

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine")
    cache = project / ".fastapi_lint_cache"
    cache.mkdir()
    if link != "tag":
        (cache / "CACHEDIR.TAG").write_text(TAG)
    if link == "version-folder":
        (cache / __version__).symlink_to(outside)
    elif link == "gitignore":
        (cache / ".gitignore").symlink_to(outside / "planted")
    else:
        (cache / ".gitignore").write_text("*\n")
        (cache / "CACHEDIR.TAG").symlink_to(outside / "planted")
    expected = run(".", "--no-cache")
    assert run(".") == expected
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_cache_tag_that_is_a_device_or_fifo_neither_hangs_nor_eats_memory(project: Path, target: str) -> None:
    import os

    cache = project / ".fastapi_lint_cache"
    cache.mkdir()
    if target == "fifo":
        os.mkfifo(cache / "CACHEDIR.TAG")
    else:
        (cache / "CACHEDIR.TAG").symlink_to(target)
    expected = run(".", "--no-cache")
    assert run(".") == expected  # the folder is not ours: not used, not written


def test_clean_removes_only_what_the_tool_wrote(project: Path) -> None:
    """``cache-dir = "."`` makes the project root the cache folder: ``clean`` must not
    delete the project."""
    (project / "pyproject.toml").write_text("[tool.fastapi-lint]\nselect = ['ALL']\ncache-dir = '.'\n")
    (project / "CACHEDIR.TAG").write_text(TAG)
    run(".")
    result = CliRunner().invoke(main, ["clean"])
    assert result.exit_code == 0, result.output
    assert (project / "app" / "routes.py").exists() and (project / "pyproject.toml").exists()


def test_files_astroid_read_are_inputs_of_the_cached_project_result(project: Path) -> None:
    """A module only inference reads (excluded from linting) changes: the cached
    project result is not reused."""
    (project / "pyproject.toml").write_text(
        "[tool.fastapi-lint]\nselect = ['FAPI201']\nextend-exclude = ['app/db.py']\n"
        "[tool.fastapi-lint.blocking-call-in-async-route]\nextend-blocking-calls = ['app.db.SyncSession.query']\n")
    (project / "app" / "db.py").write_text(
        "class SyncSession:\n    def query(self, x):\n        return x\n"
        "class Other:\n    def query(self, x):\n        return x\n"
        "class Database:\n    def session(self):\n        return SyncSession()\n"
        "database = Database()\n")
    (project / "app" / "deps.py").write_text(
        "from .db import database\ndef get_db():\n    session = database.session()\n    yield session\n")
    (project / "app" / "routes.py").write_text(
        "from fastapi import APIRouter, Depends\nfrom .deps import get_db\nrouter = APIRouter()\n"
        "@router.get('/')\nasync def index(db=Depends(get_db)) -> dict:\n    db.query(1)\n    return {}\n")
    assert run(".") == run(".", "--no-cache")
    assert "FAPI201" in run(".")[1]
    db = project / "app" / "db.py"
    db.write_text(db.read_text().replace("return SyncSession()", "return Other()"))
    assert run(".") == run(".", "--no-cache")
    assert "FAPI201" not in run(".")[1]


@pytest.mark.parametrize("bad", [[1, 2], ["x"], [{"c": "Span", "a": [1, 0, 1, 1]}]])
def test_signed_reports_with_wrong_inner_types_are_a_miss(project: Path, bad: list) -> None:
    from fastapi_lint.cache import _signed

    expected = run(".", "--no-cache")
    run(".")
    file = cache_file(project)
    body = file.read_bytes()[len(_MAGIC):].partition(b"\n")[2]

    def findings(blob: bytes) -> bytes:
        report = json.loads(blob)
        report["a"][1] = bad  # FileReport.findings
        return json.dumps(report).encode("ascii")

    broken = _rewrite(body, report=findings, project=lambda blob: json.dumps({"t": [bad, []]}).encode("ascii"))
    file.write_bytes(b"".join(_signed([broken])))
    assert run(".") == expected


def test_a_relative_xdg_cache_home_is_ignored(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", ".cache")
    monkeypatch.setenv("HOME", str(project.parent / "home"))
    run(".")
    assert not (project / ".cache").exists()
    assert (project.parent / "home" / ".cache" / "fastapi-lint" / "cache-key").exists()
