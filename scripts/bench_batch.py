"""Batch throughput per executor: threads vs a local Dask cluster, against the loopback server.

    .venv/bin/python scripts/bench_batch.py                 # 24 briefs, 2 and 4 at once
    .venv/bin/python scripts/bench_batch.py --briefs 12 --widths 2

Prints articles per minute for each executor and width, the start-up share, and the mean
wall time of one article (which shows the per-task cost apart from the start-up), and writes
batch.json to bench-results/ (or --out).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/ sits at the repository root, outside the installed package
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from benchmarks.ratelimit import make_briefs  # noqa: E402
from benchmarks.report import fixed, plain, table, write_json  # noqa: E402
from ucop.batch.runner import register  # noqa: E402
from ucop.commands.batch import run_batch  # noqa: E402
from ucop.testing.model_server import ModelServer  # noqa: E402
from ucop.testing.responders import article_responder  # noqa: E402

COLUMNS = [
    ("executor", "executor", plain),
    ("width", "articles at once", plain),
    ("elapsed_s", "elapsed s", fixed(1)),
    ("startup_s", "start-up s", fixed(1)),
    ("article_s", "mean article s", fixed(2)),
    ("articles_per_minute", "articles/min", fixed(0)),
    ("without_startup", "articles/min w/o start-up", fixed(0)),
    ("vs_threads", "vs threads", lambda v: "–" if v is None else f"{v * 100:+.0f} %"),
]


def _inprocess_dask(**options):
    """A local Dask cluster whose workers are threads of this process (no pickling, no spawn)."""
    from ucop.batch.dask_cluster import dask_session

    return dask_session(processes=False, **options)


register("dask-inprocess", _inprocess_dask)


def one(briefs: Path, out: Path, server: ModelServer, executor: str, width: int) -> dict:
    flags = {"provider": "openai", "base_url": server.base_url, "model": "test-model"}
    started = time.monotonic()
    run_batch(
        briefs, out, executor=executor, scheduler=None, workers=width, max_requests=None,
        config=None, flags=flags, resume=False, force=True, quiet=True, json_out=False,
        console=Console(file=io.StringIO()),
    )  # fmt: skip
    wall = time.monotonic() - started
    data = json.loads((out / "batch.json").read_text())
    totals = data["totals"]
    done = totals["done"]
    startup = totals["startup_s"] or 0.0
    walls = [a["wall_s"] for a in data["articles"] if a["wall_s"]]
    return {
        "executor": executor,
        "width": width,
        "ok": done == totals["briefs"],
        "elapsed_s": round(wall, 2),
        "startup_s": round(startup, 2),
        "article_s": round(sum(walls) / len(walls), 3),
        "articles_per_minute": round(done * 60 / wall, 1),
        "without_startup": round(done * 60 / (wall - startup), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--briefs", type=int, default=24)
    parser.add_argument("--widths", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument(
        "--executors", nargs="+", default=["threads", "dask", "dask-inprocess", "processes"]
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="ucop-bench-batch-") as tmp:
        briefs = make_briefs(Path(tmp) / "briefs", args.briefs, sections=4)
        with ModelServer(latency_s=args.latency, responder=article_responder) as server:
            for width in args.widths:
                for executor in args.executors:
                    out = Path(tmp) / f"out-{executor}-{width}"
                    row = one(briefs, out, server, executor, width)
                    print(f"  {executor} x{width}: {row['elapsed_s']}s", file=sys.stderr)
                    rows.append(row)
    threads = {r["width"]: r["articles_per_minute"] for r in rows if r["executor"] == "threads"}
    for row in rows:
        base = threads.get(row["width"])
        row["vs_threads"] = round(row["articles_per_minute"] / base - 1, 3) if base else None
    print(table(rows, COLUMNS))
    settings = {"latency_s": args.latency, "briefs": args.briefs}
    print(f"wrote {write_json(args.out / 'batch.json', {**settings, 'rows': rows})}")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
