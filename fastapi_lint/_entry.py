"""The console script's entry point: answers ``--version`` before importing anything
heavy (click, rich, libcst, the rules), so it stays well under 150 ms. It imports
nothing before :func:`~fastapi_lint.importpath.isolate_process` has cleaned the
import path (no ``from __future__``: that is an import too)."""

import sys


def main() -> None:
    from fastapi_lint.importpath import isolate_process

    isolate_process()  # nothing of the linted project may be imported by name
    if sys.argv[1:] in (["--version"], ["-V"]):
        from fastapi_lint import __version__

        sys.stdout.write(f"fastapi-lint {__version__}\n")
        sys.exit(0)
    from fastapi_lint.cli import main as cli_main

    cli_main()
