"""Planning benchmark: topic recall, passage precision@k and false "not covered" notes, on the
shared corpus's briefs (labels in benchmarks/planning_labels.yaml).

    .venv/bin/python scripts/bench_planning.py            # every labelled brief
    .venv/bin/python scripts/bench_planning.py --quick    # the briefs the tests run
    .venv/bin/python scripts/bench_planning.py --json     # the figures as JSON

Each brief is written offline by `python -m ucop generate` (a private cache), then scored.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/ sits at the repository root, outside the installed package
sys.path.insert(0, str(ROOT))

from benchmarks import planning  # noqa: E402


def default_corpus() -> Path:
    """`../shared/corpus` beside the checkout, or beside the folder of its worktrees."""
    for parent in (ROOT.parent, ROOT.parent.parent):
        if (parent / "shared" / "corpus").is_dir():
            return parent / "shared" / "corpus"
    return ROOT.parent / "shared" / "corpus"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--quick", action="store_true", help="only the briefs the tests run")
    parser.add_argument("--k", type=int, default=planning.K, help="passages per topic scored")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if not (args.corpus / "briefs").is_dir():
        print(f"error: no corpus at {args.corpus} - pass --corpus", file=sys.stderr)
        return 2
    labels = planning.load_labels()
    names = [n for n, entry in labels.items() if entry.get("quick")] if args.quick else None
    scores = planning.run(args.corpus, names, k=args.k)
    summary = planning.totals(scores)
    if args.json:
        rows = [score.__dict__ for score in scores]
        print(json.dumps({"k": args.k, "briefs": rows, "totals": summary}, indent=2))
        return 0
    print(
        f"{'brief':<22} {'topics':>6} {'recall':>7} {f'p@{args.k}':>6} {'false nc':>8} "
        f"{'stray nc':>8}  missed"
    )
    for s in scores:
        recall = s.recalled / s.topics if s.topics else 0.0
        precision = f"{s.relevant / s.retrieved:.2f}" if s.retrieved else "-"
        print(
            f"{s.brief:<22} {s.topics:>6} {recall:>7.2f} {precision:>6} "
            f"{s.false_not_covered:>8} {s.stray_not_covered:>8}  {'; '.join(s.misses)}"
        )
    print(
        f"{'all':<22} {summary['topics']:>6} {summary['topic_recall']:>7.2f} "
        f"{summary['precision_at_k']:>6.2f} {summary['false_not_covered']:>8} "
        f"{summary['stray_not_covered']:>8}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
