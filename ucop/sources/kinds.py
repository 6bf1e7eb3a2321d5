"""Source kinds: what a brief may name under `sources:`, registered under `ucop.sources`.

The built-ins (`kb`, `api`, `blog`) each have their own ingestion agent. A plugin kind (a
Confluence or Notion export, say) gives a `load(path, brief_folder)` that returns passages
shaped like knowledge-base chunks - dicts with `id` (unique, e.g. "notion:page#heading"),
`kind`, `source` (a path for the Sources list), `title`, `heading`, `text` and `code_blocks` -
and the `kb_ingestion` agent adds them to the knowledge base, where they are searched and
cited like any KB passage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ucop.registry import Registry, of_type

GROUP = "ucop.sources"
BUILTIN_ORDER = ("kb", "api", "blog")

Loader = Callable[[Path, Path], list[dict[str, Any]]]


@dataclass(frozen=True)
class SourceKind:
    """One kind of source: its key in the brief and, for plugin kinds, how to read it."""

    name: str
    load: Loader | None = None  # None: a built-in read by its own ingestion agent
    description: str = ""


KB = SourceKind("kb", description="docs (Markdown, text, rst, notebooks, HTML), chunked by heading")
API = SourceKind("api", description="OpenAPI 3.x / Swagger 2.0 spec")
BLOG = SourceKind("blog", description="past blog posts: titles, tags, dates, summaries")

REGISTRY: Registry[SourceKind] = Registry(
    GROUP, "source kind", of_type(SourceKind, "a SourceKind"), first=BUILTIN_ORDER
)
KINDS = REGISTRY.registered  # the in-process entries (and the installed ones once loaded)


def register(kind: SourceKind) -> SourceKind:
    """Add a source kind in-process; a later one with the same name replaces an earlier one."""
    return REGISTRY.register(kind.name, kind)


def available() -> list[str]:
    """Every kind a brief may name: the built-ins in their usual order, then the others."""
    return REGISTRY.names()


def kind(name: str) -> SourceKind | None:
    """The kind called `name`, imported on first use; None if unknown or broken."""
    return REGISTRY.find(name)


def extra_sources(sources: dict[str, Path | None]) -> list[tuple[SourceKind, Path]]:
    """The brief's plugin sources that load into the knowledge base, in name order."""
    found = []
    for name in sorted(set(sources) - set(BUILTIN_ORDER)):
        path, source_kind = sources[name], kind(name)
        if path is not None and source_kind is not None and source_kind.load is not None:
            found.append((source_kind, path))
    return found
