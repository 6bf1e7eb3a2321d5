"""Rate-limit benchmark: a 6-article batch against the loopback server's request/token limits.

    .venv/bin/python scripts/bench_ratelimit.py            # both scenarios, three modes each
    .venv/bin/python scripts/bench_ratelimit.py --quick    # requests-bound scenario only

Prints the table (wall time vs the time the limits allow, 429s, tokens) and writes
ratelimit.json to bench-results/ (or --out). Exits 1 when the paced run against the request
limit misses the bar: all articles ok, under 5 % answered 429, within 15 % of the bound.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/ sits at the repository root, outside the installed package
sys.path.insert(0, str(ROOT))

from benchmarks import ratelimit  # noqa: E402
from benchmarks.report import fixed, plain, table, write_json  # noqa: E402

COLUMNS = [
    ("scenario", "scenario", plain),
    ("limit", "server limit", plain),
    ("mode", "mode", plain),
    ("articles_ok", "ok", plain),
    ("requests", "requests", plain),
    ("rate_limited", "429s", plain),
    ("share_429", "429 share", lambda v: f"{v * 100:.1f} %"),
    ("tokens", "tokens", plain),
    ("wall_s", "wall s", fixed(1)),
    ("bound_s", "bound s", fixed(1)),
    ("wall_vs_bound", "wall / bound", fixed(2)),
]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per model request")
    parser.add_argument("--workers", type=int, default=3, help="articles at once")
    parser.add_argument("--quick", action="store_true", help="the requests-bound scenario only")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    scenarios = ratelimit.SCENARIOS[:1] if args.quick else ratelimit.SCENARIOS
    rows = ratelimit.run(
        scenarios,
        latency_s=args.latency,
        workers=args.workers,
        progress=lambda line: print(f"  {line}", file=sys.stderr, flush=True),
    )
    print(table(rows, COLUMNS))
    ok = ratelimit.done(rows)
    print(f"\npaced run at the request limit: all ok, < 5 % 429, within 15 % of the bound: {ok}")
    settings = {"latency_s": args.latency, "workers": args.workers}
    path = write_json(args.out / "ratelimit.json", {**settings, "rows": rows, "done": ok})
    print(f"wrote {path}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
