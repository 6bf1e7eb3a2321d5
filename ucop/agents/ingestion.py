"""Ingestion agents: read the brief's sources with real parsers into retrievable chunks.

They run in parallel with each other and make no model calls. A source kind the brief does
not name yields an empty result, not a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ucop.agents.base import Agent, RunServices, register
from ucop.engine.context import TaskContext


class _Ingestion(Agent):
    source_kind = ""

    def source(self, services: RunServices) -> Path | None:
        path = services.brief.sources.get(self.source_kind)
        if path is None:
            return None
        from ucop.sources.frontmatter import locate

        return locate(path, services.brief.base)

    def cache_material(self, inputs: Mapping[str, Any], item: Any, services: RunServices) -> Any:
        path = self.source(services)
        return {
            "path": str(path),
            "files": "none" if path is None else self.digest(path, services),
            "base": str(services.brief.base),
            "url": self.url(services),
        }

    def digest(self, path: Path, services: RunServices) -> str:
        """What the cache key knows of the source's content (see `ucop.sources.digest`)."""
        raise NotImplementedError

    def url(self, services: RunServices) -> str | None:
        return getattr(services.brief, "source_urls", {}).get(self.source_kind)


@register
class KbIngestion(_Ingestion):
    """Brings the knowledge base's index up to date and hands on where it is.

    The chunks stay in the index (`ucop.sources.index`); the output holds its `IndexRef`,
    the counts, and any plugin sources' passages (`plugin_chunks`), which are held in memory.
    """

    name = "kb_ingestion"
    source_kind = "kb"
    description = "docs (Markdown, text, rst, notebooks, HTML), chunked by heading"

    def run(self, ctx: TaskContext, services: RunServices) -> dict[str, Any]:
        path, base = self.source(services), services.brief.base
        ref = self.index(path, services) if path is not None else None
        extra = []
        for kind, source in _plugin_sources(services):  # ucop.sources plugins join the KB
            extra += [_as_kb(chunk, kind.name) for chunk in kind.load(source, base)]
        documents = (ref["documents"] if ref else 0) + len({c["source"] for c in extra})
        chunks = (ref["chunks"] if ref else 0) + len(extra)
        return {"index": ref, "documents": documents, "chunks": chunks, "plugin_chunks": extra}

    def index(self, path: Path, services: RunServices) -> Any:
        """Bring the folder's index up to date (a batch's articles share one; see BATCH.md)."""
        from ucop.sources.index.shared import refresh_for_run

        url = self.url(services)
        return refresh_for_run(path, services.brief.base, url, self.listing(path, services))

    def listing(self, path: Path, services: RunServices) -> Any:
        """The folder's documents and their stat, taken once per run (key, then index)."""
        from ucop.sources.index.shared import listing_for_run

        url = self.url(services)
        key = f"kb-listing:{path}:{url}"
        return services.memo(key, lambda: listing_for_run(path, services.brief.base, url))

    def digest(self, path: Path, services: RunServices) -> str:
        from ucop.sources.digest import kb_digest

        found = self.listing(path, services)
        return kb_digest(path, self.url(services), found=found)

    def cache_material(self, inputs: Mapping[str, Any], item: Any, services: RunServices) -> Any:
        from ucop.sources.digest import listing_digest

        material = super().cache_material(inputs, item, services)
        extra = {kind.name: listing_digest(path) for kind, path in _plugin_sources(services)}
        return {**material, "plugins": extra} if extra else material


def _as_kb(chunk: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """A plugin's passage as a knowledge-base chunk: planners and writers search kind `kb`.

    Fields a plugin may leave out get the values a Markdown section would have.
    """
    text = str(chunk.get("text", ""))
    return {
        "level": 2,
        "code_blocks": [],
        "markdown": text,
        **chunk,
        "kind": "kb",
        "origin": origin,
    }


def _plugin_sources(services: RunServices) -> list[tuple[Any, Path]]:
    from ucop.sources.kinds import extra_sources

    return extra_sources(services.brief.sources)


@register
class ApiIngestion(_Ingestion):
    name = "api_ingestion"
    source_kind = "api"
    description = "OpenAPI 3.x / Swagger 2.0 operations, $refs resolved"

    def run(self, ctx: TaskContext, services: RunServices) -> dict[str, Any]:
        from ucop.sources import api_chunks, load_openapi

        path = self.source(services)
        if path is None:
            return {"spec": None, "chunks": []}
        spec = load_openapi(
            path,
            services.brief.base,
            ref_roots=[p for p in services.brief.sources.values() if p is not None],
            allow_outside_refs=services.allow_outside_refs,
        )
        for warning in spec.get("warnings", ()):  # operations and schemes left out, by name
            ctx.warn("spec_refused", f"{spec['source']}: {warning}")
        return {"spec": spec, "chunks": api_chunks(spec)}

    def cache_material(self, inputs: Mapping[str, Any], item: Any, services: RunServices) -> Any:
        material = super().cache_material(inputs, item, services)
        return {**material, "allow_outside_refs": services.allow_outside_refs}

    def digest(self, path: Path, services: RunServices) -> str:
        from ucop.sources.digest import spec_digest

        return spec_digest(path)


@register
class BlogIngestion(_Ingestion):
    name = "blog_ingestion"
    source_kind = "blog"
    description = "past posts: titles, tags, dates, summaries"

    def run(self, ctx: TaskContext, services: RunServices) -> dict[str, Any]:
        from ucop.sources import blog_chunks, load_blog

        path = self.source(services)
        if path is None:
            return {"posts": [], "chunks": []}
        posts = load_blog(path, services.brief.base, self.url(services))
        return {"posts": posts, "chunks": blog_chunks(posts)}

    def digest(self, path: Path, services: RunServices) -> str:
        from ucop.sources.digest import blog_digest

        return blog_digest(path)
