"""`ucop logs`: the last runs from the history, newest first; `--json` for scripts."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Any

from ucop.errors import UsageError


def run_logs(count: int, *, model: str | None, json_out: bool, console: Any = None) -> int:
    from rich.console import Console
    from rich.table import Table

    from ucop import history

    if count < 1:
        raise UsageError(f"-n {count}: must be 1 or more")
    runs = history.recent(count, model)
    if json_out:
        sys.stdout.write(json.dumps([asdict(r) for r in runs], indent=2) + "\n")
        return 0
    console = console or Console()
    if not runs:
        where = history.history_path()
        console.print(f"No runs in the history yet ({where}).", highlight=False)
        return 0
    table = Table(box=None, padding=(0, 1), header_style="bold")
    for title in ("started", "status", "model", "tokens", "cost", "wall"):
        table.add_column(title, no_wrap=True)
    table.add_column("output", overflow="fold", min_width=12)  # a long path wraps, never cut
    for run in runs:
        table.add_row(
            run.started.replace("T", " ")[5:16],  # 12-03 15:13 (UTC)
            run.status,
            f"{run.provider}/{run.model}",
            f"{run.tokens_in + run.tokens_out:,}",
            f"${run.cost:.4f}" if run.cost is not None else "-",
            f"{run.wall_s:.1f}s" if run.wall_s is not None else "-",
            run.output,
        )
    console.print(table)
    return 0
