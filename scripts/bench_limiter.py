"""Concurrency limiter benchmark: what the limiter concludes about servers it cannot see into.

    .venv/bin/python scripts/bench_limiter.py             # 8 runs per server, 6 sections
    .venv/bin/python scripts/bench_limiter.py --runs 3 --sections 12

Runs the article workflow (max 5 requests) against the loopback server playing four servers:
a one-slot queue (llama-cpp-python), the same whose speed changes by up to half per call (a
machine whose load changes), a two-slot queue, and a server with no queue (a hosted API).
None reports its slots, so the limiter has to find them from the answers' timing. Prints, per
server, how often the limit settled above what the server runs (false climbs) or below it,
the limits, the server parallelism the summary used, and the summary's speedups.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/ sits at the repository root, outside the installed package
sys.path.insert(0, str(ROOT))

from benchmarks.e2e import brief_with_sections, loopback_job  # noqa: E402
from benchmarks.report import plain, table  # noqa: E402
from ucop.run.execute import execute  # noqa: E402
from ucop.testing.model_server import ModelServer  # noqa: E402
from ucop.testing.responders import article_responder  # noqa: E402

WORDS_PER_S = 300  # a slot's generation speed
CHANGE_EVERY_S = 0.3  # how often the drifting server's speed changes

# name, slots (None: no queue), speed drift (share), what the server really runs at once
SERVERS = (
    ("one slot", 1, 0.0, 1),
    ("one slot, speed drifts +-50 %", 1, 0.5, 1),
    ("two slots", 2, 0.0, 2),
    ("no queue (hosted)", None, 0.0, 5),
)
COLUMNS = [
    ("server", "server", plain),
    ("runs", "runs", plain),
    ("above", "limit above truth", plain),
    ("below", "limit below truth", plain),
    ("limits", "limits", plain),
    ("parallelism", "server parallelism used", plain),
    ("speedup", "summary speedup (median)", plain),
]


def one_run(slots: int | None, drift: float, seed: int, sections: int) -> dict[str, object]:
    rng = random.Random(seed)
    if slots:
        server = ModelServer(
            slots=slots, token_rate=WORDS_PER_S, latency_s=0.1, report_slots=False,
            responder=article_responder,
        )  # fmt: skip
    else:
        server = ModelServer(latency_s=0.3, responder=article_responder)
    stop = threading.Event()

    def wobble() -> None:
        while server.slots is not None and not stop.wait(CHANGE_EVERY_S):
            server.slots.token_rate = WORDS_PER_S * rng.uniform(1 - drift, 1 + drift)

    with tempfile.TemporaryDirectory() as folder, server:
        if drift:
            threading.Thread(target=wobble, daemon=True).start()
        brief = brief_with_sections(sections, Path(folder))
        job = loopback_job(brief, server.base_url, max_requests=5)
        try:
            outcome = execute(job, max_parallel=5, cache=None)
        finally:
            stop.set()
    concurrency = outcome.report["usage"]["concurrency"]
    return {
        "limit": concurrency["limit"],
        "parallelism": concurrency["server_parallelism"],
        "speedup": outcome.report.get("speedup") or 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--sections", type=int, default=6)
    args = parser.parse_args(argv)
    rows = []
    for name, slots, drift, truth in SERVERS:
        runs = [one_run(slots, drift, seed, args.sections) for seed in range(args.runs)]
        limits = [int(str(r["limit"])) for r in runs]
        speedups = [float(str(r["speedup"])) for r in runs]
        rows.append(
            {
                "server": name,
                "runs": len(runs),
                "above": sum(limit > truth for limit in limits),
                "below": sum(limit < truth for limit in limits),
                "limits": " ".join(map(str, limits)),
                "parallelism": " ".join(str(r["parallelism"] or "-") for r in runs),
                "speedup": f"{statistics.median(speedups):.2f}x",
            }
        )
        print(f"{name}: limits {rows[-1]['limits']}", file=sys.stderr)
    print(table(rows, COLUMNS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
