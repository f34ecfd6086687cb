"""The command line: ``fastapi-lint [OPTIONS] [PATHS]...`` and its subcommands.

A thin shell over :mod:`fastapi_lint.api`: it parses options, merges them with
the configuration, runs the linter and renders. Exit codes follow Ruff: 0 no
findings (or ``--exit-zero``), 1 findings, 2 usage, configuration or internal
error. Heavy modules are imported only by the commands that need them, so
``fastapi-lint --version`` stays fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from fastapi_lint import __version__

COMMANDS_EPILOG = """\b
Other commands:
  fastapi-lint rules            List every rule (code, name, default, fix).
  fastapi-lint routes [PATHS]   List every path operation: full path, handler, auth.
  fastapi-lint explain CODE     Show a rule's documentation (code or name).

Exit status: 0 no findings, 1 findings, 2 usage, configuration or internal error.
"""


class Failure(click.ClickException):
    """A usage, configuration or internal error: exit code 2 (click's default is 1)."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"fastapi-lint: error: {self.format_message()}", err=True)


class _DefaultToCheck(click.Group):
    """``fastapi-lint [OPTIONS] [PATHS]`` means ``fastapi-lint check [OPTIONS] [PATHS]``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] != "--version"):
            args = ["check", *args]
        return super().parse_args(ctx, args)


def _codes(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list[str] | None:
    if not values:
        return None
    codes = [c.strip().upper() for value in values for c in value.split(",") if c.strip()]
    if not codes:
        raise click.BadParameter("no rule code given")
    from fastapi_lint.config import ConfigError, check_selector
    from fastapi_lint.registry import RuleLoadError

    try:
        for code in codes:
            check_selector(code, f"--{param.name.replace('_', '-')}")  # type: ignore[union-attr]
    except ConfigError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[-1]) from None
    except RuleLoadError as exc:
        raise Failure(str(exc)) from None
    return codes


@click.group(cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="fastapi-lint", message="%(prog)s %(version)s")
def main() -> None:
    """fastapi-lint: a linter for FastAPI projects."""


@main.command(epilog=COMMANDS_EPILOG)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--select", multiple=True, callback=_codes, metavar="CODES",
              help="Rules to enable, replacing the configuration's selection (codes, prefixes or ALL).")
@click.option("--extend-select", multiple=True, callback=_codes, metavar="CODES",
              help="Rules to enable in addition to the selection.")
@click.option("--ignore", multiple=True, callback=_codes, metavar="CODES", help="Rules to disable.")
@click.option("--output-format", type=click.Choice(["full", "concise", "json", "sarif", "github"]), default=None,
              help="How to print findings [default: full].")
@click.option("-o", "--output", "output_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to this file instead of standard output.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings (errors still exit 2).")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule instead of each one.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no summary.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Read settings from this pyproject.toml instead of discovering one.")
@click.option("--isolated", is_flag=True, help="Ignore configuration files.")
@click.option("--force-exclude/--no-force-exclude", default=None,
              help="Apply exclusions to paths given on the command line too (for pre-commit).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes [default: all cores].")
@click.option("--fix/--no-fix", default=None, help="Apply safe fixes (and unsafe ones with --unsafe-fixes).")
@click.option("--unsafe-fixes/--no-unsafe-fixes", default=None,
              help="Also apply (with --fix) or show (with --diff) fixes that may change behaviour.")
@click.option("--diff", is_flag=True, help="Print the changes --fix would make, write nothing (exit 1 if any).")
@click.option("--show-fixes/--no-show-fixes", default=None, help="List the findings that were fixed.")
@click.option("--fix-only", is_flag=True, help="Apply fixes and report nothing else (exit 0 unless an error).")
@click.option("--preview/--no-preview", default=None,
              help="Run rules in preview (new or still noisy; see `fastapi-lint rules`).")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of internal errors.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the results cache (also FASTAPI_LINT_NO_CACHE=1).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to keep the results cache (default: .fastapi_lint_cache at the project root).")
def check(paths: tuple[Path, ...], select: list[str] | None, extend_select: list[str] | None,
          ignore: list[str] | None, output_format: str | None, output_file: Path | None, exit_zero: bool,
          statistics: bool, quiet: bool, config_file: Path | None, isolated: bool, force_exclude: bool | None,
          jobs: int | None, fix: bool | None, unsafe_fixes: bool | None, diff: bool, show_fixes: bool | None,
          fix_only: bool, verbose: bool, no_cache: bool = False, cache_dir: Path | None = None,
          preview: bool | None = None) -> None:
    """Lint FastAPI code in PATHS (files or directories; default: the configured `src`, or `.`)."""
    from fastapi_lint.config import ConfigError, Selection
    from fastapi_lint.discovery import DiscoveryError
    from fastapi_lint.registry import RuleLoadError
    from fastapi_lint.reports import FixMode
    from fastapi_lint.run.workspace import Overrides, Workspace

    selection = None
    if select is not None or extend_select or ignore:
        selection = Selection(select, list(extend_select or []), list(ignore or []))
    overrides = Overrides(selection=selection, force_exclude=force_exclude, output_format=output_format,
                          no_cache=no_cache, cache_dir=cache_dir, fix=fix, unsafe_fixes=unsafe_fixes,
                          show_fixes=show_fixes, preview=preview)
    workspace = Workspace(config_file=config_file, isolated=isolated, overrides=overrides, jobs=jobs)
    try:
        groups = workspace.configure(list(paths))
        settings = groups[0][0]
        for note in workspace.notes(groups):
            click.echo(f"warning: {note}", err=True)
        fixing = settings.fix or fix_only or diff
        mode = FixMode(unsafe=settings.unsafe_fixes) if fixing else None
        result = workspace.check(list(paths), fix=mode, groups=groups,
                                 progress=lambda total: _progress(total, settings.output_format, output_file))
        report, files, groups = result.report, result.files, result.groups
    except (ConfigError, DiscoveryError, RuleLoadError) as exc:
        raise Failure(str(exc)) from None

    if diff:
        sys.exit(_print_diff(report, verbose))
    if fixing:
        _write_fixes(report)
    try:
        stream = open(output_file, "w", encoding="utf-8", newline="\n") if output_file is not None else sys.stdout
    except OSError as exc:
        raise Failure(f"cannot write {output_file}: {exc.strerror or exc}") from None
    try:
        try:
            if fix_only:
                _render_fix_only(report, stream, settings.show_fixes, verbose)
            else:
                _render(report, files, settings, stream, statistics, quiet, verbose, fixing, [s for s, _ in groups])
            stream.flush()
        finally:
            if output_file is not None:
                stream.close()
    except OSError as exc:  # disk full, closed pipe: an error, never "findings"
        where = output_file or "the output"
        raise Failure(f"cannot write {where}: {exc.strerror or exc}") from None
    if any(e.is_error for e in report.errors):
        sys.exit(2)
    if fix_only:
        sys.exit(0)
    sys.exit(1 if report.findings and not exit_zero else 0)


#: a run with fewer files finishes before a bar would help
PROGRESS_MIN_FILES = 200


class _progress:
    """A rich progress bar on stderr while files are linted: only on a terminal, for
    a human format (``full``/``concise``) and for runs of at least
    :data:`PROGRESS_MIN_FILES` files; it disappears when done. Otherwise a no-op."""

    def __init__(self, total: int, output_format: str, output_file: Path | None) -> None:
        self.total = total
        self.enabled = (total >= PROGRESS_MIN_FILES and output_format in ("full", "concise")
                        and sys.stderr.isatty() and not os.environ.get("CI"))
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("Linting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=True)
        self.bar.start()
        task = self.bar.add_task("lint", total=self.total)
        return lambda n: self.bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _write_fixes(report: Any) -> None:
    """Write every fixed file; a file that cannot be written becomes an internal error."""
    from fastapi_lint.diagnostics import InternalError
    from fastapi_lint.fixer import FileChanged, encode, write_fixed

    kept = []
    for file_report in report.fixed:
        try:
            data = encode(file_report.fixed.fixed, file_report.encoding)
            write_fixed(Path(file_report.source_path), data, file_report.digest)
            kept.append(file_report)
        except (FileChanged, OSError, UnicodeEncodeError) as exc:
            report.errors.append(InternalError(file_report.path, f"fixes not written: {exc}"))
            # Not written: its findings are still there.
            report.findings.extend(file_report.applied)
    report.findings.sort(key=lambda f: f.sort_key)
    report.fixed[:] = kept


def _print_diff(report: Any, verbose: bool) -> int:
    import difflib

    from rich.console import Console

    from fastapi_lint.output import text

    err = Console(stderr=True, highlight=False, markup=False, emoji=False)
    text.render_errors(err, report.errors, verbose)
    for file_report in report.fixed:
        result = file_report.fixed
        lines = difflib.unified_diff(
            result.original.splitlines(keepends=True), result.fixed.splitlines(keepends=True),
            fromfile=f"a/{file_report.path}", tofile=f"b/{file_report.path}",
        )
        for line in lines:
            sys.stdout.write(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n")
    count = len(report.applied)
    if count:
        click.echo(f"Would fix {count} finding{'s' if count != 1 else ''}.", err=True)
    else:
        click.echo("No fixes to apply.", err=True)
    if any(e.is_error for e in report.errors):
        return 2
    return 1 if report.fixed else 0


def _render_fix_only(report: Any, stream: Any, show_fixes: bool, verbose: bool) -> None:
    from rich.console import Console

    from fastapi_lint.output import text

    err = Console(stderr=True, highlight=False, markup=False, emoji=False)
    text.render_errors(err, report.errors, verbose)
    console = Console(file=stream, highlight=False, markup=False, emoji=False, soft_wrap=True)
    if show_fixes:
        text.render_fixes(console, report.applied)
    count = len(report.applied)
    console.print(f"Fixed {count} finding{'s' if count != 1 else ''}." if count else "No fixes applied.")


def _render(report: Any, files: list[Path], settings: Any, stream: Any, statistics: bool, quiet: bool,
            verbose: bool, fixing: bool, groups_settings: list[Any]) -> None:
    from rich.console import Console

    from fastapi_lint.output import text

    err = Console(stderr=True, highlight=False, markup=False, emoji=False)
    text.render_errors(err, report.errors, verbose)
    if settings.output_format in ("sarif", "github") and not statistics:
        lines_of = _display_lines(report)
        if settings.output_format == "sarif":
            from fastapi_lint.config import enabled_rules
            from fastapi_lint.output.sarif import render_sarif

            rules = {r.code: r for s in groups_settings for r in enabled_rules(s)}
            root = settings.display_root or settings.project_root
            stream.write(render_sarif(report.findings, report.errors, rules.values(), root, lines_of))
        else:
            from fastapi_lint.output.github import render_github

            stream.write(render_github(report.findings, report.errors, lines_of))
        return
    if settings.output_format == "json":
        from fastapi_lint.output.json_format import render_json, render_json_statistics

        stream.write(render_json_statistics(report.findings, settings.unsafe_fixes) if statistics
                     else render_json(report.findings))
        return
    console = Console(file=stream, highlight=False, markup=False, emoji=False, soft_wrap=True)
    unsafe = settings.unsafe_fixes
    if statistics:
        text.render_statistics(console, report.findings, unsafe)
        return
    if settings.output_format == "concise":
        text.render_concise(console, report.findings, unsafe)
    else:
        wanted = {f.path for f in report.findings}
        sources = {path: _lines(Path(report.paths[path]) if path in report.paths else None) for path in wanted}
        text.render_full(console, report.findings, sources, unsafe)
    if settings.show_fixes and fixing:
        text.render_fixes(console, report.applied)
    if not quiet:
        text.render_summary(console, report.findings, report.errors, unsafe,
                            len(report.applied) if fixing else None)


def _display_lines(report: Any) -> Any:
    """A function: displayed path -> the file's lines (``[]`` when unreadable)."""
    return lambda path: _lines(Path(report.paths[path]) if path in report.paths else None)


def _lines(path: Path | None) -> list[str]:
    from fastapi_lint.source import SourceDecodeError, SourceFile

    if path is None:
        return []
    try:
        return SourceFile.from_bytes(str(path), path.read_bytes()).lines
    except (OSError, SourceDecodeError):
        return []


@main.command()
@click.option("--output-format", type=click.Choice(["table", "json"]), default="table")
def rules(output_format: str) -> None:
    """List every rule: code, name, whether it is on by default, and its fix."""
    from fastapi_lint.registry import RuleLoadError, all_rules

    try:
        found = all_rules()
    except RuleLoadError as exc:
        raise Failure(str(exc)) from None
    if output_format == "json":
        import json

        click.echo(json.dumps([_rule_dict(r) for r in found], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="fastapi-lint rules")
    for column in ("Code", "Name", "Status", "Default", "Fix", "Summary"):
        table.add_column(column)
    for rule in found:
        table.add_row(rule.code, rule.name, rule.status, _default_label(rule), _fix_label(rule), rule.summary)
    console = Console(highlight=False, markup=False)
    if not console.is_terminal:
        console.width = 200  # piped: do not truncate names to 80 columns
    console.print(table)


def _default_label(rule: Any) -> str:
    if not rule.default_enabled:
        return "off"
    return "on (with --preview)" if rule.status == "preview" else "on"


def _fix_label(rule: Any) -> str:
    if rule.fix_availability.value == "none" or rule.fix_applicability is None:
        return "-"
    return f"{rule.fix_applicability.value} ({rule.fix_availability.value})"


def _rule_dict(rule: Any) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "summary": rule.summary,
        "severity": rule.severity.value,
        "default_enabled": rule.default_enabled,
        "status": rule.status,
        "fix": rule.fix_availability.value,
        "fix_applicability": rule.fix_applicability.value if rule.fix_applicability else None,
        "url": rule.url(),
    }


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--output-format", type=click.Choice(["table", "json"]), default="table")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Read settings from this file instead of discovering one.")
@click.option("--isolated", is_flag=True, help="Ignore configuration files.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes.")
def routes(paths: tuple[Path, ...], output_format: str, config_file: Path | None, isolated: bool,
           jobs: int | None) -> None:
    """List every path operation of the project: methods, full path, handler, response
    model, dependencies, and whether it is authenticated (and why)."""
    from fastapi_lint.config import ConfigError
    from fastapi_lint.discovery import DiscoveryError
    from fastapi_lint.registry import RuleLoadError
    from fastapi_lint.run.workspace import Workspace

    try:
        rows = Workspace(config_file=config_file, isolated=isolated, jobs=jobs).routes(list(paths))
    except (ConfigError, DiscoveryError, RuleLoadError) as exc:
        raise Failure(str(exc)) from None
    if output_format == "json":
        import json

        click.echo(json.dumps(rows, indent=2, sort_keys=True))
        return
    from rich.console import Console
    from rich.table import Table

    from fastapi_lint.output.text import sanitize

    table = Table(title=f"{len(rows)} path operations")
    for column in ("Methods", "Path", "Handler", "Response model", "Dependencies", "Authenticated"):
        table.add_column(column, overflow="fold")
    for row in rows:
        auth = "yes" if row["authenticated"] else "no"
        table.add_row(
            ", ".join(row["methods"]), sanitize(row["path"] or "?"), sanitize(f"{row['handler']} ({row['location']})"),
            sanitize(row["response_model"] or "-"), sanitize(", ".join(row["dependencies"]) or "-"),
            sanitize(f"{auth}: {row['auth_reason']}"),
        )
    console = Console(highlight=False, markup=False)
    if not console.is_terminal:
        console.width = 220
    console.print(table)


