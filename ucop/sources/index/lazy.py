"""A lazy index: documents chosen by FTS5 over their raw text, parsed the first time they are.

A large knowledge base (over `build.EAGER_DOCS` documents, unless `ucop index --full`) is
built by storing each document's text in the `docs` FTS5 table (porter stemming, C
tokenizer), cut at heading lines (a regular expression, not a parser) into sections, which
stand in for its chunks: no Markdown or rst parsing, no Python tokenizing. A section's rowid
is its file's rowid times 4096 plus its place. A search then runs in two stages: FTS5's BM25
over the sections picks the TOP_DOCUMENTS documents whose sections rank best for the query,
those not parsed yet are parsed here (the build's own parser) and their chunks stored for
every later run, and the chunks of those documents only are ranked as in an eager index,
with the sections' statistics (count, document frequencies, words) standing in for the
chunks' so the ranking never depends on which documents earlier runs happened to parse.

Parsing happens outside any transaction; the rows are written in one `BEGIN IMMEDIATE`
transaction that first checks the file is still unparsed and still has the hash that was
parsed, so threads and processes sharing the index may parse the same document at once
(one stores it, the other finds it done) and a refresh that changed the file meanwhile wins.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from ucop.sources.index import store
from ucop.sources.index.parse import Job, Parsed, parse_one
from ucop.sources.words import STOP_WORDS

TOP_DOCUMENTS = 64  # documents a query's chunks are drawn from
# A chunk's terms hold its page title and heading besides its text; a section's first line
# weighs this much in FTS5's BM25 in their stead.
HEAD_WEIGHT = 2.0
SECTIONS = 4096  # a document's sections past this many are stored as its last one
# A Markdown heading line, or a line an rst underline follows: where a section starts.
_SECTION = re.compile(r"^(?=#{1,6}[ \t])|^(?=[^\n]+\n[=\-~^\"'`*+#]{3,}[ \t]*$)", re.M)
# Words FTS5 counts and `tokenize` does not: stop words, as porter stems them too.
_UNCOUNTED = sorted(STOP_WORDS | {"wa", "ha", "thi", "doe", "hi", "whi", "becaus"})


def sections(text: str) -> list[str]:
    """The document cut before each heading line (empty pieces dropped)."""
    pieces = [piece for piece in _SECTION.split(text) if piece.strip()]
    if len(pieces) > SECTIONS:
        pieces[SECTIONS - 1 :] = ["".join(pieces[SECTIONS - 1 :])]
    return pieces or [text]


def insert_sections(conn: sqlite3.Connection, file_rowid: int, text: str) -> None:
    """Store a document's sections: each one's heading line, after the page's own (as a
    chunk's terms hold its page title and heading), and its text."""
    base = file_rowid * SECTIONS
    rows = [_head_body(piece) for piece in sections(text)]
    title = rows[0][0]
    conn.executemany(
        "INSERT INTO docs(rowid, head, body) VALUES (?, ?, ?)",
        [
            (base + n, head if n == 0 else f"{title}\n{head}", body)
            for n, (head, body) in enumerate(rows)
        ],
    )


def _head_body(piece: str) -> tuple[str, str]:
    """A section's first line (its heading, when it has one) and the rest."""
    head, _, body = piece.lstrip().partition("\n")
    return head, body


def drop_sections(conn: sqlite3.Connection, path: str) -> None:
    row = conn.execute("SELECT rowid FROM files WHERE path = ?", (path,)).fetchone()
    if row:
        low = int(row[0]) * SECTIONS
        conn.execute("DELETE FROM docs WHERE rowid BETWEEN ? AND ?", (low, low + SECTIONS - 1))


def section_counts(conn: sqlite3.Connection) -> tuple[int, int]:
    """(sections, words as `tokenize` would count them, estimated: FTS5's without stop words
    and one-letter words)."""
    (count,) = conn.execute("SELECT count(*) FROM docs").fetchone()
    marks = ",".join("?" * len(_UNCOUNTED))
    (words,) = conn.execute(
        f"SELECT coalesce(sum(cnt), 0) FROM dvocab WHERE length(term) > 1"
        f" AND term NOT IN ({marks})",
        _UNCOUNTED,
    ).fetchone()
    return int(count), int(words)


