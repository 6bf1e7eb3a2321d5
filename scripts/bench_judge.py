"""What judging every model answer costs: the offline writer run as itself, then as a "model".

    .venv/bin/python scripts/bench_judge.py
    .venv/bin/python scripts/bench_judge.py --runs 5 examples/lumen/brief.md other/brief.md

The offline provider is never judged (it is the reference); the same writer registered under
another name is, answer by answer. The difference in wall time is the judge's cost (building
the run's source index once, then each answer's checks). Prints one row per brief: median
wall seconds of each, the difference, answers judged and answers replaced (0 expected:
the offline drafts must pass the judge).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(brief: Path, provider: str) -> tuple[float, dict]:
    from typer.testing import CliRunner

    from ucop.cli import app

    out = Path(tempfile.mkdtemp()) / "out"
    start = time.perf_counter()
    result = CliRunner().invoke(
        app, ["generate", "-i", str(brief), "-o", str(out), "--provider", provider, "-q"]
    )
    wall = time.perf_counter() - start
    if result.exit_code not in (0, 1):
        raise SystemExit(f"{brief}: exit {result.exit_code}: {result.output.strip()[:200]}")
    return wall, json.loads((out / "run.json").read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("briefs", nargs="*", type=Path, default=[ROOT / "examples/lumen/brief.md"])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ["UCOP_CACHE_DIR"] = tempfile.mkdtemp()  # no cache hits between runs

    from ucop import providers
    from ucop.providers.base import ProviderSpec
    from ucop.providers.offline import OfflineProvider

    spec = ProviderSpec(name="judged_offline", create=lambda s: OfflineProvider(), network=False)
    providers.register(spec)
    print(f"{'brief':<28} {'offline s':>10} {'judged s':>10} {'judge s':>8} {'answers':>8} repl")
    for brief in args.briefs:
        _run(brief, "offline")  # warm-up: imports and first-use caches are not the judge's
        plain = [_run(brief, "offline")[0] for _ in range(args.runs)]
        judged = [_run(brief, spec.name) for _ in range(args.runs)]
        walls = [w for w, _ in judged]
        answers = judged[-1][1]["model_answers"]
        a, b = statistics.median(plain), statistics.median(walls)
        print(
            f"{brief.stem[:28]:<28} {a:>10.2f} {b:>10.2f} {b - a:>8.2f} "
            f"{answers['kept'] + answers['replaced']:>8} {answers['replaced']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
