"""`ucop cache info` and `ucop cache clear`: where the resume cache is, how big, and removing it."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict


def run_cache(action: str, *, json_out: bool) -> int:
    from ucop.cache import DiskCache, default_cache_dir

    cache = DiskCache(default_cache_dir(dict(os.environ)))
    info = cache.clear() if action == "clear" else cache.info()
    if json_out:
        data = asdict(info) | ({"cleared": True} if action == "clear" else {})
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return 0
    size = _size(info.bytes)
    if action == "clear":
        print(f"Removed {info.entries} cached results ({size}) from {info.path}")
        if info.indexes:
            index_size = _size(sum(index.bytes for index in info.indexes))
            print(f"Removed {len(info.indexes)} knowledge-base indexes ({index_size})")
        return 0
    print(f"path       {info.path}{'' if info.exists else '  (not created yet)'}")
    print(f"results    {info.entries}  (source text and model answers, for --resume)")
    print(f"durations  {info.durations}  (measured agent times, for scheduling)")
    print(f"size       {size}")
    print(f"indexes    {len(info.indexes)}  (knowledge bases, searched in place; `ucop index`)")
    for index in info.indexes:
        state = "" if index.state == "ready" else f"  [{index.state}: rebuilt on next use]"
        print(
            f"  {index.root}  {index.documents} documents, {index.chunks} chunks,"
            f" {_size(index.bytes)}{state}"
        )
    print("Remove it with `ucop cache clear`; set UCOP_CACHE_DIR to move it.")
    return 0


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} bytes"
