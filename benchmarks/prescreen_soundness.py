"""Check that rules' pre-screens never skip a file the rule would report on.

Usage: python benchmarks/prescreen_soundness.py DIR [CODE ...]

For every Python file under DIR it runs each rule twice: once as the linter does
(both pre-screens first: on the text, then on the ``ast``) and once with both
forced open, and reports every
file where the forced run finds something the normal run did not. It also prints
how many files each pre-screen admits. Exit status 1 when a pre-screen is unsound.
"""

from __future__ import annotations

import ast
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from fastapi_lint.config import Settings
from fastapi_lint.run.file import Linter
from fastapi_lint.registry import all_rules


def _check(args: tuple[str, list[str]]) -> list[tuple[str, str, bool, int]]:
    path, codes = args
    data = Path(path).read_bytes()
    out = []
    for cls in all_rules():
        if cls.code not in codes:
            continue
        normal = cls()
        forced_cls = type(f"Forced{cls.__name__}", (cls,), {"prescreen": lambda self, text: True,
                                                            "prescreen_tree": lambda self, tree, text: True})
        forced = forced_cls()
        settings = Settings(project_root=Path(path).parent)
        text = data.decode("utf-8", "replace")
        admitted = normal.prescreen(text)
        if admitted:
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                tree = None
            admitted = normal.prescreen_tree(tree, text)
        found = Linter(settings, [forced]).lint_bytes(data, path).findings
        out.append((path, cls.code, admitted, len(found)))
    return out


def main() -> int:
    root = Path(sys.argv[1])
    codes = sys.argv[2:] or [r.code for r in all_rules() if r.code != "FAPI000"]
    files = sorted(str(p) for p in root.rglob("*.py"))
    unsound = 0
    admitted: dict[str, int] = {}
    with ProcessPoolExecutor() as pool:
        for results in pool.map(_check, [(f, codes) for f in files], chunksize=16):
            for path, code, ok, count in results:
                admitted[code] = admitted.get(code, 0) + ok
                if count and not ok:
                    unsound += 1
                    print(f"UNSOUND {code}: {path} has {count} finding(s) but the pre-screen skips it")
    for code in codes:
        print(f"{code}: pre-screen admits {admitted.get(code, 0)} of {len(files)} files")
    print("sound" if not unsound else f"{unsound} unsound file(s)")
    return 1 if unsound else 0


if __name__ == "__main__":
    sys.exit(main())
