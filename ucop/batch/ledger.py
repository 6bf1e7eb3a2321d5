"""The batch ledger: what each brief came to, kept in OUTPUT/batch.json as the batch runs.

`Ledger` records every result (and writes the article's files), `finished_article` says
whether a previous run already finished a brief (`--resume`).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ucop import __version__
from ucop.errors import UcopError, WriteFailed
from ucop.files import RUN_REPORT, atomic_write_text
from ucop.report.status import EXIT_ZERO

BATCH_REPORT = "batch.json"
LEDGER_SCHEMA = 1
# What a task's result contributes to its brief's entry in batch.json.
RESULT_FIELDS = (
    "wall_s",
    "requests",
    "rate_limited",
    "tokens_in",
    "tokens_out",
    "cached_tokens",
    "cost",
    "worker",
    "started",
    "error",
)


class Ledger:
    """What the batch did, brief by brief: the source of `batch.json` and of the summary.

    Entries keep the order of the briefs; `save()` rewrites OUTPUT/batch.json atomically after
    every article, so the ledger on disk always matches the articles on disk.
    """

    def __init__(
        self,
        output: Path,
        briefs: Sequence[Path],
        *,
        executor: str,
        max_requests: int | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.output = output
        self.executor = executor
        self.max_requests = max_requests
        self.where = executor
        self.started_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        self._clock = clock
        self._start = clock()
        self._final_elapsed: float | None = None
        self.startup_s: float | None = None
        self.pacing: dict[str, Any] = {}  # the batch pacer's limits and figures
        self.entries: dict[Path, dict[str, Any]] = {b: _entry(b, "pending") for b in briefs}

    def started(self, where: str) -> None:
        """The executor is up and tasks are about to go: note where and how long that took."""
        self.where = where
        self.startup_s = round(self._clock() - self._start, 3)
        self.save()

    def skip(self, brief: Path) -> dict[str, Any]:
        """Record a brief whose article a previous run finished (`--resume`)."""
        entry = self.entries[brief]
        report = finished_article(self.output / brief.stem) or {}
        entry.update(status="skipped", article=_article_path(self.output / brief.stem, report))
        entry["wall_s"] = report.get("wall_s")
        return entry

    def record(self, brief: Path, result: Mapping[str, Any]) -> dict[str, Any]:
        """Write the article's files into OUTPUT/<stem>/, note the result, save the ledger."""
        from ucop.run.outputs import write_files

        entry = self.entries[brief]
        folder = self.output / brief.stem
        entry.update({k: result.get(k) for k in RESULT_FIELDS if k in result})
        entry["status"] = result.get("status", "failed")
        try:
            if result.get("files"):
                write_files(folder, result["files"])
        except WriteFailed as exc:  # a full disk: says where, and that nothing was left
            entry.update(status="failed", error=str(exc))
        except (OSError, UcopError) as exc:
            entry.update(status="failed", error=f"could not write {folder}: {exc}")
        article = result.get("article")
        entry["article"] = (
            str(folder / article) if article and entry["status"] != "failed" else None
        )
        self.save()
        return entry

    def count(self, *statuses: str) -> int:
        return sum(1 for e in self.entries.values() if e["status"] in statuses)

    def finished(self) -> int:
        return self.count("ok", "degraded", "replaced", "partial", "failed")

    def all_ok(self) -> bool:
        whole = self.count("ok", "degraded", "replaced", "skipped")  # exit 0: see report.status
        return whole == len(self.entries)

    def elapsed(self) -> float:
        if self._final_elapsed is not None:
            return self._final_elapsed
        return self._clock() - self._start

    def totals(self) -> dict[str, Any]:
        entries = list(self.entries.values())
        elapsed = self.elapsed()
        done = self.count("ok", "degraded", "replaced")
        return {
            "briefs": len(entries),
            "done": done,
            "partial": self.count("partial"),
            "failed": self.count("failed"),
            "replaced": self.count("replaced"),
            "skipped": self.count("skipped"),
            "requests": sum(e["requests"] or 0 for e in entries),
            "rate_limited": sum(e.get("rate_limited") or 0 for e in entries),
            "tokens_in": sum(e["tokens_in"] or 0 for e in entries),
            "tokens_out": sum(e["tokens_out"] or 0 for e in entries),
            "cached_tokens": sum(e.get("cached_tokens") or 0 for e in entries),
            "cost": _total_cost(entries),
            "elapsed_s": round(elapsed, 3),
            "startup_s": self.startup_s,
            "articles_per_minute": round(done * 60 / elapsed, 2) if elapsed > 0 else None,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": LEDGER_SCHEMA,
            "ucop_version": __version__,
            "executor": self.executor,
            "where": self.where,
            "max_requests": self.max_requests,
            "pacing": self.pacing,
            "started_at": self.started_at,
            "totals": self.totals(),
            "articles": list(self.entries.values()),
        }

    def save(self, *, final: bool = False) -> Path:
        """Rewrite OUTPUT/batch.json atomically; `final` freezes the elapsed time."""
        if final and self._final_elapsed is None:
            self._final_elapsed = self._clock() - self._start
        path = self.output / BATCH_REPORT
        try:
            atomic_write_text(path, json.dumps(self.to_json(), indent=2) + "\n")
        except OSError as exc:  # a full disk: the articles on disk are whole, say so once
            raise WriteFailed(
                f"could not write {path} ({exc.strerror or type(exc).__name__}) - the articles "
                "written so far are whole; free some space and run the batch again with --resume"
            ) from None
        return path


def _total_cost(entries: Sequence[Mapping[str, Any]]) -> float | None:
    """Dollars over the articles that ran; None when no model had a price."""
    costs = [e.get("cost") for e in entries if e["status"] not in ("pending", "skipped")]
    known = [c for c in costs if c is not None]
    return round(sum(known), 6) if known else None


def _entry(brief: Path, status: str) -> dict[str, Any]:
    return {
        "brief": str(brief),
        "name": brief.stem,
        "status": status,
        "article": None,
        "wall_s": None,
        "requests": 0,
        "rate_limited": 0,
        "tokens_in": 0,
        "tokens_out": 0,
        "cached_tokens": 0,
        "cost": None,
        "worker": None,
        "started": None,
        "error": None,
    }


def finished_article(folder: Path) -> dict[str, Any] | None:
    """The run report of the finished article in `folder` (run.json status ok, degraded or
    replaced: an article that exits 0, see `ucop.report.status`), else None."""
    try:
        report = json.loads((folder / RUN_REPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(report, dict) or report.get("status") not in EXIT_ZERO:
        return None
    article = report.get("article")
    return report if isinstance(article, str) and (folder / article).is_file() else None


def _article_path(folder: Path, report: Mapping[str, Any]) -> str | None:
    article = report.get("article")
    return str(folder / article) if article else None
