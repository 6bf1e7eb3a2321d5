"""Ingestion agents: read the brief's sources with real parsers into retrievable chunks.

They run in parallel with each other and make no model calls. A source kind the brief does
not name yields an empty result, not a failure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ucop.agents.base import Agent, RunServices, register
from ucop.engine.context import TaskContext


def files_digest(path: Path | None) -> str:
    """A hash of every file under `path` (names and bytes), for cache keys."""
    if path is None:
        return "none"
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        digest.update(str(file.relative_to(path.parent if path.is_file() else path)).encode())
        digest.update(b"\0")
        digest.update(file.read_bytes())
    return digest.hexdigest()[:24]


class _Ingestion(Agent):
    source_kind = ""

    def source(self, services: RunServices) -> Path | None:
        return services.brief.sources.get(self.source_kind)

    def cache_material(self, inputs: Mapping[str, Any], item: Any, services: RunServices) -> Any:
        path = self.source(services)
        return {
            "path": str(path),
            "files": files_digest(path),
            "base": str(services.brief.base),
            "url": self.url(services),
        }

    def url(self, services: RunServices) -> str | None:
        return getattr(services.brief, "source_urls", {}).get(self.source_kind)


@register
class KbIngestion(_Ingestion):
    name = "kb_ingestion"
    source_kind = "kb"
    description = "docs (Markdown, text, rst, notebooks, HTML), chunked by heading"

    def run(self, ctx: TaskContext, services: RunServices) -> dict[str, Any]:
        from ucop.sources import load_kb

        path, base = self.source(services), services.brief.base
        chunks = load_kb(path, base, self.url(services)) if path is not None else []
        for kind, extra in _plugin_sources(services):  # ucop.sources plugins join the KB
            chunks += [_as_kb(chunk, kind.name) for chunk in kind.load(extra, base)]
        return {"chunks": chunks, "documents": len({c["source"] for c in chunks})}

    def cache_material(self, inputs: Mapping[str, Any], item: Any, services: RunServices) -> Any:
        material = super().cache_material(inputs, item, services)
        extra = {kind.name: files_digest(path) for kind, path in _plugin_sources(services)}
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
