"""Reading an index as one brief sees it: chunk ids and paths relative to the brief's folder.

`IndexView` is the `ChunkStore` a `Retriever` searches: document frequencies from FTS5's
vocabulary table, candidate chunks from an FTS5 match, and chunks fetched by id, all read
from disk on demand, so a run holds only the chunks it is looking at.

Over a lazy index (`ucop.sources.index.lazy`) the statistics are the sections' (count,
FTS5 words, section frequencies), candidates come from the documents FTS5 ranks best for
the query (parsed then if they were not), walking the chunks (`ids`, iteration) sees the
documents parsed so far, and `text_lengths` counts the sections' lengths.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ucop.sources.frontmatter import source_path
from ucop.sources.index import lazy, store

PAGE = 500  # chunks read per query when walking the whole index


class IndexView:
    """The chunks of one index, with ids and sources as seen from the folder `base`."""

    kinds = frozenset({"kb"})

    def __init__(self, db: Path, root: Path, base: Path) -> None:
        self.db = db
        folder = root if root.is_dir() else root.parent
        prefix = source_path(folder, base)
        self.prefix = "" if prefix == "." else prefix
        self.root, self.base = root, base
        self._conn = store.connect(db)
        self._lock = threading.Lock()
        meta = dict(self._rows("SELECT key, value FROM meta"))
        self.lazy = meta.get("lazy") == "1"
        self._url = meta.get("url") or None
        self._ranks: dict[str, int] | None = None
        if self.lazy:
            self._count, self._tokens = int(meta["sections"]), int(meta["words"])
        else:
            sql = "SELECT count(*), coalesce(sum(n), 0) FROM chunks"
            self._count, self._tokens = self._one(sql)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    def _one(self, sql: str, params: Iterable[Any] = ()) -> tuple[Any, ...]:
        rows = self._rows(sql, params)
        return rows[0] if rows else ()

    def __len__(self) -> int:
        return int(self._count)

    @property
    def tokens(self) -> int:
        """Terms in all chunks together (BM25's average length is this over len())."""
        return int(self._tokens)

    def df(self, term: str) -> int:
        """How many chunks (sections, if lazy) contain `term`."""
        if self.lazy:
            with self._lock:
                return lazy.document_frequency(self._conn, term)
        row = self._one("SELECT doc FROM vocab WHERE term = ?", (term,))
        return int(row[0]) if row else 0

    def frequencies(self) -> Iterator[tuple[str, int]]:
        """Every term with the number of chunks containing it."""
        yield from self._rows(f"SELECT term, doc FROM {'dvocab' if self.lazy else 'vocab'}")

    def candidates(self, terms: Iterable[str], limit: int) -> list[tuple[dict[str, Any], str]]:
        """Up to `limit` chunks holding any of `terms`, FTS5's BM25 best first, with terms."""
        unique = sorted(set(terms))
        if not unique:
            return []
        query = " OR ".join('"' + term.replace('"', '""') + '"' for term in unique)
        sql = "SELECT c.data, c.terms FROM fts JOIN chunks c ON c.rowid = fts.rowid"
        sql += " WHERE fts MATCH ?"
        params: list[Any] = [query]
        if self.lazy:
            with self._lock:
                paths = lazy.top_documents(self._conn, unique, lazy.TOP_DOCUMENTS)
                lazy.ensure_parsed(self._conn, paths, self.root, self.base, self._url)
            sql += f" AND c.file IN ({','.join('?' * len(paths))})"
            params += paths
        rows = self._rows(sql + " ORDER BY bm25(fts) LIMIT ?", (*params, limit))
        return [(self._as_seen(data), terms_text) for data, terms_text in rows]

    def get(self, chunk_id: str) -> dict[str, Any] | None:
        """The chunk with this id (as the brief sees it), or None."""
        stored = self._stored_id(chunk_id)
        row = self._one("SELECT data FROM chunks WHERE cid = ? LIMIT 1", (stored,))
        if not row and self.lazy:
            with self._lock:
                path = lazy.file_of(self._conn, stored)
                if path is not None:
                    lazy.ensure_parsed(self._conn, [path], self.root, self.base, self._url)
            row = self._one("SELECT data FROM chunks WHERE cid = ? LIMIT 1", (stored,))
        return self._as_seen(row[0]) if row else None

    def _stored_id(self, chunk_id: str) -> str:
        return chunk_id.replace(self.prefix + "/", "", 1) if self.prefix else chunk_id

    def position(self, chunk_id: str) -> int | None:
        """Where a chunk comes in document order, from ids alone; None: not a lazy index
        (the caller counts `ids()`), -1: not here. Lazy, a document's chunks are numbered
        from its place among all documents times 10,000, parsed or not."""
        if not self.lazy:
            return None
        row = self._one("SELECT file, ord FROM chunks WHERE cid = ?", (self._stored_id(chunk_id),))
        if not row:
            return -1
        if self._ranks is None:
            paths = self._rows("SELECT path FROM files ORDER BY path")
            self._ranks = {path: n for n, (path,) in enumerate(paths)}
        return self._ranks.get(row[0], 0) * 10_000 + int(row[1])

    def page(self, source: str) -> list[dict[str, Any]]:
        """The chunks of one document (its `source` as the brief sees it), in order."""
        stored = source.replace(self.prefix + "/", "", 1) if self.prefix else source
        if self.lazy:
            with self._lock:
                lazy.ensure_parsed(self._conn, [stored], self.root, self.base, self._url)
        rows = self._rows(
            "SELECT data FROM chunks WHERE json_extract(data, '$.source') = ? ORDER BY ord",
            (stored,),
        )
        return [self._as_seen(data) for (data,) in rows]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Every chunk in document order (path, then position), read a page at a time."""
        after: tuple[str, int] = ("", -1)
        while True:
            rows = self._rows(
                "SELECT file, ord, data FROM chunks WHERE (file, ord) > (?, ?)"
                " ORDER BY file, ord LIMIT ?",
                (*after, PAGE),
            )
            for _, _, data in rows:
                yield self._as_seen(data)
            if len(rows) < PAGE:
                return
            after = (rows[-1][0], rows[-1][1])

    def text_lengths(self) -> dict[int, int]:
        """How many chunks have each length of text (characters), from an index of lengths;
        over a lazy index, how many sections (which stand in for its chunks) have each."""
        if self.lazy:
            rows = self._rows("SELECT length(head) + length(body), count(*) FROM docs GROUP BY 1")
            return {int(chars): int(count) for chars, count in rows}
        rows = self._rows("SELECT chars, count(*) FROM chunks GROUP BY chars")
        return {int(chars): int(count) for chars, count in rows}

    def ids(self) -> list[str]:
        """Every chunk id in document order, without reading the chunks themselves."""
        rows = self._rows(
            "SELECT cid, json_extract(data, '$.source') FROM chunks ORDER BY file, ord"
        )
        if not self.prefix:
            return [cid for cid, _ in rows]
        return [cid.replace(src, f"{self.prefix}/{src}", 1) for cid, src in rows]

    def _as_seen(self, data: str) -> dict[str, Any]:
        chunk: dict[str, Any] = json.loads(data)
        if self.prefix:
            stored = str(chunk.get("source", ""))
            seen = f"{self.prefix}/{stored}"
            chunk["id"] = str(chunk["id"]).replace(stored, seen, 1)
            chunk["source"] = seen
        return chunk
