"""Ecosystem check: what a change does to the findings on real code, per rule.

Usage::

    python benchmarks/ecosystem.py CORPUS [--base REF] [--select CODES] [--preview]
                                          [--jobs N] [--json OUT] [--limit N]

Lints every package folder of ``CORPUS`` (each its own project, as
``shared/corpus/fetch-corpus.sh`` lays them out) twice: with the tool as it is at the
git ref ``--base`` (default ``HEAD``; checked out with ``git worktree`` into a
temporary folder, run by the same interpreter with that folder first on its import
path) and with the working tree. Prints, per rule, the findings added and removed
(package, file, line, column, message), then a table of totals per rule: before,
after, added, removed. Output is sorted, so two runs on the same inputs print the
same text. Exit status 0 (a report, not a gate).

Each side keeps its own results cache under ``--cache-dir`` (default
``$TMPDIR/fastapi-lint-ecosystem``), keyed by the side's commit (the working tree's
cache is keyed by its own code, as every cache is): a rerun after a small change
re-lints only what the change can affect. ``--no-cache`` runs both sides cold.
``--json OUT`` writes both sides' findings for other scripts (the judged ledger).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

#: a finding's identity in this comparison: the corpus does not change between sides
Key = tuple[str, str, int, int, str, str]


def _packages(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith("."))


def _run_side(source: Path, package: Path, args: list[str], cache: Path | None, jobs: int) -> list[dict]:
    """The JSON findings of the tool whose package lies in ``source`` on ``package``."""
    launcher = (
        "import sys\n"
        f"sys.path.insert(0, {str(source)!r})\n"
        "import fastapi_lint\n"
        f"assert fastapi_lint.__file__.startswith({str(source)!r}), fastapi_lint.__file__\n"
        "from fastapi_lint._entry import main\n"
        "sys.argv = ['fastapi-lint', *sys.argv[1:]]\n"
        "main()\n"
    )
    command = [sys.executable, "-P", "-c", launcher, "check", str(package), "--output-format", "json",
               "--exit-zero", "-q", "--jobs", str(jobs), *args]
    command += ["--cache-dir", str(cache)] if cache is not None else ["--no-cache"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=package, timeout=3600)
    if done.returncode != 0:
        sys.stderr.write(f"{package.name}: exit {done.returncode}\n{done.stderr[-2000:]}\n")
        return []
    return json.loads(done.stdout or "[]")


def _keys(package: Path, findings: list[dict]) -> list[Key]:
    out = []
    for f in findings:
        name = f["filename"]
        if os.path.isabs(name):
            name = os.path.relpath(name, package)
        out.append((package.name, name, f["location"]["row"], f["location"]["column"], f["code"], f["message"]))
    return out


def _checkout(ref: str, into: Path) -> str:
    commit = subprocess.run(["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout.strip()
    subprocess.run(["git", "worktree", "add", "--detach", "-f", str(into), commit], cwd=REPO, check=True,
                   capture_output=True)
    return commit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--base", default="HEAD", help="git ref of the tool to compare against (default HEAD)")
    parser.add_argument("--select", help="rule selection for both sides (default: each side's defaults)")
    parser.add_argument("--preview", action="store_true", help="run both sides with --preview (if they know it)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "fastapi-lint-ecosystem")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--json", type=Path, help="write both sides' findings here")
    parser.add_argument("--limit", type=int, default=50, help="findings listed per rule and direction")
    parser.add_argument("--packages", nargs="*", help="only these package folders")
    options = parser.parse_args(argv)

    args: list[str] = []
    if options.select:
        args += ["--select", options.select]
    if options.preview:
        args.append("--preview")
    packages = _packages(options.corpus)
    if options.packages:
        packages = [p for p in packages if p.name in options.packages]

    sides: dict[str, list[Key]] = {"base": [], "head": []}
    with tempfile.TemporaryDirectory(prefix="fastapi-lint-base-") as temp:
        checkout = Path(temp) / "tree"
        commit = _checkout(options.base, checkout)
        try:
            for package in packages:
                for side, source, tag in (("base", checkout, commit[:12]), ("head", REPO, "worktree")):
                    cache = None if options.no_cache else options.cache_dir / tag / package.name
                    found = _run_side(source, package, args, cache, options.jobs)
                    sides[side].extend(_keys(package, found))
                    sys.stderr.write(f"{side} {package.name}: {len(found)}\n")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(checkout)], cwd=REPO, capture_output=True)

    before, after = collections.Counter(sides["base"]), collections.Counter(sides["head"])
    added, removed = after - before, before - after
    rules = sorted({k[4] for k in before} | {k[4] for k in after})
    print(f"# Ecosystem check: {options.base} ({commit[:12]}) -> working tree, {len(packages)} packages"
          f"{', --select ' + options.select if options.select else ''}{', --preview' if options.preview else ''}\n")
    for code in rules:
        for label, changes in (("added", added), ("removed", removed)):
            items = sorted(k for k in changes.elements() if k[4] == code)
            if not items:
                continue
            print(f"## {code}: {len(items)} {label}")
            for package, name, row, column, _, message in items[:options.limit]:
                print(f"  {'+' if label == 'added' else '-'} {package}/{name}:{row}:{column}: {message}")
            if len(items) > options.limit:
                print(f"  ... and {len(items) - options.limit} more")
            print()
    print("| rule | before | after | added | removed |")
    print("|---|---:|---:|---:|---:|")
    for code in rules:
        b = sum(v for k, v in before.items() if k[4] == code)
        a = sum(v for k, v in after.items() if k[4] == code)
        plus = sum(v for k, v in added.items() if k[4] == code)
        minus = sum(v for k, v in removed.items() if k[4] == code)
        print(f"| {code} | {b} | {a} | {plus} | {minus} |")
    print(f"| total | {sum(before.values())} | {sum(after.values())} | {sum(added.values())} "
          f"| {sum(removed.values())} |")
    if options.json:
        options.json.write_text(json.dumps({"base": commit, "before": sorted(sides["base"]),
                                            "after": sorted(sides["head"])}, indent=0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
