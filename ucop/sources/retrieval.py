"""BM25 search over source chunks (KB sections, API operations, blog posts).

Use `Retriever` when an agent needs the few chunks most relevant to a question; build it once
per run and filter by `kinds` at query time. It searches a `ChunkStore` (the knowledge-base
index on disk, `ucop.sources.index`) and chunks held in memory (API operations, blog posts,
plugin passages) as one corpus: BM25 (Okapi) statistics are summed over both.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from ucop.sources.words import tokenize

# BM25's `b`. Chunks are already cut to one section each; the usual 0.75 over-rewards short
# sections that merely mention a topic (a cross-reference) over the section that explains it.
LENGTH_NORMALISATION = 0.5
K1 = 1.5
EPSILON = 0.25  # a term in over half the chunks weighs this share of the average idf
# Chunks FTS5 hands over per query for exact scoring: every match in a KB of ordinary size,
# the FTS5 BM25 top few hundred in a large one.
CANDIDATES = 400
_LINK_TARGET = re.compile(r"\]\([^()\s]*\)")


def chunk_terms(chunk: dict[str, Any]) -> list[str]:
    """What a chunk is indexed under: title, heading (again, as a boost), text and code."""
    return tokenize_words(_indexed_text(chunk))


def chunk_terms_joined(chunk: dict[str, Any]) -> tuple[int, str]:
    """`chunk_terms(chunk)` as `joined_terms` gives it: (count, terms joined by spaces)."""
    return joined_terms(_indexed_text(chunk))


def _indexed_text(chunk: dict[str, Any]) -> str:
    code = " ".join(block.get("code", "") for block in chunk.get("code_blocks") or [])
    text = _LINK_TARGET.sub("]", chunk.get("text", ""))  # a link's URL is not its meaning
    return " ".join([chunk.get("title", ""), chunk.get("heading", ""), text, code])


def tokenize_words(text: str) -> list[str]:
    """`tokenize(text)`, computed a whitespace-separated piece at a time, each piece once.

    Equal to `tokenize` because no term spans whitespace (tests/sources/test_index_terms.py
    checks it on the corpus); words repeat so much in documentation that indexing a
    knowledge base spends a tenth of the time tokenizing this way.
    """
    return [term for piece in text.split() for term in _piece_terms(piece)]


@functools.lru_cache(maxsize=1 << 17)
def _piece_terms(piece: str) -> tuple[str, ...]:
    return tuple(tokenize(piece))


_JOINED: dict[str, str] = {}  # a piece -> its terms joined by spaces ("" for none)
_JOINED_MAX = 1 << 19  # pieces remembered before the cache starts again


def joined_terms(text: str) -> tuple[int, str]:
    """`tokenize_words(text)` as (how many terms, the terms joined by spaces): what the index
    stores. Looks each piece up in C (`map`) and tokenizes only pieces not seen before."""
    global _JOINED
    if len(_JOINED) > _JOINED_MAX:
        _JOINED = {}  # a new table: a thread still using the old one keeps it whole
    table = _JOINED
    pieces = text.split()
    found = list(map(table.get, pieces))
    if None in found:  # some pieces not seen before: tokenize those, once each
        for piece in set(pieces).difference(table):
            table[piece] = " ".join(tokenize(piece))
        found = list(map(table.__getitem__, pieces))
    joined = " ".join(filter(None, found))
    return (joined.count(" ") + 1 if joined else 0), joined


class ChunkStore(Protocol):
    """Chunks kept outside memory (the knowledge-base index): what a `Retriever` asks of them."""

    kinds: frozenset[str]  # the chunk kinds it holds

    def __len__(self) -> int: ...
    @property
    def tokens(self) -> int: ...
    def df(self, term: str) -> int: ...
    def frequencies(self) -> Iterator[tuple[str, int]]: ...
    def candidates(self, terms: Iterable[str], limit: int) -> list[tuple[dict[str, Any], str]]: ...
    def get(self, chunk_id: str) -> dict[str, Any] | None: ...
    def ids(self) -> list[str]: ...
    def page(self, source: str) -> list[dict[str, Any]]: ...
    def __iter__(self) -> Iterator[dict[str, Any]]: ...


class Retriever:
    """BM25 (Okapi) ranking over chunks in memory and, optionally, a `ChunkStore` on disk.

    Scores are exact over the candidates: every chunk in memory that holds a query term, and
    the store's best CANDIDATES matches by FTS5's own BM25 (all of them in a KB of ordinary
    size), rescored here with this module's `k1`, `b` and idf so both halves rank alike.
    """

    def __init__(self, chunks: Iterable[dict[str, Any]] = (), store: ChunkStore | None = None):
        self.store = store
        self.memory = list(chunks)
        self._counts = {str(c.get("id")): Counter(chunk_terms(c)) for c in self.memory}
        self._mem_df = Counter(t for counts in self._counts.values() for t in counts)
        tokens = sum(sum(counts.values()) for counts in self._counts.values())
        stored = len(store) if store is not None else 0
        self._n = len(self.memory) + stored
        tokens += store.tokens if store is not None else 0
        self._avgdl = tokens / self._n if self._n else 0.0
        self._df: dict[str, int] = {}
        self._average_idf: float | None = None
        self._positions: dict[str, int] | None = None
        self._sets: OrderedDict[str, frozenset[str]] = OrderedDict()
        self.vocabulary = _Vocabulary(self)
        self.chunks = _Chunks(self)

    def __len__(self) -> int:
        return self._n

    def df(self, term: str) -> int:
        """How many chunks contain `term`."""
        found = self._df.get(term)
        if found is None:
            found = self._mem_df.get(term, 0) + (self.store.df(term) if self.store else 0)
            self._df[term] = found
        return found

    def idf(self, term: str) -> float:
        """How rare a term is: a word no chunk has weighs most."""
        return math.log((self._n + 1) / (self.df(term) + 0.5))

    def position(self, chunk_id: str) -> int:
        """Where the chunk comes in document order (as in `chunks`); -1 if it is not here.

        Reads only ids (once): cheaper than enumerating `chunks`, which reads every chunk.
        A store that numbers its chunks itself (a lazy index) is asked instead.
        """
        numbered = getattr(self.store, "position", None)
        if numbered is not None and not any(str(c.get("id")) == chunk_id for c in self.memory):
            found = numbered(chunk_id)
            if found is not None:
                return int(found)
        if self._positions is None:
            stored = self.store.ids() if self.store is not None else []
            ids = [*stored, *(str(c.get("id")) for c in self.memory)]
            self._positions = {chunk_id: n for n, chunk_id in reversed(list(enumerate(ids)))}
        return self._positions.get(chunk_id, -1)

    def get(self, chunk_id: str) -> dict[str, Any] | None:
        """The chunk with this id, or None."""
        for chunk in self.memory:  # few: API operations, posts, plugin passages
            if str(chunk.get("id")) == chunk_id:
                return chunk
        return self.store.get(chunk_id) if self.store is not None else None

    def has_kind(self, kind: str) -> bool:
        """Whether any chunk is of this kind (`kb`, `api`, ...), without reading them all."""
        stored = self.store is not None and len(self.store) > 0 and kind in self.store.kinds
        return stored or any(c.get("kind") == kind for c in self.memory)

    def page(self, source: str) -> list[dict[str, Any]]:
        """Every chunk of one document (by its `source`), in order: what a snippet's page
        imports, read without walking the whole knowledge base."""
        found = [c for c in self.memory if c.get("source") == source]
        return [*(self.store.page(source) if self.store is not None else ()), *found]

    def coverage(self, terms: Sequence[str], chunk: dict[str, Any]) -> float:
        """The share of `terms`, weighted by rarity, that `chunk` contains (0.0 to 1.0).

        Unlike a BM25 score it is comparable across queries, so it serves as a relevance
        threshold: a chunk that has only the common words of a topic covers little of it.
        """
        unique = list(dict.fromkeys(terms))
        total = sum(self.idf(t) for t in unique)
        if not total:
            return 0.0
        have = self._term_set(chunk)
        return sum(self.idf(t) for t in unique if t in have) / total

    def _term_set(self, chunk: dict[str, Any]) -> frozenset[str]:
        key = str(chunk.get("id"))
        counts = self._counts.get(key)
        if counts is not None:
            return frozenset(counts)
        found = self._sets.get(key)
        if found is None:
            found = self._sets[key] = frozenset(chunk_terms(chunk))
            if len(self._sets) > 4096:  # planning looks at a few hundred chunks, not all
                self._sets.popitem(last=False)
        return found

    def search(
        self, query: str, k: int = 5, kinds: set[str] | None = None
    ) -> list[tuple[dict[str, Any], float]]:
        """Up to `k` (chunk, score) pairs, best first, score > 0, ties broken by chunk id."""
        terms = [term for term in tokenize(query) if self.df(term) > 0]
        if not terms or k <= 0:
            return []
        pool = self._pool(terms, k, kinds)
        scores = [self._bm25(terms, counts) for _, counts in pool]
        if not any(score > 0 for score in scores):
            # BM25 gives a term found in most chunks no weight, so a one- or two-page source
            # matches nothing; rank such a corpus by the share of the query it contains instead
            scores = [self.coverage(terms, chunk) for chunk, _ in pool]
        ranked = [
            (chunk, float(score))
            for (chunk, _), score in zip(pool, scores, strict=True)
            if score > 0 and (kinds is None or chunk.get("kind") in kinds)
        ]
        ranked.sort(key=lambda pair: (-pair[1], str(pair[0].get("id", ""))))
        return ranked[:k]

    def _pool(
        self, terms: list[str], k: int, kinds: set[str] | None
    ) -> list[tuple[dict[str, Any], Counter[str]]]:
        """The chunks worth scoring: those holding a query term, with their term counts."""
        wanted = set(terms)
        pool = [
            (chunk, self._counts[str(chunk.get("id"))])
            for chunk in self.memory
            if not wanted.isdisjoint(self._counts[str(chunk.get("id"))])
        ]
        if self.store is not None and (kinds is None or kinds & self.store.kinds):
            found = self.store.candidates(wanted, max(CANDIDATES, 10 * k))
            pool += [(chunk, Counter(text.split())) for chunk, text in found]
        return pool

    def _bm25(self, terms: list[str], counts: Counter[str]) -> float:
        length = sum(counts.values())
        norm = K1 * (1 - LENGTH_NORMALISATION + LENGTH_NORMALISATION * length / self._avgdl)
        score = 0.0
        for term in terms:  # a repeated query word counts again, as in rank_bm25
            tf = counts.get(term, 0)
            if tf:
                score += self._bm25_idf(term) * tf * (K1 + 1) / (tf + norm)
        return score

    def _bm25_idf(self, term: str) -> float:
        df = self.df(term)
        idf = math.log(self._n - df + 0.5) - math.log(df + 0.5)
        return idf if idf >= 0 else EPSILON * self._mean_idf()

    def _mean_idf(self) -> float:
        """BM25's average idf over the whole vocabulary (read once, when first needed)."""
        if self._average_idf is None:
            df = Counter(self._mem_df)
            if self.store is not None:
                for term, count in self.store.frequencies():
                    df[term] += count
            n = self._n
            total = sum(math.log(n - c + 0.5) - math.log(c + 0.5) for c in df.values())
            self._average_idf = total / len(df) if df else 0.0
        return self._average_idf


class _Vocabulary:
    """`term in retriever.vocabulary`: whether any chunk contains the term."""

    def __init__(self, retriever: Retriever) -> None:
        self._retriever = retriever

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self._retriever.df(term) > 0


class _Chunks(Sequence[dict[str, Any]]):
    """Every chunk in document order: the store's (read a page at a time), then memory's."""

    def __init__(self, retriever: Retriever) -> None:
        self._retriever = retriever

    def __len__(self) -> int:
        return len(self._retriever)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self._retriever.store is not None:
            yield from self._retriever.store
        yield from self._retriever.memory

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += len(self)
        for position, chunk in enumerate(self):
            if position == index:
                return chunk
        raise IndexError(index)
