"""End-to-end benchmark: the article workflow over HTTP against a loopback model server.

    .venv/bin/python scripts/bench_e2e.py            # 3/5/10/30 sections x max_parallel 1/3/5/8
    .venv/bin/python scripts/bench_e2e.py --quick    # 3 and 10 sections x 1 and 5

Prints the table and writes e2e.json and e2e-speedup.svg to bench-results/ (or --out).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/ sits at the repository root, outside the installed package
sys.path.insert(0, str(ROOT))

from benchmarks import e2e  # noqa: E402
from benchmarks.report import (  # noqa: E402
    check,
    fixed,
    plain,
    speedup_chart,
    table,
    write_chart,
    write_json,
)

COLUMNS = [
    ("sections", "sections", plain),
    ("max_parallel", "max_parallel", plain),
    ("agents", "agents", plain),
    ("sequential_wall_s", "sequential s", fixed(3)),
    ("wall_s", "wall s (median)", fixed(3)),
    ("min_wall_s", "min s", fixed(3)),
    ("speedup", "speedup", fixed(2)),
    ("critical_path_s", "critical path s", fixed(3)),
    ("lower_bound_s", "lower bound s", fixed(3)),
    ("efficiency", "efficiency", fixed(3)),
    ("ideal_s", "ideal LPF s", fixed(3)),
    ("gap", "wall vs ideal", lambda g: f"{g * 100:+.1f} %"),
    ("peak_concurrency", "peak requests", plain),
    ("within_cap", "≤ cap", check),
    ("requests", "requests", plain),
    ("requests_equal", "= sequential", check),
]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per model request")
    parser.add_argument("--jitter", type=float, default=0.0, help="extra random 0..J seconds")
    parser.add_argument("--caps", type=int, nargs="+", default=list(e2e.CAPS))
    parser.add_argument("--sections", type=int, nargs="+", default=list(e2e.SECTIONS))
    parser.add_argument("--repeats", type=int, default=3, help="runs per point (median kept)")
    parser.add_argument("--quick", action="store_true", help="3 and 10 sections at 1 and 5")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    caps = e2e.QUICK_CAPS if args.quick else args.caps
    sections = e2e.QUICK_SECTIONS if args.quick else args.sections
    print(f"loopback model: {args.latency:g}s per request, jitter {args.jitter:g}s", flush=True)
    rows = e2e.sweep(
        sections,
        caps,
        latency_s=args.latency,
        jitter_s=args.jitter,
        repeats=args.repeats,
        progress=lambda line: print(f"  {line}", file=sys.stderr, flush=True),
    )
    data = [r.as_dict() for r in rows]
    print(table(data, COLUMNS))
    totals = e2e.summary(rows)
    print("\n" + "\n".join(f"{key}: {value}" for key, value in totals.items()))
    settings = {"latency_s": args.latency, "jitter_s": args.jitter, "repeats": args.repeats}
    json_path = write_json(args.out / "e2e.json", {**settings, "rows": data, "summary": totals})
    measured, ideal = e2e.chart_series(rows)
    title = f"ucop speedup vs max_parallel (loopback model, {args.latency:g}s per request)"
    svg_path = write_chart(
        args.out / "e2e-speedup.svg", speedup_chart(measured, ideal, title=title)
    )
    print(f"\nwrote {json_path} and {svg_path}")
    return 0 if totals["all_ok"] and totals["all_within_cap"] and totals["requests_equal"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
