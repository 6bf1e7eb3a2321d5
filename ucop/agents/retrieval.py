"""Search over the run's sources, with each BM25 index built once per run and shared."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ucop.agents.base import RunServices

MIN_SHARED_TERMS = 3  # a post must share this many words with the query to count as related
RELATED_COVERAGE = 0.35  # ... and this rarity-weighted share of the query's words


def knowledge(services: RunServices, kb: Mapping | None, api: Mapping | None) -> Any:
    """The retrieval index over knowledge-base and API chunks (built on first use)."""
    kb_chunks = (kb or {}).get("chunks", ())
    api_chunks = (api or {}).get("chunks", ())
    key = f"knowledge:{services.digest(kb_chunks)}:{services.digest(api_chunks)}"

    def build() -> Any:
        from ucop.sources import Retriever

        return Retriever([*kb_chunks, *api_chunks])

    return services.memo(key, build)


def search(
    services: RunServices,
    kb: Mapping | None,
    api: Mapping | None,
    query: str,
    *,
    k: int = 5,
    kinds: set[str] | None = None,
) -> list[tuple[Mapping, float]]:
    return knowledge(services, kb, api).search(query, k=k, kinds=kinds)


def related_posts(
    services: RunServices, blog: Mapping | None, query: str, k: int = 3
) -> list[dict[str, Any]]:
    """Earlier posts on the same subject, for internal links (best first)."""
    posts = {f"blog:{p['slug']}": p for p in (blog or {}).get("posts", ())}
    chunks = (blog or {}).get("chunks", ())
    if not chunks:
        return []

    def build() -> Any:
        from ucop.sources import Retriever

        return Retriever(chunks)

    from ucop.sources import tokenize

    index = services.memo(f"blog:{services.digest(chunks)}", build)
    terms = list(dict.fromkeys(tokenize(query)))
    found = []
    for chunk, _ in index.search(query, k=k):
        post = posts.get(chunk["id"])
        shared = set(terms) & set(tokenize(chunk["text"]))
        # Sharing common words is not enough: the post must be about a fair share of the
        # subject, weighted by how rare each word is across the blog.
        if (
            post is not None
            and len(shared) >= MIN_SHARED_TERMS
            and index.coverage(terms, chunk) >= RELATED_COVERAGE
        ):
            found.append({"title": post["title"], "url": post["url"], "source": post["source"]})
    return found


def owned_chunks(
    services: RunServices, kb: Mapping | None, ids: Sequence[str], api: Mapping | None = None
) -> list[tuple[Mapping, float]]:
    """The chunks an outline contract assigned to a section, in its order (score 0)."""
    chunks = [*(kb or {}).get("chunks", ()), *(api or {}).get("chunks", ())]
    by_id = services.memo(f"chunks:{services.digest(chunks)}", lambda: {c["id"]: c for c in chunks})
    return [(by_id[i], 0.0) for i in ids if i in by_id]


def passages(chunks: list[tuple[Mapping, float]]) -> list[dict[str, Any]]:
    """Number retrieved chunks [1], [2], ... for a prompt and for citations.

    Each passage carries its Markdown with the code blocks in place, so a writer can show
    the docs' own examples next to the text that explains them.
    """
    return [
        {
            "n": n,
            "id": chunk["id"],
            "kind": chunk.get("kind", "kb"),
            "title": chunk["title"],
            "heading": chunk.get("heading", ""),
            "source": chunk["source"],
            "url": chunk.get("url", ""),
            "text": chunk["text"],
            "markdown": chunk.get("markdown") or chunk["text"],
            "code_blocks": list(chunk.get("code_blocks") or ()),
        }
        for n, (chunk, _) in enumerate(chunks, start=1)
    ]