def store_rows(
    conn: sqlite3.Connection, path: str, rows: list[tuple[str, int, int, str, str]]
) -> None:
    """Add one file's chunk rows to the table and the full-text index; mark it parsed."""
    for ord_, (cid, n, chars, data, terms) in enumerate(rows):
        cursor = conn.execute(
            "INSERT INTO chunks(file, ord, cid, n, chars, data, terms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (path, ord_, cid, n, chars, data, terms),
        )
        conn.execute("INSERT INTO fts(rowid, terms) VALUES (?, ?)", (cursor.lastrowid, terms))
    conn.execute("UPDATE files SET chunks = ?, parsed = 1 WHERE path = ?", (len(rows), path))


def match_query(terms: Iterable[str]) -> str:
    """An FTS5 query matching any of `terms` (each quoted; those without letters dropped).

    Terms are `tokenize`'s Snowball stems, which FTS5's porter stemmer may cut further
    ("respons" -> "respon"), so each is a prefix query: "respons" matches "respons" in the
    index and the stem of "responses" whichever stemmer cut it."""
    usable = sorted({t for t in terms if any(ch.isalnum() for ch in t)})
    return " OR ".join('"' + term.replace('"', '""') + '"*' for term in usable)


def top_documents(conn: sqlite3.Connection, terms: Iterable[str], k: int) -> list[str]:
    """The paths of the `k` documents whose best section FTS5's BM25 ranks best for `terms`
    (ties by path)."""
    query = match_query(terms)
    if not query:
        return []
    rows = conn.execute(
        "SELECT f.path FROM (SELECT file, min(score) AS best FROM (SELECT rowid / ? AS file,"
        " bm25(docs, ?, 1.0) AS score FROM docs WHERE docs MATCH ? LIMIT -1) GROUP BY file) AS s"
        " JOIN files f ON f.rowid = s.file ORDER BY s.best, f.path LIMIT ?",
        (SECTIONS, HEAD_WEIGHT, query, k),
    ).fetchall()
    return [path for (path,) in rows]


def document_frequency(conn: sqlite3.Connection, term: str) -> int:
    """How many sections hold `term` (as FTS5's porter tokenizer reads it)."""
    query = match_query([term])
    if not query:
        return 0
    (count,) = conn.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (query,)).fetchone()
    return int(count)


def file_of(conn: sqlite3.Connection, chunk_id: str) -> str | None:
    """The stored path of the document a chunk id (`kb:<path>#<anchor>`) comes from."""
    row = conn.execute(
        "SELECT path FROM files WHERE substr(?, 4, length(path) + 1) = path || '#'"
        " ORDER BY length(path) DESC LIMIT 1",
        (chunk_id,),
    ).fetchone()
    return str(row[0]) if row else None


def ensure_parsed(
    conn: sqlite3.Connection, paths: Sequence[str], root: Path, base: Path, url: str | None
) -> int:
    """Parse and store the documents among `paths` not parsed yet; returns how many this
    call stored."""
    if not paths:
        return 0
    marks = ",".join("?" * len(paths))
    todo = conn.execute(
        f"SELECT path, sha FROM files WHERE parsed = 0 AND path IN ({marks}) ORDER BY path",
        tuple(paths),
    ).fetchall()
    if not todo:
        return 0
    folder = root if root.is_dir() else root.parent
    parsed = [parse_one(Job(path, folder / path, None), root, base, url) for path, _ in todo]
    return _write(conn, parsed)


def _write(conn: sqlite3.Connection, parsed: list[Parsed]) -> int:
    if conn.in_transaction:
        conn.commit()
    conn.execute("BEGIN IMMEDIATE")
    stored = 0
    try:
        for result in parsed:
            row = conn.execute(
                "SELECT sha, parsed FROM files WHERE path = ?", (result.path,)
            ).fetchone()
            if row is None or row[0] != result.sha or row[1] or result.rows is None:
                continue  # removed, changed since, or parsed by another run meanwhile
            store_rows(conn, result.path, result.rows)
            stored += 1
        if stored:
            meta = store.read_meta(conn)
            store.write_meta(conn, parses=int(meta.get("parses", "0")) + stored)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return stored
