"""Engine benchmark: synthetic DAGs through ucop's scheduler, a real barrier and LangGraph.

    .venv/bin/python scripts/bench_engine.py                 # 5 and 16 workers, 5 repeats
    .venv/bin/python scripts/bench_engine.py --engines ucop --repeats 3

Prints one table per DAG and the targets, and writes engine.json to bench-results/ (or --out).
LangGraph rows appear only when `langgraph` is installed (pip install 'ucop[bench]').
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/ sits at the repository root, outside the installed package
sys.path.insert(0, str(ROOT))

from benchmarks import dags, engine, langgraph_runner  # noqa: E402
from benchmarks.report import fixed, ms, plain, table, write_json  # noqa: E402

DAGS = {
    "article": dags.article_dag,
    "skewed": dags.skewed_dag,
    "wide": dags.wide_dag,
}
COLUMNS = [
    ("engine", "engine", plain),
    ("workers", "workers", plain),
    ("wall_s", "wall ms (median)", ms),
    ("min_wall_s", "min ms", ms),
    ("total_s", "sequential sum ms", ms),
    ("critical_path_s", "critical path ms", ms),
    ("lower_bound_s", "lower bound ms", ms),
    ("ideal_s", "ideal LPF ms", ms),
    ("policy_ideal_s", "own policy ideal ms", ms),
    ("efficiency", "bound / wall", fixed(3)),
    ("ideal_efficiency", "ideal / wall", fixed(3)),
    ("overhead_us_per_agent", "overhead µs/agent", fixed(1)),
]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[5, 16])
    parser.add_argument("--dags", nargs="+", choices=list(DAGS), default=list(DAGS))
    parser.add_argument("--engines", nargs="+", choices=engine.ENGINES, default=engine.ENGINES)
    parser.add_argument("--repeats", type=int, default=5, help="runs per figure (median kept)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if "langgraph" in args.engines and not langgraph_runner.available():
        print(f"note: {langgraph_runner.MISSING}", file=sys.stderr)
    rows = engine.run_engines(
        [DAGS[name]() for name in args.dags],
        args.workers,
        engines=args.engines,
        repeats=args.repeats,
        progress=lambda line: print(f"  {line}", file=sys.stderr, flush=True),
    )
    data = [r.as_dict() for r in rows]
    for name in dict.fromkeys(r.dag for r in rows):
        first = next(r for r in rows if r.dag == name)
        print(f"\n{name}: {first.agents} agents")
        print(table([d for d in data if d["dag"] == name], COLUMNS))
    found = engine.targets(rows)
    print("\ntargets (ucop):")
    for label, ok in found:
        print(f"  {'met' if ok else 'MISSED'}: {label}")
    payload = {
        "repeats": args.repeats,
        "langgraph": langgraph_runner.version(),
        "rows": data,
        "targets": [{"target": label, "met": ok} for label, ok in found],
    }
    print(f"\nwrote {write_json(args.out / 'engine.json', payload)}")
    return 0 if all(ok for _, ok in found) else 1


if __name__ == "__main__":
    raise SystemExit(main())
