"""Long fuzz run: mutate fixtures (and, with --corpus, real FastAPI files) and lint
every case with all rules, plain and with unsafe fixes.

Usage: python benchmarks/fuzz.py [--cases 20000] [--seed 1] [--corpus DIR] [--out DIR]

Each case must lint without a crashed rule, within the per-file time budget, with
finding ranges inside the file, and with fixed text that parses (see
``tests/fuzz_support.py``). Failing cases are saved to ``--out`` (default
``fuzz-failures/``). Prints the number of cases tried, the time taken and the
failures; exits 1 if there was any.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT))

from tests.fuzz_support import cases, check_case  # noqa: E402


def corpus_files(folder: Path, limit: int, rng: random.Random) -> list[bytes]:
    found = [p for p in folder.rglob("*.py") if p.stat().st_size < 60_000]
    rng.shuffle(found)
    out = []
    for path in found:
        data = path.read_bytes()
        if b"fastapi" in data:
            out.append(data)
        if len(out) >= limit:
            break
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", type=Path, default=None, help="a folder of real FastAPI code to mutate too")
    parser.add_argument("--out", type=Path, default=Path("fuzz-failures"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    extra = corpus_files(args.corpus, 300, rng) if args.corpus else []
    stream = cases(rng, extra)
    started = time.perf_counter()
    failures = 0
    findings = 0
    for number in range(1, args.cases + 1):
        data = next(stream)
        try:
            findings += check_case(data)
        except Exception:
            failures += 1
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"case-{args.seed}-{number}.py").write_bytes(data)
            (args.out / f"case-{args.seed}-{number}.txt").write_text(traceback.format_exc())
        if number % 1000 == 0:
            print(f"{number} cases, {failures} failures, {time.perf_counter() - started:.0f} s", flush=True)
    elapsed = time.perf_counter() - started
    print(f"tried {args.cases} cases ({len(extra)} corpus seeds) in {elapsed:.0f} s: "
          f"{failures} failures, {findings} findings")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
