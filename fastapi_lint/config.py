"""Configuration: ``[tool.fastapi-lint]`` in ``pyproject.toml``, merged with the CLI.

Keys follow Ruff's (``select``, ``extend-select``, ``ignore``, ``exclude``,
``extend-exclude``, ``per-file-ignores``, ...). Per-rule options live in
``[tool.fastapi-lint.<rule-name>]``. Any unknown key, wrong type or unknown rule
code raises :class:`ConfigError`, which the CLI turns into exit code 2 with a
message naming the file and the key.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SECTION = "fastapi-lint"
#: the option every rule takes: report in test code too (see :data:`DEFAULT_TEST_PATHS`)
INCLUDE_TESTS = "include-tests"

#: Directories never linted (Ruff's defaults, plus our cache).
DEFAULT_EXCLUDE = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache", ".nox",
    ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv", ".vscode",
    "__pypackages__", "__pycache__", "_build", "buck-out", "build", "dist", "node_modules", "site-packages",
    "venv", ".fastapi_lint_cache",
)

#: Test code (gitignore syntax, matched against project-relative paths): rules whose
#: ``report_in_tests`` is off (secrets, debug, CORS, cookies, auth: the 4xx rules) do
#: not report there unless their ``include-tests`` option is set, and apps defined
#: there are not part of the project's route table.
DEFAULT_TEST_PATHS = (
    "tests/", "test/", "testing/", "test_*.py", "*_test.py", "tests.py", "conftest.py",
    "fixtures/", "fixture/", "seed/", "seeds/", "seed_data/", "seeders/",
)

#: Code that does not serve requests (gitignore syntax): migrations, scripts, command
#: lines. A module matching these that defines no app, router or path operation is
#: not judged by the rules about requests (``request_serving_only``: SQL built from
#: request data, debug mode in production); a module there that serves routes is.
DEFAULT_NON_REQUEST_PATHS = (
    "migrations/", "alembic/", "migrations.py", "*_migrations.py", "*_migration.py", "manage.py", "cli.py",
    "management/",
    # at the project root only: inside a package these names often hold request helpers
    "/scripts/", "/tools/", "/bin/", "/cli/", "/commands/",
)

OUTPUT_FORMATS = ("full", "concise", "json", "sarif", "github")


class ConfigError(Exception):
    """A configuration problem: the message names the file and key at fault."""


@dataclass(frozen=True)
class Selection:
    """One layer of rule selection (the configuration's, then the command line's)."""

    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)


@dataclass
class Settings:
    """The effective configuration of a run.

    ``project_root`` is the directory paths are reported relative to (the directory
    of the discovered ``pyproject.toml``, ``setup.cfg`` or ``.git``, else the working
    directory); ``config_file`` the file the settings were read from, if any.
    """

    project_root: Path
    config_file: Path | None = None
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    extend_exclude: list[str] = field(default_factory=list)
    force_exclude: bool = False
    respect_gitignore: bool = True
    src: list[str] = field(default_factory=list)
    #: what is test code (see :data:`DEFAULT_TEST_PATHS`); ``extend-test-paths`` adds
    test_paths: list[str] = field(default_factory=lambda: list(DEFAULT_TEST_PATHS))
    extend_test_paths: list[str] = field(default_factory=list)
    #: what is not request-serving code (see :data:`DEFAULT_NON_REQUEST_PATHS`)
    non_request_paths: list[str] = field(default_factory=lambda: list(DEFAULT_NON_REQUEST_PATHS))
    extend_non_request_paths: list[str] = field(default_factory=list)
    output_format: str = "full"
    fix: bool = False
    unsafe_fixes: bool = False
    show_fixes: bool = False
    #: seconds one file may take (parse, model, rules, fixes) before it becomes an
    #: internal error; 0 disables the budget
    per_file_timeout: float = 60.0
    #: files larger than this many bytes are skipped with a warning (generated code)
    max_file_size: int = 10 * 1024 * 1024
    #: where the results cache lives (default ``.fastapi_lint_cache`` at the project root)
    cache_dir: Path | str | None = None
    no_cache: bool = False
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the command line's selection, applied over the configuration's
    cli_selection: Selection | None = None
    #: the FastAPI version the project targets (``"0.110"``); ``None``: read from the
    #: project's declarations (see :mod:`fastapi_lint.target`)
    fastapi_version: str | None = None
    #: run rules whose status is ``preview`` (``preview = true``, ``--preview``); without
    #: it they never run, even when selected by code (as Ruff)
    preview: bool = False
    #: paths are reported relative to this directory (default: ``project_root``)
    display_root: Path | None = None

    @property
    def source_roots(self) -> tuple[str, ...]:
        """Where module names start (see :func:`source_roots`)."""
        return source_roots(self.project_root, self.src)

    @property
    def target(self) -> Any:
        """The FastAPI and Pydantic versions the project targets
        (:class:`fastapi_lint.target.TargetVersions`), read once."""
        found = self.__dict__.get("_target")
        if found is None:
            from fastapi_lint.target import target_versions

            found = self.__dict__["_target"] = target_versions(self.project_root, self.fastapi_version)
        return found

    @property
    def selections(self) -> list[Selection]:
        layers = [Selection(self.select, self.extend_select, self.ignore)]
        if self.cli_selection is not None:
            layers.append(self.cli_selection)
        return layers


# key -> (type description, validator, Settings attribute)
def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_per_file(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and _is_str_list(v) for k, v in value.items())


_KEYS: dict[str, tuple[str, Any, str]] = {
    "select": ("a list of rule codes", _is_str_list, "select"),
    "extend-select": ("a list of rule codes", _is_str_list, "extend_select"),
    "ignore": ("a list of rule codes", _is_str_list, "ignore"),
    "per-file-ignores": ("a table of glob = [codes]", _is_per_file, "per_file_ignores"),
    "extend-per-file-ignores": ("a table of glob = [codes]", _is_per_file, "extend_per_file_ignores"),
    "exclude": ("a list of globs", _is_str_list, "exclude"),
    "extend-exclude": ("a list of globs", _is_str_list, "extend_exclude"),
    "force-exclude": ("a boolean", lambda v: isinstance(v, bool), "force_exclude"),
    "respect-gitignore": ("a boolean", lambda v: isinstance(v, bool), "respect_gitignore"),
    "src": ("a list of paths", _is_str_list, "src"),
    "test-paths": ("a list of gitignore patterns", _is_str_list, "test_paths"),
    "extend-test-paths": ("a list of gitignore patterns", _is_str_list, "extend_test_paths"),
    "non-request-paths": ("a list of gitignore patterns", _is_str_list, "non_request_paths"),
    "extend-non-request-paths": ("a list of gitignore patterns", _is_str_list, "extend_non_request_paths"),
    "output-format": (f"one of {', '.join(OUTPUT_FORMATS)}", lambda v: v in OUTPUT_FORMATS, "output_format"),
    "fix": ("a boolean", lambda v: isinstance(v, bool), "fix"),
    "unsafe-fixes": ("a boolean", lambda v: isinstance(v, bool), "unsafe_fixes"),
    "show-fixes": ("a boolean", lambda v: isinstance(v, bool), "show_fixes"),
    "preview": ("a boolean", lambda v: isinstance(v, bool), "preview"),
    "fastapi-version": ("a version such as \"0.110\"",
                        lambda v: isinstance(v, str) and re.fullmatch(r"\d+(\.\d+){0,2}", v) is not None,
                        "fastapi_version"),
    "max-file-size": ("a number of bytes", lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0,
                      "max_file_size"),
    "cache-dir": ("a path", lambda v: isinstance(v, str) and v != "", "cache_dir"),
    "per-file-timeout": ("a number of seconds from 0 (no budget) to 86400",
                         lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 86400,
                         "per_file_timeout"),
}


def find_project_root(start: Path) -> Path:
    """The nearest directory at or above ``start`` holding ``pyproject.toml``,
    ``setup.cfg`` or ``.git``; ``start`` itself when there is none."""
    start = start if start.is_dir() else start.parent
    for directory in (start, *start.parents):
        if any((directory / marker).exists() for marker in ("pyproject.toml", "setup.cfg", ".git")):
            return directory
    return start


#: configuration files, by priority within one directory (as Ruff: .ruff.toml, ruff.toml, pyproject.toml)
CONFIG_FILES = (".fastapi-lint.toml", "fastapi-lint.toml", "pyproject.toml")


def find_config_file(start: Path) -> Path | None:
    """The nearest configuration at or above ``start``: a ``.fastapi-lint.toml`` or
    ``fastapi-lint.toml``, or a ``pyproject.toml`` with a ``[tool.fastapi-lint]`` table."""
    start = start if start.is_dir() else start.parent
    for directory in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if not candidate.is_file():
                continue
            if name != "pyproject.toml" or SECTION in _read_toml(candidate).get("tool", {}):
                return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: not valid UTF-8 (byte offset {exc.start})") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def load_settings(start: Path, config_file: Path | None = None, isolated: bool = False) -> Settings:
    """Discover and read the settings for linting paths under ``start``.

    A ``pyproject.toml`` (or any file with a ``[tool.fastapi-lint]`` table) is read from
    that table; a dedicated file (``fastapi-lint.toml``) from its top level. Raises
    :class:`ConfigError` for unreadable or invalid configuration.
    """
    start = start.resolve()
    if isolated:
        if config_file is not None:
            raise ConfigError("--config and --isolated cannot be used together")
        return Settings(project_root=find_project_root(Path.cwd().resolve()))
    if config_file is None:
        config_file = find_config_file(start)
        root = config_file.parent if config_file is not None else find_project_root(start)
    else:
        config_file = config_file.resolve()
        if not config_file.is_file():
            raise ConfigError(f"{config_file}: no such configuration file")
        root = config_file.parent
    settings = Settings(project_root=root, config_file=config_file)
    if config_file is not None:
        data = _read_toml(config_file)
        tool = data.get("tool")
        if isinstance(tool, dict) and SECTION in tool:
            apply_table(settings, tool[SECTION], str(config_file), "tool.fastapi-lint")
        elif config_file.name == "pyproject.toml":
            pass  # a pyproject.toml given with --config but without our table: defaults
        else:
            apply_table(settings, data, str(config_file), "")
    return settings


def apply_table(settings: Settings, table: Any, where: str, prefix: str = "tool.fastapi-lint") -> None:
    """Validate a configuration table (keys under ``prefix``) and store it in ``settings``."""
    from fastapi_lint.registry import all_rules

    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [{prefix}] must be a table")
    # Rule tables are the only keys that need the rule classes: load them only then.
    rules_by_name = {r.name: r for r in all_rules()} if any(k not in _KEYS for k in table) else {}
    extend_per_file: dict[str, list[str]] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if key in _KEYS:
            expected, check, attribute = _KEYS[key]
            if not check(value):
                raise ConfigError(f"{where}: {dotted}: expected {expected}, got {_describe(value)}")
            if attribute == "extend_per_file_ignores":
                extend_per_file = value
            else:
                setattr(settings, attribute, list(value) if isinstance(value, list) else value)
        elif key in rules_by_name:
            rule = rules_by_name[key]
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: {dotted}: expected a table of options for rule {rule.code}")
            options = {o.name: o for o in rule.options}
            checked: dict[str, Any] = {}
            for option_name, option_value in value.items():
                if option_name == INCLUDE_TESTS:
                    if not isinstance(option_value, bool):
                        raise ConfigError(f"{where}: {dotted}.{option_name}: expected a boolean, "
                                          f"got {_describe(option_value)}")
                    checked[option_name] = option_value
                    continue
                option = options.get(option_name)
                if option is None:
                    known = ", ".join(sorted([*options, INCLUDE_TESTS]))
                    raise ConfigError(
                        f"{where}: {dotted}.{option_name}: unknown option of rule {rule.code} (known: {known})"
                    )
                try:
                    checked[option_name] = option.validate(option_value)
                except TypeError as exc:
                    raise ConfigError(f"{where}: {dotted}.{option_name}: {exc}") from None
            settings.rule_options[key] = checked
        else:
            raise ConfigError(f"{where}: {dotted}: unknown configuration key")
    for key in ("test-paths", "extend-test-paths", "non-request-paths", "extend-non-request-paths", "exclude",
                "extend-exclude"):
        if key in table:
            _check_patterns(table[key], f"{where}: {prefix + '.' if prefix else ''}{key}")
    for pattern in (table.get("per-file-ignores") or {}):
        _check_patterns([pattern], f"{where}: {prefix + '.' if prefix else ''}per-file-ignores")
    for key, codes in [("select", settings.select or []), ("extend-select", settings.extend_select),
                       ("ignore", settings.ignore)]:
        for code in codes:
            check_selector(code, f"{where}: {prefix + '.' if prefix else ''}{key}")
    settings.per_file_ignores = {**settings.per_file_ignores, **extend_per_file}
    for pattern, codes in settings.per_file_ignores.items():
        for code in codes:
            check_selector(code, f"{where}: {prefix + '.' if prefix else ''}per-file-ignores.{pattern!r}")


def _check_patterns(patterns: list[str], where: str) -> None:
    """Raise :class:`ConfigError` for a pattern gitignore syntax cannot read (``!``, ``[z-a]``)."""
    import pathspec

    for pattern in patterns:
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern]).match_file("x")
        except Exception as exc:  # pathspec and re raise several kinds
            raise ConfigError(f"{where}: invalid pattern {pattern!r}: {exc}") from None


def _describe(value: Any) -> str:
    if isinstance(value, list):
        bad = next((v for v in value if not isinstance(v, str)), None)
        return f"a list holding {_describe(bad)}" if bad is not None else "list"
    if isinstance(value, dict):
        bad = next((k for k, v in value.items() if not (isinstance(v, list) and all(isinstance(i, str) for i in v))),
                   None)
        return f"a table whose entry {bad!r} is not a list of strings" if bad is not None else "table"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"string {value!r}"
    return type(value).__name__


# --- rule selection ----------------------------------------------------------


def selector_matches(selector: str, code: str) -> bool:
    selector = selector.upper()
    return selector == "ALL" or code.startswith(selector)


def check_selector(selector: str, where: str) -> None:
    """Raise :class:`ConfigError` unless ``selector`` (a code, a prefix or ``ALL``) selects a rule."""
    from fastapi_lint.registry import rule_codes

    if not selector.strip():
        raise ConfigError(f"{where}: empty rule code")
    if not any(selector_matches(selector, code) for code in rule_codes()):
        raise ConfigError(f"{where}: unknown rule code or prefix {selector!r}")


def _specificity(selector: str) -> int:
    return 0 if selector.upper() == "ALL" else len(selector)


def is_enabled(code: str, default_enabled: bool, select: list[str] | None, extend_select: list[str],
               ignore: list[str]) -> bool:
    """Ruff's resolution: the most specific matching selector wins; on a tie, ``ignore`` wins.

    Without ``select``, the rules that are on by default are selected. A rule that
    is off by default is enabled only by a selector that matches it.
    """
    best: tuple[int, int] | None = None  # (specificity, 0 = enable / 1 = disable)
    positives = list(extend_select) + (list(select) if select is not None else [])
    if select is None and default_enabled:
        best = (-1, 0)
    for selector in positives:
        if selector_matches(selector, code):
            candidate = (_specificity(selector), 0)
            best = candidate if best is None or candidate > best else best
    for selector in ignore:
        if selector_matches(selector, code):
            candidate = (_specificity(selector), 1)
            best = candidate if best is None or candidate >= best else best
    return best is not None and best[1] == 0


def enabled_rules(settings: Settings) -> list[type]:
    """The rule classes the settings enable, sorted by code.

    Layers apply in order (the configuration, then the command line): a layer's
    ``select`` replaces what is enabled so far, its ``extend-select`` adds and its
    ``ignore`` removes, the most specific selector winning within the layer. Rules
    whose status is ``preview`` run only when ``settings.preview`` is on.
    """
    from fastapi_lint.registry import all_rules

    enabled = {r.code for r in all_rules() if r.default_enabled}
    for layer in settings.selections:
        enabled = {
            r.code for r in all_rules()
            if is_enabled(r.code, r.code in enabled, layer.select, layer.extend_select, layer.ignore)
        }
    return [r for r in all_rules() if r.status != "removed" and r.code in enabled
            and (r.status != "preview" or settings.preview)]


def preview_selections_without_preview(settings: Settings) -> list[str]:
    """The exact codes of preview rules that the command line selects while preview
    is off (they do not run: the command line warns, as Ruff does). Loads the rules
    only when the command line names a code."""
    from fastapi_lint.registry import all_rules, rule_codes

    layer = settings.cli_selection
    if settings.preview or layer is None:
        return []
    named = {s.upper() for s in [*(layer.select or []), *layer.extend_select]} & set(rule_codes())
    if not named:
        return []
    return sorted(r.code for r in all_rules() if r.status == "preview" and r.code in named)


def relative_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with ``/`` separators (absolute if outside it)."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path(os.path.abspath(root))).as_posix()
    except ValueError:  # outside the root (or on another drive)
        return absolute.as_posix()


def source_roots(project_root: Path, src: list[str]) -> tuple[str, ...]:
    """The source roots of a project (absolute paths)."""
    root = os.path.abspath(project_root)
    roots = [root]
    if os.path.isdir(os.path.join(root, "src")):
        roots.append(os.path.join(root, "src"))
    for entry in src:
        roots.append(os.path.abspath(os.path.join(root, entry)))
    return tuple(dict.fromkeys(roots))
