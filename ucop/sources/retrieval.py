"""BM25 search over source chunks (KB sections, API operations, blog posts).

Use `Retriever` when an agent needs the few chunks most relevant to a question; build it once
per run from every loaded chunk and filter by `kinds` at query time.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from ucop.sources.words import tokenize

# BM25's `b`. Chunks are already cut to one section each; the usual 0.75 over-rewards short
# sections that merely mention a topic (a cross-reference) over the section that explains it.
LENGTH_NORMALISATION = 0.5
_LINK_TARGET = re.compile(r"\]\([^()\s]*\)")


def chunk_terms(chunk: dict[str, Any]) -> list[str]:
    """What a chunk is indexed under: title, heading (again, as a boost), text and code."""
    code = " ".join(block.get("code", "") for block in chunk.get("code_blocks") or [])
    text = _LINK_TARGET.sub("]", chunk.get("text", ""))  # a link's URL is not its meaning
    fields = [chunk.get("title", ""), chunk.get("heading", ""), text, code]
    return tokenize(" ".join(fields))


class Retriever:
    """BM25 (Okapi) ranking over a fixed list of chunk dicts."""

    def __init__(self, chunks: Iterable[dict[str, Any]]) -> None:
        self.chunks = list(chunks)
        corpus = [chunk_terms(chunk) for chunk in self.chunks]
        self.vocabulary = {term for terms in corpus for term in terms}
        self._sets = {str(c.get("id")): set(terms) for c, terms in zip(self.chunks, corpus)}
        self._df = Counter(term for terms in self._sets.values() for term in terms)
        self._bm25 = None
        if self.vocabulary:
            from rank_bm25 import BM25Okapi  # imported here: numpy makes it slow to import

            self._bm25 = BM25Okapi(corpus, b=LENGTH_NORMALISATION)

    def __len__(self) -> int:
        return len(self.chunks)

    def idf(self, term: str) -> float:
        """How rare a term is: a word no chunk has weighs most."""
        return math.log((len(self.chunks) + 1) / (self._df.get(term, 0) + 0.5))

    def coverage(self, terms: Sequence[str], chunk: dict[str, Any]) -> float:
        """The share of `terms`, weighted by rarity, that `chunk` contains (0.0 to 1.0).

        Unlike a BM25 score it is comparable across queries, so it serves as a relevance
        threshold: a chunk that has only the common words of a topic covers little of it.
        """
        unique = list(dict.fromkeys(terms))
        total = sum(self.idf(t) for t in unique)
        if not total:
            return 0.0
        have = self._sets.get(str(chunk.get("id")), set())
        return sum(self.idf(t) for t in unique if t in have) / total

    def search(
        self, query: str, k: int = 5, kinds: set[str] | None = None
    ) -> list[tuple[dict[str, Any], float]]:
        """Up to `k` (chunk, score) pairs, best first, score > 0, ties broken by chunk id."""
        terms = [term for term in tokenize(query) if term in self.vocabulary]
        if self._bm25 is None or not terms or k <= 0:
            return []
        scores = self._bm25.get_scores(terms)
        if not any(score > 0 for score in scores):
            # BM25 gives a term found in most chunks no weight, so a one- or two-page source
            # matches nothing; rank such a corpus by the share of the query it contains instead
            scores = [self.coverage(terms, chunk) for chunk in self.chunks]
        ranked = [
            (chunk, float(score))
            for chunk, score in zip(self.chunks, scores, strict=True)
            if score > 0 and (kinds is None or chunk.get("kind") in kinds)
        ]
        ranked.sort(key=lambda pair: (-pair[1], str(pair[0].get("id", ""))))
        return ranked[:k]
