"""What `ucop batch` shows on stderr: live progress, a plain log line per article, the summary.

    with make_display(console, mode, ledger, slots) as display:
        display.tick(unfinished)      # about 4 times a second
        display.article(entry)        # as each article comes back

Everything shown is read from the batch's `Ledger` (`ucop.batch.ledger`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any


def make_display(
    console: Any, mode: str, ledger: Any, slots: int, calls: Callable[[], int] | None = None
) -> QuietDisplay:
    """--progress for a batch: a live bar, plain lines, or nothing (quiet); `auto` is live on a
    terminal and plain otherwise, as for `generate`."""
    from ucop.ui.progress import resolve_mode

    shown = resolve_mode(console, mode)
    if shown == "quiet":
        return QuietDisplay()
    if shown == "live":
        return LiveDisplay(console, ledger, slots, calls)
    return PlainDisplay(console, ledger, slots)


class QuietDisplay:
    """Shows nothing while the batch runs; the summary at the end is all the user sees."""

    def __enter__(self) -> QuietDisplay:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def article(self, entry: Mapping[str, Any]) -> None:
        return None

    def tick(self, unfinished: int) -> None:
        return None


class PlainDisplay(QuietDisplay):
    """One line when the batch starts and one per finished article: for logs and pipes."""

    def __init__(self, console: Any, ledger: Any, slots: int) -> None:
        self.console, self.ledger, self.slots = console, ledger, slots
        self.total = len(ledger.entries) - ledger.count("skipped")

    def __enter__(self) -> PlainDisplay:
        skipped = self.ledger.count("skipped")
        note = f", {skipped} already done" if skipped else ""
        self.console.print(
            f"batch: {self.total} article(s) to write{note}, on {self.ledger.where}, "
            f"into {self.ledger.output}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        return self

    def article(self, entry: Mapping[str, Any]) -> None:
        done = f"[{self.ledger.finished()}/{self.total}]"
        self.console.print(f"{done} {line(entry)}", highlight=False, markup=False, soft_wrap=True)


class LiveDisplay(PlainDisplay):
    """A Rich progress bar: articles done, failed, running and model calls, and elapsed time.

    The call count comes from `calls` (the batch pacer's count, as calls start) when given,
    so it moves while articles run instead of jumping when each one finishes.
    """

    def __init__(
        self, console: Any, ledger: Any, slots: int, calls: Callable[[], int] | None = None
    ) -> None:
        super().__init__(console, ledger, slots)
        self.calls = calls

    def __enter__(self) -> LiveDisplay:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]articles"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeElapsedColumn(),
            console=self.console,
        )
        self.task = self.progress.add_task("articles", total=self.total, stats="")
        self.progress.start()
        self.tick(self.total)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.stop()

    def article(self, entry: Mapping[str, Any]) -> None:
        self.progress.console.print(line(entry), highlight=False, markup=False, soft_wrap=True)
        self.progress.update(self.task, completed=self.ledger.finished())

    def tick(self, unfinished: int) -> None:
        ledger = self.ledger
        running = min(self.slots, unfinished)
        stats = (
            f"[green]{ledger.count('ok')} ok[/] [red]{ledger.count('failed', 'partial')} failed[/]"
            f" {running} running {unfinished - running} queued"
            f" | {self._calls()} model calls"
        )
        self.progress.update(self.task, stats=stats)

    def _calls(self) -> int:
        finished = int(self.ledger.totals()["requests"])
        if self.calls is None:
            return finished
        try:
            return max(finished, self.calls())
        except Exception:  # noqa: BLE001 - a display must not stop the batch
            return finished


def line(entry: Mapping[str, Any]) -> str:
    """One finished article, for the plain log and above the live bar."""
    wall = f"{entry['wall_s']:.1f}s" if entry.get("wall_s") is not None else "-"
    detail = entry.get("error") or entry.get("article") or ""
    return (
        f"{entry['status']:<8} {entry['name']}  {wall}  {entry.get('requests') or 0} calls"
        f"  {detail}"
    )


def render_summary(ledger: Any) -> Any:
    """The end-of-batch table, one row per brief, and the totals under it."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Batch", title_justify="left", box=None, padding=(0, 1))
    for column in ("brief", "status", "time", "calls", "tokens"):
        table.add_column(
            column, justify="right" if column in ("time", "calls", "tokens") else "left"
        )
    table.add_column("article / error", overflow="fold")
    for entry in ledger.entries.values():
        table.add_row(*_row(entry))
    t = ledger.totals()
    rate = f"{t['articles_per_minute']:g} articles/min" if t["articles_per_minute"] else "-"
    drafts = f" ({t['replaced']} the offline draft: the model's answers were all rejected)"
    totals = Text(
        f"{t['done']} ok{drafts if t.get('replaced') else ''}, {t['partial']} partial, "
        f"{t['failed']} failed, {t['skipped']} skipped "
        f"in {t['elapsed_s']:.1f}s ({rate}), {t['requests']} model calls "
        f"({t['rate_limited']} answered 429), cost {_dollars(t['cost'])}; "
        f"report: {ledger.output / 'batch.json'}"
    )
    if ledger.pacing.get("budget_stopped"):
        totals.append(
            f"\nStopped at --max-cost ${ledger.pacing['max_cost']:g}: calls that would pass it "
            "were not started - run the batch again with --resume (and a higher --max-cost) "
            "to finish.",
            style="bold yellow",
        )
    return Group(table, totals)


def _dollars(cost: float | None) -> str:
    return "unknown (no price for the model)" if cost is None else f"${cost:.4f}"


STATUS_STYLE = {"ok": "green", "partial": "yellow", "failed": "red", "skipped": "dim"}
STATUS_STYLE |= {"degraded": "yellow", "replaced": "red"}  # see ucop.report.status


def _row(entry: Mapping[str, Any]) -> list[str]:
    from rich.markup import escape

    status = entry["status"]
    style = STATUS_STYLE.get(status, "")
    wall = f"{entry['wall_s']:.1f}s" if entry.get("wall_s") is not None else "-"
    tokens = (entry.get("tokens_in") or 0) + (entry.get("tokens_out") or 0)
    article = entry.get("article")
    detail = entry.get("error") or (f"{entry['name']}/{Path(article).name}" if article else "")
    return [
        entry["name"],
        f"[{style}]{status}[/]" if style else status,
        wall,
        str(entry.get("requests") or 0),
        str(tokens),
        escape(detail),
    ]
