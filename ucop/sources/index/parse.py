"""Parsing changed documents for the index: hash, chunk and tokenize, in worker processes.

Parsing Markdown and tokenizing are the whole cost of a first build, and pure Python, so a
large batch of new files is spread over a few processes (`UCOP_INDEX_WORKERS`, default up to
4); the builder only writes rows. Results come back in file order, so the index is the same
whichever way it was built.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ucop.errors import SourceError
from ucop.files import read_input_bytes
from ucop.sources.frontmatter import source_path

WORKERS_ENV = "UCOP_INDEX_WORKERS"
PARALLEL_FROM = 64  # fewer changed files than this are parsed in the builder itself


@dataclass(frozen=True)
class Job:
    """One file to look at: its key in the index and the hash the index has for it."""

    path: str
    file: Path
    old_sha: str | None


@dataclass(frozen=True)
class Parsed:
    """A file's new hash; if its bytes changed, its text and (when it was parsed, not only
    read) its rows: (id, term count, characters of text, JSON, terms)."""

    path: str
    sha: str
    rows: list[tuple[str, int, int, str, str]] | None
    text: str | None = None


def parse_all(jobs: Sequence[Job], root: Path, base: Path, url: str | None) -> Iterator[Parsed]:
    """`parse_one` for every job, in order; in worker processes when there are many."""
    workers = _workers(len(jobs))
    if workers <= 1:
        yield from (parse_one(job, root, base, url) for job in jobs)
        return
    context = multiprocessing.get_context("spawn")  # never fork a process that has threads
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        args = [(job, root, base, url) for job in jobs]
        yield from pool.map(_parse_args, args, chunksize=8)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _workers(jobs: int) -> int:
    raw = os.environ.get(WORKERS_ENV, "").strip()
    if raw.isdigit():
        return int(raw) if jobs >= 2 else 1
    if jobs < PARALLEL_FROM or multiprocessing.current_process().daemon:
        return 1  # a daemonic process (some executors' workers) may not start others
    return min(4, os.cpu_count() or 1)


def _parse_args(args: tuple[Job, Path, Path, str | None]) -> Parsed:
    return parse_one(*args)


def read_one(job: Job, *, strict: bool = False) -> Parsed:
    """Hash the file; if the hash is new, its text too (rows None: not parsed yet).

    `strict` (a lazy build, which parses nothing yet) refuses a binary or non-UTF-8 file
    as parsing it would, so such a file stops the build, not a later search."""
    try:
        data = read_input_bytes(job.file)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SourceError(f"{job.file}: cannot be read ({reason}) — check its permissions") from exc
    sha = hashlib.sha256(data).hexdigest()
    if sha == job.old_sha:
        return Parsed(job.path, sha, None)
    if strict:
        from ucop.sources.frontmatter import decode_text

        return Parsed(job.path, sha, None, decode_text(job.file, data))
    return Parsed(job.path, sha, None, data.decode("utf-8", errors="replace"))


def parse_one(job: Job, root: Path, base: Path, url: str | None) -> Parsed:
    """Hash the file; if the hash is new, chunk it (ids relative to its folder) and tokenize."""
    read = read_one(job)
    if read.text is None:
        return read
    return Parsed(job.path, read.sha, chunk_rows(job.file, root, base, url), read.text)


def chunk_rows(
    file: Path, root: Path, base: Path, url: str | None
) -> list[tuple[str, int, int, str, str]]:
    """The rows the index stores for one file's chunks."""
    from ucop.sources.retrieval import chunk_terms_joined

    rows = []
    for chunk in chunks_of(file, root, base, url):
        count, terms = chunk_terms_joined(chunk)
        chars = len(str(chunk.get("text", "")))
        rows.append((str(chunk["id"]), count, chars, json.dumps(chunk), terms))
    return rows


def chunks_of(file: Path, root: Path, base: Path, url: str | None) -> list[dict[str, Any]]:
    """The file's chunks with `source` and `id` relative to the folder that holds it."""
    from ucop.sources.kb import document_chunks

    folder = root if root.is_dir() else root.parent
    chunks = document_chunks(file, base, set(), root=root, url=url)
    stored = source_path(file, folder)
    for chunk in chunks:
        seen = str(chunk.get("source", ""))
        chunk["id"] = str(chunk["id"]).replace(seen, stored, 1) if seen else str(chunk["id"])
        chunk["source"] = stored
    return chunks
