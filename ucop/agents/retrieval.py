"""Search over the run's sources, with each retriever opened once per run and shared.

The knowledge base is searched in its on-disk index (`kb_ingestion` hands on its
`IndexRef`); API operations, plugin passages and blog posts are held in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ucop.agents.base import RunServices

MIN_SHARED_TERMS = 2  # a post must share this many words with the query to count as related
RELATED_COVERAGE = 0.35  # ... and this rarity-weighted share of the query's words


def knowledge(services: RunServices, kb: Mapping | None, api: Mapping | None) -> Any:
    """The retriever over the knowledge base's index, its plugin passages and API operations."""
    ref = (kb or {}).get("index")
    extra = [*(kb or {}).get("plugin_chunks", ()), *(api or {}).get("chunks", ())]
    key = f"knowledge:{ref and ref['digest']}:{ref and ref['db']}:{services.digest(extra)}"

    def build() -> Any:
        from ucop.sources import Retriever

        return Retriever(extra, store=_view(services, ref) if ref else None)

    return services.memo(key, build)


def _view(services: RunServices, ref: Mapping[str, Any]) -> Any:
    """The index as this brief sees it; refreshed first if it went missing (a resumed run
    whose index was removed, or one another run has changed since)."""
    from ucop.sources.index import IndexView
    from ucop.sources.index.shared import refresh_for_run

    db = Path(ref["db"])
    if not db.exists() or not _current(db, str(ref["digest"])):
        db = Path(refresh_for_run(Path(ref["root"]), services.brief.base, ref.get("url"))["db"])
    return IndexView(db, Path(ref["root"]), services.brief.base)


def _current(db: Path, digest: str) -> bool:
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False
    return meta.get("state") == "ready" and meta.get("digest") == digest


class ChunksById(Mapping[str, Mapping[str, Any]]):
    """The run's knowledge chunks by id, read from the index when asked (for citations)."""

    def __init__(self, retriever: Any) -> None:
        self._retriever = retriever

    def __getitem__(self, chunk_id: str) -> Mapping[str, Any]:
        found = self._retriever.get(chunk_id)
        if found is None:
            raise KeyError(chunk_id)
        return found

    def __iter__(self) -> Iterator[str]:
        return (str(chunk["id"]) for chunk in self._retriever.chunks)

    def __len__(self) -> int:
        return len(self._retriever)


def chunks_by_id(services: RunServices, kb: Mapping | None, api: Mapping | None) -> ChunksById:
    return ChunksById(knowledge(services, kb, api))


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
    retriever = knowledge(services, kb, api)
    found = [(i, retriever.get(i)) for i in ids]
    return [(chunk, 0.0) for _, chunk in found if chunk is not None]


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
