"""`ucop index SOURCES...`: build or refresh knowledge-base indexes ahead of a run or a batch.

The index is the one `generate` and `batch` use (same cache folder, same key), so a batch
started afterwards parses nothing. Each source is a folder or one document.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from ucop.errors import SourceError


def run_index(
    sources: list[Path], *, url: str | None, json_out: bool, full: bool | None = None
) -> int:
    from ucop.cache import default_cache_dir
    from ucop.sources.index import refresh

    cache_dir = default_cache_dir(dict(os.environ))
    results = []
    for source in sources:
        if not source.exists():
            raise SourceError(f"{source}: not found - give a knowledge-base folder or document")
        ref, stats = refresh(cache_dir, source.absolute(), Path.cwd(), url, full=full)
        if not stats.documents:
            raise SourceError(f"{source}: no documents found - give a knowledge-base folder")
        results.append({"source": str(source), "index": ref["db"], **asdict(stats)})
        if not json_out:
            print(_line(source, stats))
    if json_out:
        sys.stdout.write(json.dumps(results, indent=2) + "\n")
    return 0


def _line(source: Path, stats: object) -> str:
    from ucop.commands.cache import _size
    from ucop.sources.index import RefreshStats

    assert isinstance(stats, RefreshStats)
    kept = stats.documents - stats.parsed
    how = "built" if stats.rebuilt else "refreshed"
    if stats.unparsed:  # a lazy index: changed documents were read, not parsed
        kept = stats.documents - stats.hashed
        lazy = f", {stats.unparsed} to parse when a search first picks them"
    else:
        lazy = ""
    return (
        f"{source}: {how} in {stats.seconds:.2f}s - {stats.documents} documents"
        f" ({stats.parsed} parsed, {kept} unchanged, {stats.removed} removed{lazy}),"
        f" {stats.chunks} chunks, {_size(stats.bytes)}"
    )
