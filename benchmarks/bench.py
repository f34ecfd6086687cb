"""Time fastapi-lint on a folder against a bare libcst parse of the same files.

Usage: python benchmarks/bench.py DIR [--runs N] [--jobs N]

Prints, for the same files in one run: fastapi-lint (whole CLI, as users run it),
a single-process ``libcst.parse_module`` loop over every file (the floor the
speed budget is expressed against), a single-process ``ast.parse`` loop, the
ratios, and the peak memory of the linter (all its processes together, sampled
from /proc every 20 ms on Linux). Each time is the median of ``--runs`` runs
(default 1: the parse loop alone takes minutes on a large corpus).
"""

from __future__ import annotations

import argparse
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


def lint_run(root: Path, jobs: int | None) -> tuple[float, int, str]:
    command = [sys.executable, "-m", "fastapi_lint", str(root), "--isolated", "--output-format", "json",
               "--exit-zero"]
    if jobs:
        command += ["--jobs", str(jobs)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
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
    out, err = process.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode not in (0, 1):
        raise SystemExit(f"fastapi-lint failed ({process.returncode}): {err.decode()[-2000:]}")
    import json

    findings = json.loads(out)
    summary = f"{len(findings)} findings"
    return elapsed, peak, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    files = python_files(args.root)
    lines = sum((read(p) or "").count("\n") for p in files)
    print(f"{len(files)} files, {lines} lines under {args.root}")
    lint = [lint_run(args.root, args.jobs) for _ in range(args.runs)]
    lint_time = statistics.median(t for t, _, _ in lint)
    peak = max(p for _, p, _ in lint)
    import libcst

    parse_time = statistics.median(parse_loop(files, libcst.parse_module) for _ in range(args.runs))
    ast_time = statistics.median(parse_loop(files, ast.parse) for _ in range(args.runs))
    print(f"{'what':<44} {'seconds':>9} {'vs libcst parse':>16}")
    print(f"{'fastapi-lint (all cores, cold)':<44} {lint_time:>9.2f} {lint_time / parse_time:>15.2f}x")
    print(f"{'bare libcst.parse_module loop (1 process)':<44} {parse_time:>9.2f} {1:>15.2f}x")
    print(f"{'bare ast.parse loop (1 process)':<44} {ast_time:>9.2f} {ast_time / parse_time:>15.2f}x")
    print(f"fastapi-lint peak memory (all processes): {peak / 2**20:.0f} MiB; {lint[0][2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
