"""Knowledge-base index at scale: ucop against FTS5's raw indexing, first run, re-run, one change.

    .venv/bin/python scripts/bench_index.py --docs 5000
    .venv/bin/python scripts/bench_index.py --docs 5000 --before e99d8e1   # also the old code
    .venv/bin/python scripts/bench_index.py --docs 50000 --no-generate
    .venv/bin/python scripts/bench_index.py --docs 5000 --suffixes .md .txt  # no rst (docutils)

Documents are drawn from --from folders (default: ../shared/corpus/*/), copied and varied
into a temporary folder. Each figure comes from a fresh process (seconds, peak RSS). Prints
the table and writes kb_index.json to bench-results/ (or --out).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import kb_index as bench  # noqa: E402
from benchmarks.report import fixed, plain, table, write_json  # noqa: E402

COLUMNS = [
    ("what", "run", plain),
    ("seconds", "wall s", fixed(2)),
    ("cpu_s", "CPU s", fixed(2)),
    ("peak_rss_mib", "peak RSS MiB", fixed(1)),
    ("kb_ingestion_s", "kb_ingestion s", fixed(2)),
    ("parsed", "parsed", plain),
    ("exit", "exit", plain),
]
# beside the repository, or beside the folder of its worktrees (as tests/corpus finds it)
CORPUS = next(
    (p / "shared" / "corpus" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared").is_dir()),
    ROOT.parent / "shared" / "corpus",
)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    folders = args.sources or sorted(
        p for p in CORPUS.iterdir() if p.is_dir() and p.name != "briefs"
    )
    with tempfile.TemporaryDirectory(prefix="ucop-bench-index-") as tmp:
        work = Path(tmp)
        kb = work / "kb"
        size = bench.make_kb(folders, args.docs, kb, suffixes=args.suffixes)
        print(f"{args.docs} documents, {size / 2**20:.1f} MB, drawn from {len(folders)} folders")
        rows = run_all(args, work, kb)
    print(table(rows, COLUMNS))
    write_json(args.out / "kb_index.json", {"docs": args.docs, "bytes": size, "rows": rows})
    return 0


def run_all(args: argparse.Namespace, work: Path, kb: Path) -> list[dict[str, Any]]:
    rows = [{"what": "FTS5 raw (porter unicode61)"} | bench.fts5_raw(kb, work / "raw.sqlite")]
    cache = work / "cache-index"
    if args.serial:
        serial = bench.index_run(kb, work / "cache-serial", workers=1)
        rows.append({"what": "ucop index, first run, 1 process"} | serial)
    rows.append({"what": "ucop index, first run"} | bench.index_run(kb, cache))
    rows.append({"what": "ucop index, unchanged"} | bench.index_run(kb, cache))
    bench.change_one(kb)
    rows.append({"what": "ucop index, one file changed"} | bench.index_run(kb, cache))
    brief = bench.write_brief(args.brief, kb, work / "brief.md")
    prebuilt = bench.generate_run(brief, work / "out-prebuilt", cache)
    rows.append({"what": "generate over the index `ucop index` built"} | prebuilt)
    if not args.no_generate:
        rows += generate_rows("after", brief, work, ROOT)
        if args.before:
            rows += generate_rows(f"before ({args.before})", brief, work, _old_tree(args, work))
    return rows


def generate_rows(label: str, brief: Path, work: Path, code: Path) -> list[dict[str, Any]]:
    cache, out = work / f"cache-{label[:6]}", work / f"out-{label[:6]}"
    first = bench.generate_run(brief, out, cache, code)
    again = bench.generate_run(brief, out, cache, code)
    return [
        {"what": f"generate {label}, first run"} | first,
        {"what": f"generate {label}, unchanged"} | again,
    ]


def _old_tree(args: argparse.Namespace, work: Path) -> Path:
    """The package as it was at --before, unpacked from git (not a checkout)."""
    dest = work / "before"
    dest.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", args.before, "ucop"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--from", dest="sources", type=Path, nargs="*", default=None)
    parser.add_argument("--brief", type=Path, default=CORPUS / "briefs" / "starlette-guide-12.md")
    parser.add_argument("--before", default=None, help="git revision to measure as 'before'")
    parser.add_argument(
        "--no-generate", action="store_true", help="no generate runs that build their own index"
    )
    parser.add_argument("--serial", action="store_true", help="also index in one process")
    parser.add_argument(
        "--suffixes", nargs="+", default=list(bench.SUFFIXES), help="documents to draw, by suffix"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
