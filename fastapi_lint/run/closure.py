"""Which other files a run must summarize: the project's files around the linted
ones (includers, dependencies, helpers their path operations call), found by cheap
text scans and the summaries, cached with what they rest on."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from fastapi_lint.config import Settings
from fastapi_lint.fixer import file_digest
from fastapi_lint.project.facts import ModuleSummary
from fastapi_lint.reports import FileReport


def _project_files(settings: Settings, files: list[Path]) -> list[Path]:
    """Every Python file of the project the files belong to (with the configured excludes)."""
    from fastapi_lint.discovery import Discovery

    root = Path(os.path.abspath(settings.project_root))
    if not any(_inside(f, root) for f in files):
        return []
    try:
        return Discovery(settings).files([root])
    except Exception:  # an unreadable project tree: the files given are still linted
        return []

def _inside(path: Path, root: Path) -> bool:
    try:
        Path(os.path.abspath(path)).relative_to(root)
        return True
    except ValueError:
        return False

#: text of a module that may put a linted module's routes into an app, or register
#: app-wide handlers and middleware on it
_WIRING = re.compile(rb"include_router|\.mount\(|FastAPI\(|add_api_route|exception_handler"
                     rb"|add_middleware|\.middleware\(|Starlette\(")

def _includers(linted: list[Path], candidates: list[Path], layout: Any) -> list[Path]:
    """The project files (besides ``linted``) the route tree of ``linted`` may run through.

    A linted module's routes reach an app through modules that import it and wire
    routers (``include_router``, ``mount``, app or router construction) or re-export
    it (``__init__.py``), and so on up to the app. Found by text, without parsing:
    a candidate is taken when it mentions FastAPI or Starlette, wires routers (not merely builds one) or is
    a package ``__init__``, and names (as a whole word) the last component of a
    module already taken. Over-taking costs time only; the forward needs (dependency
    targets, called functions) are added later from the summaries. When every
    FastAPI file is linted this is empty.
    """
    texts: dict[Path, bytes] = {}
    for path in candidates:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if (b"fastapi" in data or b"starlette" in data) and (
                path.name == "__init__.py" or _WIRING.search(data)):
            texts[path] = data
    tokens = {_module_token(p, layout) for p in linted}
    taken: list[Path] = []
    while tokens and texts:
        pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(t.encode()) for t in sorted(tokens)) + rb")\b")
        new = [p for p, data in texts.items() if pattern.search(data)]
        if not new:
            break
        tokens = {_module_token(p, layout) for p in new} - tokens
        for p in new:
            del texts[p]
        taken.extend(new)
    return taken

def _module_token(path: Path, layout: Any) -> str:
    """The name an importer spells for ``path``: ``items`` for ``app/api/items.py``
    and for ``app/api/items/__init__.py``."""
    name = layout.by_path.get(os.path.abspath(path)) or Path(path).stem
    return name.rsplit(".", 1)[-1] or Path(path).stem

def _summarized(name: str | None, layout: Any, summarized: set[str]) -> bool:
    module = layout.module_of(name) if name else None
    return module is not None and module in summarized

def _needed_files_cached(reports: list[FileReport], layout: Any, reported: set[str], cache: Any) -> list[Path]:
    """:func:`_needed_files` of the reports' summaries, remembered in the cache: keyed
    by the digests of every summarized module, the project's files and the reported
    set, and valid while every file ``may_block`` read still has the same content. A
    warm run answers without unpickling a summary or scanning a file."""
    key = None
    if cache is not None:
        import hashlib

        parts = sorted(f"{r.source_path}\0{r.digest}" for r in reports if r.summarized)
        parts.append("\0files")
        parts.append(layout.fingerprint())
        parts.append("\0reported")
        parts.extend(sorted(reported))
        key = hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
        found = cache.needed_files(key)
        if found is not None:
            wanted, scanned = found
            known = {os.path.abspath(r.source_path): r.digest for r in reports if r.source_path and r.digest}
            if all(_current_digest(path, known) == value for path, value in scanned.items()):
                layout.scanned_digests.update(scanned)  # what the answer rests on
                return [Path(p) for p in wanted]
    summaries = [summary for r in reports if (summary := r.module_summary()) is not None]
    wanted = _needed_files(summaries, layout, reported)
    if key is not None and all(r.digest is not None for r in reports if r.summarized):
        cache.store_needed_files(key, [str(p) for p in wanted], dict(layout.scanned_digests))
    return wanted

def _current_digest(path: str, known: dict[str, str]) -> str | None:
    """The SHA-256 of a file's bytes: from this run's reports, else read now."""
    value = known.get(path)
    return value if value is not None else file_digest(path)

def _needed_files(summaries: list[ModuleSummary], layout: Any, reported: set[str] | None = None) -> list[Path]:
    """Files of the project modules the project phase will look into and that are not
    summarized yet: dependency targets and the types they provide, aliases used in
    annotations, routers and apps, and the functions async path operations and
    dependencies call (FAPI201 follows blocking calls through them); re-exports of
    those names are followed through the modules already summarized.

    ``reported`` (absolute paths) limits the routes and dependency functions whose
    needs count to those of the files findings are reported for; modules read only
    for their wiring (includes, app-level dependencies) add just that. ``None``:
    every summary counts.
    """
    names: set[str] = set()
    functions = {fid: f for summary in summaries for fid, f in summary.functions.items()}
    async_roots: set[str] = set()
    summarized = {summary.name for summary in summaries}
    for summary in summaries:
        own = reported is None or (summary.source_path is not None
                                   and os.path.abspath(summary.source_path) in reported)
        for route in summary.routes if own else ():
            if route.handler and route.is_async:
                async_roots.add(route.handler)
            if route.owner:
                names.add(route.owner)
            for dep in (*route.dependencies, *(p.dependency for p in route.params if p.dependency)):
                names.update(n for n in (dep.target, dep.call) if n)
            # ``user: CurrentUser``: an Annotated alias defined in another module.
            names.update(p.annotation for p in route.params if p.annotation and p.dependency is None)
        for include in summary.includes:
            # Included routers matter only when they hold reported routes, and every
            # module that can was summarized in the first round (see _includers).
            child = include.child if reported is None or _summarized(include.child, layout, summarized) else None
            names.update(n for n in (include.owner, child, include.factory) if n)
            # include_router(..., dependencies=[Depends(f)]): f may be the route's auth.
            for dep in include.dependencies:
                names.update(n for n in (dep.target, dep.call) if n)
        # Functions handed an app or router register routes, handlers or middleware on it.
        names.update(fid for fid, _, _ in summary.container_arguments)
        for container in summary.containers.values():
            for dep in container.dependencies:
                names.update(n for n in (dep.target, dep.call) if n)
        for symbol in summary.symbols.values():
            if symbol.annotated is not None and symbol.annotated[1] is not None:
                names.update(n for n in (symbol.annotated[1].target, symbol.annotated[0]) if n)
        for fid, function in summary.functions.items() if own else ():
            if any(p.dependency is not None for p in function.params):
                names.update(p.dependency.target for p in function.params if p.dependency and p.dependency.target)
                if function.is_async:
                    async_roots.add(fid)
    by_name = {summary.name: summary for summary in summaries}

    def through_imports(name: str) -> str:
        """``app.services.fetch`` -> ``app.net.fetch`` when services imports it."""
        for _ in range(8):
            head, _, last = name.rpartition(".")
            summary = by_name.get(head)
            symbol = summary.symbols.get(last) if summary is not None else None
            if symbol is None or symbol.kind != "import" or not symbol.target or symbol.target == name:
                return name
            name = symbol.target
        return name

    # Dependencies: what they provide; async request functions: what they call.
    called: set[str] = set()
    providers = {n for n in names if n in functions}
    frontier = [*providers, *async_roots]
    seen: set[str] = set()
    while frontier:
        fid = frontier.pop()
        if fid in seen or fid not in functions:
            continue
        seen.add(fid)
        function = functions[fid]
        more: set[str] = set()
        if fid in providers:
            # What a dependency provides (a session made by a factory elsewhere).
            more.update(t for t in (*function.yield_types, *function.return_types) if t)
            subs = {p.dependency.target for p in function.params if p.dependency and p.dependency.target}
            providers |= subs
            more |= subs
            names |= more
        if fid in async_roots or fid in called:
            # Calling a class builds an object: only functions and methods can block.
            calls = {c for c in function.calls if not c.rpartition(".")[2][:1].isupper()}
            calls |= {through_imports(c) for c in calls}  # a helper re-exported by another module
            called |= calls
            more |= calls
        frontier.extend(n for n in more if n in functions)
    # Re-exports: a name reached through an import in a summarized module.
    pending = list(names)
    for _ in range(4 * len(pending) + 1):
        if not pending:
            break
        name = pending.pop()
        head, _, last = name.rpartition(".")
        summary = by_name.get(head)
        symbol = summary.symbols.get(last) if summary is not None else None
        if symbol is not None and symbol.kind == "import" and symbol.target and symbol.target not in names:
            names.add(symbol.target)
            pending.append(symbol.target)
    out: list[Path] = []
    for name, only_if_blocking in [*((n, False) for n in names), *((n, True) for n in called - names)]:
        module = layout.module_of(name)
        if module is None:
            continue
        paths = layout.by_module[module]
        if only_if_blocking:
            # A module reached only by calls matters only if it can block, itself or
            # through a project module it imports.
            paths = [p for p in paths if layout.may_block(module)]
        out.extend(paths)
    return sorted(set(out))
