"""Keep the linted project off the interpreter's import path.

fastapi-lint never imports or runs the code it lints. That takes more than not
importing it on purpose: the standard library and the tool's own libraries import
modules lazily, by name, long after start-up (``import difflib`` for ``--diff``,
astroid's modules and the standard extension modules it loads). Were a folder of
the linted project on ``sys.path``, a ``numbers.py``, ``_decimal.py`` or
``sysconfig.py`` there would run at that moment. So:

* the tool never adds a folder to ``sys.path`` (astroid finds the project's modules
  through its own hook: :mod:`fastapi_lint.project.infer`);
* the command line starts with :func:`isolate_process`, before it imports anything
  but ``sys`` and ``os``: it removes every entry that ``PYTHONPATH`` put there (the
  tool needs none: its dependencies and plugins are installed packages), every
  entry that resolves against the working directory (``""``, relative paths) and
  the working directory itself (which ``python -m`` puts first), and asks spawned
  worker interpreters for the same (``PYTHONSAFEPATH``, Python 3.11+);
* once it knows the project, it removes any entry that is one of the project's
  folders or inside one (:func:`remove_project_folders`, comparing real paths, so a
  symlinked path is recognised);
* an embedding program keeps its own ``sys.path``; inference, the one step that
  resolves module names while the working directory is changed, is skipped when
  :func:`is_isolated` says the path is not safe for the project.

The standard library and site-packages folders are never project folders, also
when a virtual environment lies inside the project; the interpreter's prefix as a
whole is not exempt (a project under ``/usr/src/app`` is still a project).
"""

# This module runs before the import path is clean: it imports nothing but ``os`` and
# ``sys`` (loaded at interpreter start-up), not even ``__future__`` or ``typing``,
# and its annotations are strings.
import os
import sys


def _real(path: "str") -> "str":
    return os.path.normcase(os.path.realpath(path))


#: the interpreter's own folders, found once (they do not change while it runs)
_INTERPRETER_DIRS: "tuple[str, ...] | None" = None


def _interpreter_dirs() -> "tuple[str, ...]":
    global _INTERPRETER_DIRS
    if _INTERPRETER_DIRS is None:
        import site
        import sysconfig

        dirs = {getattr(site, "USER_SITE", None)}
        for name in ("stdlib", "platstdlib", "purelib", "platlib"):
            try:
                dirs.add(sysconfig.get_path(name))
            except KeyError:  # pragma: no cover - an unusual installation scheme
                pass
        _INTERPRETER_DIRS = tuple(os.path.join(_real(d), "") for d in dirs if d)
    return _INTERPRETER_DIRS


def is_interpreter_path(path: "str") -> "bool":
    """Whether ``path`` lies in the standard library or a site-packages folder."""
    return os.path.join(_real(path), "").startswith(_interpreter_dirs())


def is_project_folder(entry: "str", folders: "Iterable[str]") -> "bool":
    """Whether the import path entry ``entry`` is one of ``folders`` or inside one
    (real paths compared), and not the standard library or site-packages."""
    here = os.path.join(_real(entry), "")
    inside = any(here.startswith(os.path.join(_real(folder), "")) for folder in folders)
    return inside and not is_interpreter_path(entry)


def _resolves_against_cwd(entry: "object") -> "bool":
    return not isinstance(entry, str) or not entry or not os.path.isabs(entry)


def is_isolated(folders: "Iterable[str]", path: "list[str] | None" = None) -> "bool":
    """Whether ``path`` (default ``sys.path``) lets nothing in ``folders`` (the
    project root and source roots) be imported by name: no entry that resolves
    against the working directory, none that is a project folder."""
    folders = tuple(folders)
    entries = sys.path if path is None else path
    return not any(_resolves_against_cwd(e) or is_project_folder(e, folders) for e in entries)


def isolate_process() -> "None":
    """At the start of the command line, before anything else is imported: drop the
    ``PYTHONPATH`` entries, the entries that resolve against the working directory
    (``""``, relative entries) and the working directory itself (``python -m``), and
    set ``PYTHONSAFEPATH`` for interpreters the worker pool spawns (macOS, Windows).
    Uses nothing but ``sys`` and ``os`` (loaded at interpreter start-up)."""
    dropped = set()
    for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        if entry:
            dropped.add(_real(entry))
    try:
        dropped.add(_real(os.getcwd()))
    except OSError:
        pass
    sys.path[:] = [e for e in sys.path if not _resolves_against_cwd(e) and _real(e) not in dropped]
    os.environ.setdefault("PYTHONSAFEPATH", "1")


def remove_project_folders(folders: "Iterable[str]") -> "None":
    """Drop every import path entry that is one of ``folders`` or inside one (the
    command line calls this once it knows the project)."""
    folders = tuple(folders)
    sys.path[:] = [e for e in sys.path if not _resolves_against_cwd(e) and not is_project_folder(e, folders)]
