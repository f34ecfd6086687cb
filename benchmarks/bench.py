"""Side-by-side speed table of fastapi-lint and its floors and peers on one folder.

Usage: python benchmarks/bench.py DIR [--runs N] [--scaling] [--precommit PKG]

Rows, all on the same files in one run (each the median of ``--runs``, default 1):

- fastapi-lint cold (``--no-cache``), all workers and one worker (``--jobs 1``);
- fastapi-lint warm (the cache primed by a first run, nothing changed);
- a bare single-process ``libcst.parse_module`` loop and ``ast.parse`` loop
  over every file (the floors; the cold target is 0.35x the libcst loop);
- when installed: Ruff (``check --select FAST,ASYNC,S --no-cache``), Bandit
  (``-r -q``) and Semgrep (``--config p/python`` is network: only a local
  ``--semgrep-config`` is used).

Each row gives seconds, the ratio to the libcst loop, and the peak resident memory
of the process tree (sampled from /proc every 20 ms on Linux). ``--scaling`` adds
cold runs on 1/4 and 1/2 of the top-level folders; ``--precommit PKG`` times
linting 5 files of the folder PKG with a warm project cache.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import ast
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path


def python_files(root: Path) -> list[Path]:
    from fastapi_lint.config import Settings
    from fastapi_lint.discovery import Discovery

    return Discovery(Settings(project_root=root)).files([root])


def read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def parse_loop(files: list[Path], parse) -> float:
    """Seconds to ``parse`` every decodable file, in this process."""
    start = time.perf_counter()
    for path in files:
        text = read(path)
        if text is None:
            continue
        try:
            parse(text)
        except Exception:
            pass
    return time.perf_counter() - start


def _tree_rss(pid: int) -> int:
    """Resident memory (bytes) of ``pid`` and its descendants, from /proc."""
    total = 0
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            ppid = int(fields[1])
            with open(f"/proc/{entry}/statm") as handle:
                pages = int(handle.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
    stack = [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total


def measure(command: list[str], cwd: Path | None = None, ok: tuple[int, ...] = (0, 1)) -> tuple[float, int]:
    """(seconds, peak RSS bytes of the process tree) of one run of ``command``."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            if os.path.isdir("/proc"):
                peak = max(peak, _tree_rss(process.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode not in ok:
        raise SystemExit(f"{command[0]} failed ({process.returncode}): {err.decode()[-2000:]}")
    return elapsed, peak


def median_run(command: list[str], runs: int, cwd: Path | None = None, before=None,
               ok: tuple[int, ...] = (0, 1)) -> tuple[float, int]:
    results = []
    for _ in range(runs):
        if before is not None:
            before()
        results.append(measure(command, cwd, ok))
    return statistics.median(t for t, _ in results), max(p for _, p in results)


def lint_command(paths: list[Path], *extra: str) -> list[str]:
    return [sys.executable, "-m", "fastapi_lint", *map(str, paths), "--isolated", "--output-format", "json",
            "--exit-zero", *extra]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--scaling", action="store_true", help="cold runs on 1/4 and 1/2 of the folders")
    parser.add_argument("--precommit", type=Path, default=None, help="a package folder for the pre-commit row")
    parser.add_argument("--semgrep-config", type=Path, default=None)
    args = parser.parse_args()
    root = args.root.resolve()
    files = python_files(root)
    lines = sum((read(p) or "").count("\n") for p in files)
    print(f"{len(files)} files, {lines} lines under {root}; {os.cpu_count()} cores; runs={args.runs}")
    cache = Path(tempfile.mkdtemp(prefix="fl-bench-cache-"))
    rows: list[tuple[str, float, int | None]] = []

    def clear() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    rows.append(("fastapi-lint cold, all workers", *median_run(
        lint_command([root], "--no-cache"), args.runs)))
    rows.append(("fastapi-lint cold, 1 worker", *median_run(
        lint_command([root], "--no-cache", "--jobs", "1"), args.runs)))
    measure(lint_command([root], "--cache-dir", str(cache)))  # prime the cache
    rows.append(("fastapi-lint warm (nothing changed)", *median_run(
        lint_command([root], "--cache-dir", str(cache)), args.runs)))
    if args.precommit is not None:
        package = args.precommit.resolve()
        five = sorted(p for p in python_files(package) if b"fastapi" in p.read_bytes())[:5]
        rows.append((f"fastapi-lint pre-commit, 5 files of {package.name}, warm index", *median_run(
            lint_command(five, "--cache-dir", str(cache)), args.runs)))
    import libcst

    parse_time = statistics.median(parse_loop(files, libcst.parse_module) for _ in range(args.runs))
    ast_time = statistics.median(parse_loop(files, ast.parse) for _ in range(args.runs))
    rows.append(("bare libcst.parse_module loop (1 process)", parse_time, None))
    rows.append(("bare ast.parse loop (1 process)", ast_time, None))
    ruff = shutil.which("ruff") or (str(Path(sys.executable).parent / "ruff")
                                    if (Path(sys.executable).parent / "ruff").exists() else None)
    if ruff:
        rows.append(("ruff check --select FAST,ASYNC,S --no-cache", *median_run(
            [ruff, "check", "--select", "FAST,ASYNC,S", "--no-cache", "--exit-zero", "--isolated", "-q", str(root)],
            args.runs)))
    def tool(name: str) -> str | None:
        local = Path(sys.executable).parent / name
        return shutil.which(name) or (str(local) if local.exists() else None)

    bandit = tool("bandit")
    if bandit:
        rows.append(("bandit -r -q", *median_run([bandit, "-r", "-q", str(root)], args.runs, ok=(0, 1))))
    semgrep = tool("semgrep")
    if semgrep and args.semgrep_config:
        rows.append(("semgrep (local config)", *median_run(
            [semgrep, "--config", str(args.semgrep_config), "--metrics=off", "-q", str(root)], args.runs)))
    if args.scaling:
        folders = sorted(p for p in root.iterdir() if p.is_dir())
        for label, part in (("1/4", folders[: max(1, len(folders) // 4)]), ("1/2", folders[: max(1, len(folders) // 2)])):
            count = sum(len(python_files(f)) for f in part)
            rows.append((f"fastapi-lint cold on {label} of the folders ({count} files)", *median_run(
                lint_command(part, "--no-cache"), args.runs)))
    clear()
    print()
    print(f"| {'what':<62} | {'seconds':>8} | {'vs libcst loop':>14} | {'peak MiB':>8} |")
    print(f"|{'-' * 64}|{'-' * 10}:|{'-' * 16}:|{'-' * 10}:|")
    for name, seconds, peak in rows:
        memory = f"{peak / 2**20:.0f}" if peak else "-"
        print(f"| {name:<62} | {seconds:>8.2f} | {seconds / parse_time:>13.2f}x | {memory:>8} |")
    by = {name: seconds for name, seconds, _ in rows}
    cold, one = by["fastapi-lint cold, all workers"], by["fastapi-lint cold, 1 worker"]
    print()
    print(f"all workers vs one: {one / cold:.2f}x faster")
    ruff_time = next((t for n, t, _ in rows if n.startswith("ruff")), None)
    if ruff_time:
        print(f"warm vs Ruff cold: {by['fastapi-lint warm (nothing changed)'] / ruff_time:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
