"""Search over the run's sources, with each BM25 index built once per run and shared."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ucop.agents.base import RunServices

MIN_SHARED_TERMS = 2  # a post must share this many words with the query to count as related
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
    services: RunServices, blog: Mapping | None, query: str, k: int = 3, brief_text: str = ""
) -> list[dict[str, Any]]:
    """Earlier posts on the same subject, for internal links (best first).

    A post the brief names by its title ("link to ... for the basics") always counts.
    """
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
    # Words the blog never uses say nothing about which post is closest; but a blog that
    # lacks most of the subject's words (a Rust blog for a Starlette article) is not related.
    known = [t for t in terms if t in index.vocabulary]
    if len(known) * 2 < len(terms):
        known = []
    # Every post is scored (a blog is small, and BM25 scores nothing in a two-post blog):
    # sharing common words is not enough, a post must be about a fair share of the subject,
    # weighted by how rare each word is across the blog.
    scored = []
    for chunk in chunks:
        post = posts.get(chunk["id"])
        shared = set(known) & set(tokenize(f"{chunk['title']} {chunk['text']}"))
        share = index.coverage(known, chunk) if known else 0.0
        if post is not None and post["title"].lower() in brief_text.lower():
            share = 1.0 + share
        if (
            post is not None
            and (share > 1.0 or len(shared) >= MIN_SHARED_TERMS)
            and share >= (RELATED_COVERAGE)
        ):
            scored.append((share, chunk["id"], post))
    scored.sort(key=lambda item: (-item[0], item[1]))
    # A link only where the blog's public URL is known (`blog: {path:, url:}` in the brief);
    # a bare `/slug/` resolves on some site nobody named: such posts are named by title.
    return [
        {"title": post["title"], "url": public_url(post["url"]), "source": post["source"]}
        for _, _, post in scored[:k]
    ]


def public_url(url: str) -> str:
    """`url` when it is an http(s) URL, else "" (name the post, do not link it)."""
    return url if re.match(r"https?://", url or "") else ""


def owned_chunks(
    services: RunServices, kb: Mapping | None, ids: Sequence[str], api: Mapping | None = None
) -> list[tuple[Mapping, float]]:
    """The chunks an outline contract assigned to a section, in its order (score 0)."""
    chunks = [*(kb or {}).get("chunks", ()), *(api or {}).get("chunks", ())]
    by_id = services.memo(f"chunks:{services.digest(chunks)}", lambda: {c["id"]: c for c in chunks})
    return [(by_id[i], 0.0) for i in ids if i in by_id]


def passages(chunks: Sequence[tuple[Mapping, float]]) -> list[dict[str, Any]]:
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
            "level": chunk.get("level", 0),
            "source": chunk["source"],
            "url": chunk.get("url", ""),
            "text": chunk["text"],
            "markdown": chunk.get("markdown") or chunk["text"],
            "code_blocks": list(chunk.get("code_blocks") or ()),
        }
        for n, (chunk, _) in enumerate(chunks, start=1)
    ]
