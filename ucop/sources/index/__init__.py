"""A persistent, incremental knowledge-base index (SQLite FTS5) in the cache directory.

`refresh(cache_dir, root, base, url)` builds or updates the index of one folder and returns
an `IndexRef`; `IndexView` reads it for a `Retriever`; `list_indexes` / `clear_indexes` serve
`ucop cache info` / `ucop cache clear`. Names are imported on first use.
"""

from __future__ import annotations

from ucop.lazy import lazy_attributes

_HOMES = {
    "IndexRef": "build",
    "RefreshStats": "build",
    "refresh": "build",
    "source_limit": "build",
    "IndexInfo": "catalog",
    "clear_indexes": "catalog",
    "list_indexes": "catalog",
    "IndexView": "view",
}

__all__ = sorted(_HOMES)

__getattr__ = lazy_attributes(__name__, _HOMES, globals())
