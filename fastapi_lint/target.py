"""The FastAPI (and Pydantic) version a project targets, as Ruff's ``target-version``.

Several rules and fixes rest on a FastAPI behaviour that changed between versions
(each rule's page gives its window): ``Annotated`` dependencies (0.95), the return
annotation as the response model (0.89), ``lifespan`` (0.93), yield dependencies
that exit before background tasks run (0.106 to 0.117; from 0.121 again with
``Depends(..., scope="function")``).

The version is, in order:

1. ``fastapi-version`` in the configuration (``"0.110"``, ``"0.95.1"``);
2. else the **lowest version the project's own declarations allow**, read from the
   project root: PEP 621 ``[project]`` dependencies, optional dependencies and
   ``[dependency-groups]``, Poetry's ``[tool.poetry.*dependencies]``,
   ``requirements*.txt`` (also under ``requirements/``), and the locked version in
   ``uv.lock``, ``poetry.lock`` and ``Pipfile.lock``. Each declaration gives a lower
   bound (``>=0.100`` -> 0.100, ``==0.95.1``, ``~=0.95``, Poetry's ``^0.95``, a
   lock's exact version); the version is the highest of those bounds, the lowest
   one that satisfies them all;
3. else unknown (``None``): rules whose premise needs the version do not report,
   and version-dependent fixes are unsafe, never safe.

``fastapi-slim`` counts as ``fastapi``. Versions are tuples of ints, ``(0, 95, 1)``.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Version = tuple[int, ...]

_NAMES = {"fastapi": "fastapi", "fastapi-slim": "fastapi", "pydantic": "pydantic"}


@dataclass(frozen=True)
class TargetVersions:
    """``fastapi`` and ``pydantic``: the versions (``None`` when unknown); ``source``:
    where the FastAPI version came from (``"configuration"``, a file name, ``""``)."""

    fastapi: Version | None = None
    pydantic: Version | None = None
    source: str = ""
    #: the lowest Python the project supports (``requires-python``), when declared
    python: Version | None = None

    def fastapi_at_least(self, version: Version) -> bool | None:
        """Whether the project targets FastAPI ``version`` or newer; ``None`` when unknown."""
        return None if self.fastapi is None else self.fastapi >= version

    def fastapi_in(self, low: Version, high: Version | None = None) -> bool | None:
        """Whether the target lies in ``[low, high)``; ``None`` when unknown."""
        if self.fastapi is None:
            return None
        return self.fastapi >= low and (high is None or self.fastapi < high)


def parse_version(text: str) -> Version | None:
    """``"0.95.1"`` -> ``(0, 95, 1)``; ``None`` when it does not start with a number."""
    found = re.match(r"\s*v?(\d+(?:\.\d+)*)", text)
    return tuple(int(p) for p in found.group(1).split(".")) if found else None


def lower_bound(specifier: str) -> Version | None:
    """The lowest version a PEP 440 or Poetry specifier allows, when it has a lower bound."""
    bounds = []
    for part in specifier.split(","):
        part = part.strip()
        found = re.match(r"(===|==|>=|~=|>|\^|~|)\s*v?(\d+(?:\.\d+)*)(\.\*)?", part)
        if found is None:
            continue
        operator, number = found.group(1), found.group(2)
        if operator in ("", "==", "===", ">=", "~=", ">", "^", "~"):
            bounds.append(tuple(int(p) for p in number.split(".")))
    return max(bounds) if bounds else None


def _requirement(line: str) -> tuple[str, Version | None] | None:
    """``(name, lower bound)`` of a PEP 508 requirement line for a package we track."""
    line = line.split("#", 1)[0].split(";", 1)[0].strip()
    found = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(\(?)(.*)", line)
    if found is None:
        return None
    name = _NAMES.get(re.sub(r"[-_.]+", "-", found.group(1)).lower())
    if name is None:
        return None
    return name, lower_bound(found.group(4).rstrip(")"))


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, ValueError, RecursionError):
        return {}


def _declared(root: Path) -> dict[str, list[tuple[Version, str]]]:
    """Package -> [(lower bound, file)] from every declaration under ``root``."""
    found: dict[str, list[tuple[Version, str]]] = {"fastapi": [], "pydantic": []}

    def add(entry: tuple[str, Version | None] | None, where: str) -> None:
        if entry is not None and entry[1] is not None:
            found[entry[0]].append((entry[1], where))

    pyproject = _read_toml(root / "pyproject.toml")
    project = pyproject.get("project") if isinstance(pyproject.get("project"), dict) else {}
    lines = list(project.get("dependencies") or [])
    for group in (project.get("optional-dependencies") or {}).values():
        lines.extend(group if isinstance(group, list) else [])
    for group in (pyproject.get("dependency-groups") or {}).values():
        lines.extend(item for item in (group if isinstance(group, list) else []) if isinstance(item, str))
    for line in lines:
        if isinstance(line, str):
            add(_requirement(line), "pyproject.toml")
    poetry = (pyproject.get("tool") or {}).get("poetry") or {}
    tables = [poetry.get("dependencies") or {}, poetry.get("dev-dependencies") or {}]
    tables += [(g or {}).get("dependencies") or {} for g in (poetry.get("group") or {}).values()]
    for table in tables:
        for key, value in table.items() if isinstance(table, dict) else ():
            name = _NAMES.get(str(key).lower())
            spec = value.get("version") if isinstance(value, dict) else value
            if name is not None and isinstance(spec, str):
                bound = lower_bound(spec)
                if bound is not None:
                    found[name].append((bound, "pyproject.toml"))
    requirement_files = sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    for path in requirement_files:
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            if not line.strip().startswith(("-", "#")):
                add(_requirement(line), path.relative_to(root).as_posix())
    for lock in ("uv.lock", "poetry.lock"):
        for package in _read_toml(root / lock).get("package") or []:
            name = _NAMES.get(str(package.get("name", "")).lower()) if isinstance(package, dict) else None
            version = parse_version(str(package.get("version", ""))) if name else None
            if name and version:
                found[name].append((version, lock))
    try:
        pipfile = json.loads((root / "Pipfile.lock").read_text())
    except (OSError, ValueError):
        pipfile = {}
    for section in ("default", "develop"):
        for key, value in (pipfile.get(section) or {}).items() if isinstance(pipfile, dict) else ():
            name = _NAMES.get(str(key).lower())
            if name and isinstance(value, dict) and isinstance(value.get("version"), str):
                bound = lower_bound(value["version"])
                if bound:
                    found[name].append((bound, "Pipfile.lock"))
    return found


def target_versions(root: Path, configured: str | None = None) -> TargetVersions:
    """The versions the project at ``root`` targets (see the module docstring)."""
    declared = _declared(Path(root))
    pydantic = max((v for v, _ in declared["pydantic"]), default=None)
    project = _read_toml(Path(root) / "pyproject.toml").get("project")
    requires = project.get("requires-python") if isinstance(project, dict) else None
    python = lower_bound(requires) if isinstance(requires, str) else None
    if configured:
        return TargetVersions(parse_version(configured), pydantic, "configuration", python)
    if not declared["fastapi"]:
        return TargetVersions(None, pydantic, "", python)
    version, source = max(declared["fastapi"])
    return TargetVersions(version, pydantic, source, python)