@main.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Show the documentation of RULE (a code such as FAPI201, or a name)."""
    from fastapi_lint.docs import render_rule
    from fastapi_lint.registry import RuleLoadError, rule_by_code_or_name

    try:
        found = rule_by_code_or_name(rule)
    except RuleLoadError as exc:
        raise Failure(str(exc)) from None
    if found is None:
        raise Failure(f"unknown rule {rule!r} (see `fastapi-lint rules`)")
    import re

    markdown = re.sub(r"<!--.*?-->\n?", "", render_rule(found), flags=re.S)
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(markdown))
    else:
        click.echo(markdown, nl=False)


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path), default=None)
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The cache folder to remove (default: the one of the project at PATH).")
def clean(path: Path | None, cache_dir: Path | None) -> None:
    """Remove the results cache of the project at PATH (default: the current directory)."""
    from fastapi_lint.cache import cache_directory, is_ours
    from fastapi_lint.cache import clean as remove
    from fastapi_lint.config import ConfigError, load_settings

    if cache_dir is None:
        try:
            settings = load_settings(path or Path.cwd())
        except ConfigError as exc:
            raise Failure(str(exc)) from None
        cache_dir = cache_directory(settings)
    if cache_dir.exists() and not is_ours(cache_dir):
        raise Failure(f"{cache_dir} is not a fastapi-lint cache folder (no CACHEDIR.TAG of ours): not removed")
    if remove(cache_dir):
        click.echo(f"Removed {cache_dir}")
    else:
        click.echo(f"No cache at {cache_dir}")


if __name__ == "__main__":  # pragma: no cover
    main()
