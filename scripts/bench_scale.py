"""Scale benchmark: memory of a 200-section workflow, overhead per agent, CLI start-up.

    .venv/bin/python scripts/bench_scale.py
    .venv/bin/python scripts/bench_scale.py --sections 5 50 200 --sizes 100 1000 10000

Prints the tables and writes scale.json to bench-results/ (or --out).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/ sits at the repository root, outside the installed package
sys.path.insert(0, str(ROOT))

from benchmarks import scale  # noqa: E402
from benchmarks.report import fixed, plain, table, write_json  # noqa: E402

MEMORY = [
    ("sections", "sections", plain),
    ("agents", "agents", plain),
    ("status", "status", plain),
    ("wall_s", "wall s", fixed(2)),
    ("requests", "requests", plain),
    ("peak_concurrency", "peak requests", plain),
    ("rss_before_run_mib", "RSS before run MiB", fixed(1)),
    ("peak_rss_mib", "peak RSS MiB", fixed(1)),
]
OVERHEAD = [
    ("agents", "agents", plain),
    ("workers", "workers", plain),
    ("median_us", "µs/agent (median)", fixed(1)),
    ("min_us", "µs/agent (min)", fixed(1)),
]
STARTUP = [
    ("command", "command", plain),
    ("median_ms", "median ms", fixed(0)),
    ("min_ms", "min ms", fixed(0)),
    ("over_typer_ms", "over bare typer ms", fixed(0)),
    ("exit", "exit", plain),
    ("modules", "modules imported", plain),
    ("heavy", "heavy modules (import ms, imported by)", plain),
]
COMMANDS = {
    "ucop --help": ["--help"],
    "ucop plan --input examples/lumen/brief.md": ["plan", "--input", "examples/lumen/brief.md"],
    "ucop verify": ["verify"],
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sections", type=int, nargs="+", default=[5, 50, 200])
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per model request")
    parser.add_argument("--cap", type=int, default=8, help="max_parallel for the memory runs")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1_000, 10_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--startup-repeats", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    return parser.parse_args(argv)


def memory(args: argparse.Namespace) -> list[dict]:
    rows = []
    for count in args.sections:
        print(f"  {count} sections", file=sys.stderr, flush=True)
        rows.append(
            scale.in_subprocess(
                "workflow_memory", sections=count, latency_s=args.latency, cap=args.cap
            )
        )
    return rows


def startup(args: argparse.Namespace) -> list[dict]:
    base_cmd = [sys.executable, "-c", "import typer"]
    base, base_min, _ = scale.startup_s(base_cmd, args.startup_repeats)
    rows = [_startup_row('python -c "import typer"', base_cmd, base, base, base_min, 0, {})]
    for label, cli_args in COMMANDS.items():
        print(f"  {label}", file=sys.stderr, flush=True)
        command = scale.ucop_command(*cli_args)
        median, low, code = scale.startup_s(command, args.startup_repeats)
        sites = scale.import_sites(cli_args)
        rows.append(_startup_row(label, command, median, base, low, code, sites))
    return rows


def _startup_row(label, command, median, base, low, code, sites) -> dict:
    trace = scale.import_times(command)
    timed = scale.heavy_imports(trace)
    heavy = {name: {**timed.get(name, {}), **site} for name, site in sites.items()}
    shown = ", ".join(
        f"{name} ({info.get('ms', 0):.0f} ms, {info['by']})" for name, info in heavy.items()
    )
    return {
        "command": label,
        "median_ms": median * 1000,
        "min_ms": low * 1000,
        "over_typer_ms": (median - base) * 1000,
        "exit": code,
        "modules": len(trace),
        "heavy": shown or "none",
        "heavy_detail": heavy,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    print("memory (each run in a fresh interpreter):", file=sys.stderr)
    mem = memory(args)
    print(table(mem, MEMORY))
    print("\nscheduler overhead per zero-work agent:", file=sys.stderr)
    over = [asdict(o) for o in scale.overhead_per_agent(args.sizes, repeats=args.repeats)]
    print("\n" + table(over, OVERHEAD))
    print("\nstart-up:", file=sys.stderr)
    start = startup(args)
    print("\n" + table(start, STARTUP))
    payload = {"memory": mem, "overhead": over, "startup": start}
    print(f"\nwrote {write_json(args.out / 'scale.json', payload)}")
    ok = all(r["status"] == "ok" for r in mem) and all(o["median_us"] <= 50 for o in over)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
