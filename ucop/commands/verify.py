"""`ucop verify [DIR]`: one ✓/✗ line per check, then ALL CHECKS PASSED or the failures."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ucop.errors import UsageError


def run_verify(
    article_dir: Path | None,
    *,
    config: str | None,
    flags: Mapping[str, Any],
    json_out: bool = False,
    console: Any = None,
) -> int:
    from rich.console import Console

    from ucop.verify import article_checks, installation_checks

    if article_dir is not None and not article_dir.is_dir():
        what = "is not a folder" if article_dir.exists() else "does not exist"
        raise UsageError(f"{article_dir} {what} - give the --output folder of a run or a batch")
    _check_provider_name(flags.get("provider") or os.environ.get("UCOP_PROVIDER", "").strip())
    checks = installation_checks(config, flags, dict(os.environ))
    if article_dir is not None:
        for prefix, folder in article_folders(article_dir):
            checks += [replace(c, name=f"{prefix}{c.name}") for c in article_checks(folder)]
    failed = [c for c in checks if not c.ok]
    if json_out:
        data = {"ok": not failed, "checks": [c.__dict__ for c in checks]}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return 1 if failed else 0
    console = console or Console()
    for check in checks:
        mark = "[green]✓[/]" if check.ok else "[red]✗[/]"
        console.print(f"{mark} {check.name}: [dim]{check.detail}[/]", highlight=False)
    if failed:
        console.print(
            f"[bold red]{len(failed)} CHECK(S) FAILED:[/] " + ", ".join(c.name for c in failed)
        )
        return 1
    console.print("[bold green]ALL CHECKS PASSED[/]")
    return 0


def article_folders(folder: Path) -> list[tuple[str, Path]]:
    """The article folders to check: `folder` itself, or each article of a batch folder
    (a `batch.json` beside one subfolder per brief), its checks named after the brief."""
    if not (folder / "batch.json").is_file():
        return [("", folder)]
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir() and (p / "run.json").is_file())
    return [(f"{p.name}: ", p) for p in subfolders] or [("", folder)]


def _check_provider_name(name: str) -> None:
    """An unknown --provider (or UCOP_PROVIDER) is a usage error, not a failed check."""
    from ucop.providers import REGISTRY

    if name and name not in REGISTRY:  # a broken plugin is listed: a failed check says why
        REGISTRY.choose(name, "provider.name")
