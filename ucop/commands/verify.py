"""`ucop verify [DIR]`: one ✓/✗ line per check, then ALL CHECKS PASSED or the failures."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def run_verify(
    article_dir: Path | None, *, config: str | None, flags: Mapping[str, Any], console: Any = None
) -> int:
    from rich.console import Console

    from ucop.verify import article_checks, installation_checks

    console = console or Console()
    checks = installation_checks(config, flags, dict(os.environ))
    if article_dir is not None:
        checks += article_checks(article_dir)
    for check in checks:
        mark = "[green]✓[/]" if check.ok else "[red]✗[/]"
        console.print(f"{mark} {check.name}: [dim]{check.detail}[/]", highlight=False)
    failed = [c for c in checks if not c.ok]
    if failed:
        console.print(
            f"[bold red]{len(failed)} CHECK(S) FAILED:[/] " + ", ".join(c.name for c in failed)
        )
        return 1
    console.print("[bold green]ALL CHECKS PASSED[/]")
    return 0
