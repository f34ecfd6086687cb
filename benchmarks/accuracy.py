"""The judged ledger: per-rule precision of fastapi-lint on applications it was not tuned on.

Usage::

    python benchmarks/accuracy.py sample APPS --seed N [--per-rule 40] [--name NAME] [--packet FILE]
    python benchmarks/accuracy.py record VERDICTS.jsonl
    python benchmarks/accuracy.py report APPS [--sample NAME ...]

``APPS`` is a folder with one sub-folder per application listed in
``benchmarks/apps.md`` (name, repository, commit); each is linted as a new user
would, ``fastapi-lint check APP`` with the tool's defaults (``--select``,
``--preview`` pass through), and each finding is known by the tool's own
fingerprint (SARIF ``partialFingerprints``: :mod:`fastapi_lint.fingerprint`).

``sample`` draws a **seeded, stratified random sample** per rule: each rule's
findings are shuffled per application with a generator seeded by ``(seed, rule,
application)``, then drawn round-robin over the applications (so a rule's sample is
spread over them), up to ``--per-rule`` (all when fewer). FastAPI's tutorial apps
(paths under ``docs_src``) are their own class and fill at most a fifth of a
rule's sample. The draw is written to ``benchmarks/judged/samples/NAME.jsonl`` (the
seed and every drawn finding: nobody picks findings) and, with ``--packet``, a
judging packet with each finding's code in context for the judges (not committed:
it quotes third-party code).

``record`` adds verdicts to ``benchmarks/judged/ledger.jsonl``: one JSON object per
line with ``package``, ``version``, ``file``, ``line``, ``code``, ``fingerprint``,
``verdict`` (``tp``, ``fp`` or ``debatable``), ``reason`` (one line), ``judge``,
``sample``. A later verdict on the same (package, fingerprint) replaces the earlier.

``report`` lints the applications again, joins the ledger by (package,
fingerprint) and prints per rule: findings now, judged (of those), TP, FP,
debatable, precision with ``debatable`` counted as not true, the 95% Wilson lower
bound, judged TPs no longer reported (lost recall: listed), and the findings of
the named samples that have no verdict yet. Judging follows the rule's rubric
(the "Judging" section of its page in ``docs/rules/``), by someone who did not
write the rule. Documented in ``docs/accuracy.md``.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import random
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
JUDGED = HERE / "judged"
LEDGER = JUDGED / "ledger.jsonl"
SAMPLES = JUDGED / "samples"
APPS_LIST = HERE / "apps.md"
CONTEXT = 12  # lines of code shown before and after a finding in a judging packet


@dataclass(frozen=True, order=True)
class Found:
    package: str
    file: str
    line: int
    end_line: int
    code: str
    message: str
    fingerprint: str


def app_versions() -> dict[str, str]:
    """Application name -> commit, from the table in ``benchmarks/apps.md``."""
    out = {}
    for line in APPS_LIST.read_text().splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"[0-9a-f]{40}", cells[2]):
            out[cells[0]] = cells[2]
    return out


def lint(app: Path, args: list[str]) -> list[Found]:
    """The findings of ``fastapi-lint check app`` (SARIF: with the tool's fingerprints)."""
    with tempfile.TemporaryDirectory() as temp:
        out = Path(temp) / "out.sarif"
        command = [sys.executable, "-m", "fastapi_lint", "check", str(app), "--output-format", "sarif", "-o",
                   str(out), "--exit-zero", "--no-cache", *args]
        done = subprocess.run(command, cwd=app, capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            raise SystemExit(f"{app.name}: exit {done.returncode}\n{done.stderr[-2000:]}")
        log = json.loads(out.read_text())
    run = log["runs"][0]
    root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    found = []
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        if location["artifactLocation"].get("uriBaseId") == "%SRCROOT%":
            uri = root + uri
        path = Path(uri.removeprefix("file://"))
        from urllib.parse import unquote

        path = Path(unquote(str(path)))
        try:
            file = path.relative_to(app.resolve()).as_posix()
        except ValueError:
            file = path.as_posix()
        region = location["region"]
        found.append(Found(app.name, file, region["startLine"], region.get("endLine", region["startLine"]),
                           result["ruleId"], result["message"]["text"],
                           next(iter(result["partialFingerprints"].values()))))
    return found


def lint_all(apps: Path, args: list[str]) -> list[Found]:
    out = []
    for app in sorted(p for p in apps.iterdir() if p.is_dir()):
        found = lint(app, args)
        sys.stderr.write(f"{app.name}: {len(found)} findings\n")
        out.extend(found)
    return out


def draw(found: list[Found], seed: int, per_rule: int) -> list[Found]:
    """The seeded stratified sample (see the module docstring)."""
    sample = []
    for code in sorted({f.code for f in found}):
        by_package: dict[str, list[Found]] = collections.defaultdict(list)
        for f in sorted(f for f in found if f.code == code):
            by_package[f.package].append(f)
        for package, items in by_package.items():
            random.Random(f"{seed}:{code}:{package}").shuffle(items)
        tutorial_cap = max(1, per_rule // 5)
        tutorial = 0
        taken: list[Found] = []
        queues = [collections.deque(by_package[p]) for p in sorted(by_package)]
        while len(taken) < per_rule and any(queues):
            for queue in queues:
                while queue:
                    f = queue.popleft()
                    if "docs_src/" in f.file:
                        if tutorial >= tutorial_cap:
                            continue
                        tutorial += 1
                    taken.append(f)
                    break
                if len(taken) >= per_rule:
                    break
        sample.extend(taken)
    return sample


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wilson_lower(successes: int, total: int, z: float = 1.96) -> float:
    """The lower bound of the Wilson score interval (95% by default)."""
    if total == 0:
        return 0.0
    p = successes / total
    centre = p + z * z / (2 * total)
    margin = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return max(0.0, (centre - margin) / (1 + z * z / total))


def rubrics() -> dict[str, str]:
    """Each rule's judging rubric: the "Judging" section of ``docs/rules/CODE.md``."""
    out = {}
    for page in sorted((HERE.parent / "docs" / "rules").glob("FAPI*.md")):
        text = page.read_text()
        found = re.search(r"^## Judging\n(.*?)(?=^## |\Z)", text, re.M | re.S)
        if found:
            out[page.stem] = found.group(1).strip()
    return out


def packet(sample: list[Found], apps: Path, name: str) -> str:
    """A Markdown judging packet: each finding with its rule's rubric and its code in context."""
    rules = rubrics()
    parts = [f"# Judging packet `{name}`\n",
             "For each finding answer `tp` (a senior FastAPI reviewer would ask for this change in this "
             "codebase), `fp` (wrong, or not worth changing) or `debatable`, with a one-line reason.\n"]
    for index, f in enumerate(sample, 1):
        lines = (apps / f.package / f.file).read_text(errors="replace").splitlines()
        first, last = max(1, f.line - CONTEXT), min(len(lines), f.end_line + CONTEXT)
        frame = "\n".join(f"{n:>5}{'>' if f.line <= n <= f.end_line else ' '} {lines[n - 1]}"
                          for n in range(first, last + 1))
        parts.append(f"## {index}. {f.code} `{f.package}/{f.file}:{f.line}` fingerprint `{f.fingerprint}`\n\n"
                     f"Message: {f.message}\n\nRubric: {rules.get(f.code, '(none)')}\n\n```python\n{frame}\n```\n")
    return "\n".join(parts)


def cmd_sample(options: argparse.Namespace) -> int:
    found = lint_all(options.apps, options.tool_args)
    sample = draw(found, options.seed, options.per_rule)
    versions = app_versions()
    name = options.name or f"seed{options.seed}"
    SAMPLES.mkdir(parents=True, exist_ok=True)
    with open(SAMPLES / f"{name}.jsonl", "w") as out:
        out.write(json.dumps({"sample": name, "seed": options.seed, "per_rule": options.per_rule,
                              "tool_args": options.tool_args, "findings": len(found)}) + "\n")
        for f in sample:
            out.write(json.dumps({"package": f.package, "version": versions.get(f.package, ""), "file": f.file,
                                  "line": f.line, "code": f.code, "fingerprint": f.fingerprint,
                                  "message": f.message}) + "\n")
    if options.packet:
        options.packet.write_text(packet(sample, options.apps, name))
    counts = collections.Counter(f.code for f in sample)
    print(f"sample {name}: {len(sample)} of {len(found)} findings; " +
          ", ".join(f"{c} {n}" for c, n in sorted(counts.items())))
    return 0


def cmd_record(options: argparse.Namespace) -> int:
    ledger = {(r["package"], r["fingerprint"]): r for r in read_jsonl(LEDGER)}
    added = 0
    for record in read_jsonl(options.verdicts):
        missing = {"package", "file", "line", "code", "fingerprint", "verdict", "reason", "judge"} - set(record)
        if missing or record["verdict"] not in ("tp", "fp", "debatable"):
            raise SystemExit(f"bad verdict record (missing {sorted(missing)}): {record}")
        keep = {k: record.get(k, "") for k in ("package", "version", "file", "line", "code", "fingerprint",
                                                 "verdict", "reason", "judge", "sample")}
        ledger[(record["package"], record["fingerprint"])] = keep
        added += 1
    JUDGED.mkdir(parents=True, exist_ok=True)
    ordered = sorted(ledger.values(), key=lambda r: (r["code"], r["package"], r["file"], r["line"]))
    LEDGER.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in ordered))
    print(f"{added} verdicts recorded; the ledger holds {len(ordered)}")
    return 0


def cmd_report(options: argparse.Namespace) -> int:
    found = lint_all(options.apps, options.tool_args)
    ledger = {(r["package"], r["fingerprint"]): r for r in read_jsonl(LEDGER)}
    now = {(f.package, f.fingerprint): f for f in found}
    apps = {p.name for p in options.apps.iterdir() if p.is_dir()}
    pending = collections.Counter()
    for name in options.sample or []:
        for record in read_jsonl(SAMPLES / f"{name}.jsonl")[1:]:
            key = (record["package"], record["fingerprint"])
            if key in now and key not in ledger:
                pending[record["code"]] += 1
    codes = sorted({f.code for f in found} | {r["code"] for r in ledger.values() if r["package"] in apps})
    print("| rule | findings | judged | TP | FP | debatable | precision | 95% lower bound | lost TP | unjudged |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    lost_list = []
    for code in codes:
        current = [f for f in found if f.code == code]
        verdicts = [ledger[(f.package, f.fingerprint)]["verdict"] for f in current
                    if (f.package, f.fingerprint) in ledger]
        tp, fp, deb = verdicts.count("tp"), verdicts.count("fp"), verdicts.count("debatable")
        judged = len(verdicts)
        lost = [r for (package, fp_), r in ledger.items()
                if r["code"] == code and package in apps and r["verdict"] == "tp" and (package, fp_) not in now]
        lost_list.extend(lost)
        precision = f"{tp / judged:.0%}" if judged else "-"
        lower = f"{wilson_lower(tp, judged):.0%}" if judged else "-"
        print(f"| {code} | {len(current)} | {judged} | {tp} | {fp} | {deb} | {precision} | {lower} | {len(lost)} "
              f"| {pending.get(code, 0)} |")
    print(f"| total | {len(found)} | | | | | | | {len(lost_list)} | {sum(pending.values())} |")
    for r in lost_list:
        print(f"lost TP: {r['code']} {r['package']}/{r['file']}:{r['line']} ({r['reason']})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sample = sub.add_parser("sample")
    sample.add_argument("apps", type=Path)
    sample.add_argument("--seed", type=int, required=True)
    sample.add_argument("--per-rule", type=int, default=40)
    sample.add_argument("--name")
    sample.add_argument("--packet", type=Path)
    record = sub.add_parser("record")
    record.add_argument("verdicts", type=Path)
    report = sub.add_parser("report")
    report.add_argument("apps", type=Path)
    report.add_argument("--sample", nargs="*")
    for each in (sample, report):
        each.add_argument("--select")
        each.add_argument("--preview", action="store_true")
    options = parser.parse_args(argv)
    options.tool_args = []
    if getattr(options, "select", None):
        options.tool_args += ["--select", options.select]
    if getattr(options, "preview", False):
        options.tool_args.append("--preview")
    return {"sample": cmd_sample, "record": cmd_record, "report": cmd_report}[options.command](options)


if __name__ == "__main__":
    sys.exit(main())
