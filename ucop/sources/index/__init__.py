"""A persistent, incremental knowledge-base index (SQLite FTS5) in the cache directory.

`refresh(cache_dir, root, base, url)` builds or updates the index of one folder and returns
an `IndexRef`; `IndexView` reads it for a `Retriever`; `catalog` lists and removes indexes
for `ucop cache info` / `ucop cache clear`.
"""

from __future__ import annotations

from ucop.sources.index.build import IndexRef, RefreshStats, refresh, source_limit
from ucop.sources.index.catalog import IndexInfo, clear_indexes, list_indexes
from ucop.sources.index.view import IndexView

__all__ = [
    "IndexInfo",
    "IndexRef",
    "IndexView",
    "RefreshStats",
    "clear_indexes",
    "list_indexes",
    "refresh",
    "source_limit",
]
