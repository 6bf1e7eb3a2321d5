"""Words as search and coverage see them: stemmed prose words and whole code identifiers.

Use `tokenize` wherever text is compared with text (the index, coverage of a title, the review
of a section): the same function on both sides is what makes "authenticate" meet
"authentication" and `iter_bytes` meet `Response.iter_bytes()`.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer

STOP_WORDS = frozenset(
    """a an and are as at be been but by can could do does for from has have how i if in into
    is it its it's me my no not of on or our so than that the their them then there these they
    this to was we were what when where which while who why will with would you your""".split()  # noqa: SIM905
)
# A word, or an identifier joined by `_`, `-` or `.` (`iter_bytes`, `keep-alive`,
# `click.option`); a trailing dot ends a sentence and is not part of the word.
_WORD = re.compile(r"[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_SHOUTED = re.compile(r"[A-Z]{2,}(?:s|es|ed|ing)")
_STEMMER = snowballstemmer.stemmer("english")
_STEMMING = threading.Lock()  # a Snowball stemmer keeps its word in itself: one at a time


def tokenize(text: str) -> list[str]:
    """Lower-case terms, stop words dropped, prose words stemmed (`streaming` -> `stream`).

    Identifiers stay whole and also yield their parts: `@click.option` gives `click.option`,
    `click`, `option`; `iter_bytes` gives `iter_bytes`, `iter`, `byte`; `HTTPTransport` gives
    `httptransport`, `http`, `transport`.
    """
    terms: list[str] = []
    for match in _WORD.finditer(text):
        terms.extend(_terms(match.group()))
    return terms


@lru_cache(maxsize=65536)
def _terms(word: str) -> tuple[str, ...]:
    """The terms of one word as written (cached: docs repeat their words)."""
    out: list[str] = []
    pieces = word.split(".")
    if len(pieces) > 1:
        out.append(word.lower())
    for piece in pieces:
        out.extend(_identifier(piece))
    return tuple(t for t in dict.fromkeys(out) if len(t) > 1 and t not in STOP_WORDS)


def _identifier(piece: str) -> list[str]:
    if _SHOUTED.fullmatch(piece):  # "POSTing", "URLs": a word, written loud
        return [stem(piece.lower())]
    parts = [p for sub in re.split(r"[_-]", piece) for p in _CAMEL.findall(sub)]
    if len(parts) <= 1:
        return [stem(piece.lower())]
    whole = piece.lower()
    if piece.isalpha() and whole.endswith("s") and not whole.endswith("ss"):
        whole = whole[:-1]  # WebSockets -> websocket, as WebSocket; pageSize stays whole
    return [whole, *(stem(p.lower()) for p in parts)]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of a lower-case word; numbers and short words unchanged."""
    if len(word) <= 3 or not word.isalpha() or word in STOP_WORDS:
        return word
    with _STEMMING:
        return str(_STEMMER.stemWord(word))
