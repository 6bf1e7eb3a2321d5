"""A section's blocks packed into bounded chunks: no passage, and so no request, is huge.

Prose is packed paragraph by paragraph up to MAX_CHUNK_CHARS; a paragraph longer than that is
cut at sentence ends, then word ends, then (a run with no whitespace at all) every
MAX_CHUNK_CHARS characters. Code stays with the prose that introduces it, up to MAX_CODE_CHARS
of code in one chunk; a longer block is cut at line ends (a longer line every MAX_CODE_CHARS)
into several blocks, each in its own chunk. A chunk therefore never holds more than about
MAX_CHUNK_CHARS + MAX_CODE_CHARS characters of source, however the page is written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_CHUNK_CHARS = 1200  # prose in one chunk
MAX_CODE_CHARS = 4000  # code in one chunk
MAX_HEADING_CHARS = 200  # a heading or page title longer than this is cut

CodeBlock = dict[str, str]  # {"lang": ..., "code": ...}, the shape of a chunk's code_blocks
Piece = tuple[str, "str | CodeBlock"]  # ("prose", text) or ("code", block), in page order
Part = tuple[str, list[CodeBlock], str]  # (prose, code blocks, Markdown of both in order)


def pack(pieces: Sequence[Piece]) -> list[Part]:
    """Pack a section's pieces into parts within the bounds above."""
    parts: list[tuple[list[str], list[CodeBlock], list[str]]] = [([], [], [])]
    for _kind, value in pieces:
        if isinstance(value, dict):
            for block in split_code(value):
                code = parts[-1][1]
                if code and sum(len(b["code"]) for b in code) + len(block["code"]) > MAX_CODE_CHARS:
                    parts.append(([], [], []))
                parts[-1][1].append(block)
                parts[-1][2].append(fence(block))
            continue
        for paragraph in paragraphs(value):
            texts = parts[-1][0]
            size = sum(len(t) + 2 for t in texts) + len(paragraph)
            if texts and size > MAX_CHUNK_CHARS:
                parts.append(([], [], []))
            parts[-1][0].append(paragraph)
            parts[-1][2].append(paragraph)
    return [
        ("\n\n".join(texts), code, "\n\n".join(blocks))
        for texts, code, blocks in parts
        if texts or code
    ]


def split_code(block: CodeBlock) -> list[CodeBlock]:
    """`block`, or its lines in consecutive blocks of at most MAX_CODE_CHARS each."""
    code = block["code"]
    if len(code) <= MAX_CODE_CHARS:
        return [block]
    pieces = _wrap_at(code, MAX_CODE_CHARS, "\n")
    return [{"lang": block["lang"], "code": piece} for piece in pieces if piece.strip()]


def fence(block: CodeBlock) -> str:
    """A code block as a Markdown fence long enough for the backticks inside it."""
    ticks = "`" * max([3, *(len(m) + 1 for m in re.findall(r"`{3,}", block["code"]))])
    return f"{ticks}{block['lang']}\n{block['code']}\n{ticks}"


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, each cut to MAX_CHUNK_CHARS."""
    result = []
    for para in re.split(r"\n\s*\n", text.strip("\n")):
        if para.strip():
            result.extend(cut(para.rstrip(), MAX_CHUNK_CHARS))
    return result


def cut(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at sentence ends where possible,
    else at word ends, else anywhere."""
    if len(text) <= limit:
        return [text]
    units: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        units.extend([sentence] if len(sentence) <= limit else _wrap(sentence, limit))
    out: list[str] = [""]
    for unit in units:
        if out[-1] and len(out[-1]) + 1 + len(unit) > limit:
            out.append("")
        out[-1] = f"{out[-1]} {unit}" if out[-1] else unit
    return out


def short(text: str, limit: int = MAX_HEADING_CHARS) -> str:
    """A heading or title cut to `limit` characters at a word end when there is one."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    return head.rsplit(" ", 1)[0] if " " in head[limit // 2 :] else head


def _wrap(text: str, limit: int) -> list[str]:
    """`text` cut at the last space that keeps each piece within `limit` (anywhere if none)."""
    return [piece for piece in _wrap_at(" ".join(text.split()), limit, " ") if piece]


def _wrap_at(text: str, limit: int, sep: str) -> list[str]:
    """`text` in pieces of at most `limit`, each ending before the last `sep` that fits."""
    pieces, start = [], 0
    while len(text) - start > limit:
        end = text.rfind(sep, start, start + limit + 1)
        end = end if end > start else start + limit
        pieces.append(text[start:end])
        start = end + 1 if text[end : end + 1] == sep else end
    pieces.append(text[start:])
    return pieces
