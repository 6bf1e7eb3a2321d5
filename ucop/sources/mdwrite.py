"""Markdown written from other formats' trees: the pieces the rst, notebook and HTML readers share.

Each reader walks its own parse tree and emits blocks (strings, no trailing newline) through
these helpers, so a list item, a quote, a code fence or a table looks the same whatever the
page was written in, and is what the Markdown chunker already reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ucop.pyparse import parse as parse_python

# A paragraph starting with one of these would become a heading, list, quote or rule.
_BLOCK_START = re.compile(
    r"^(?:#{1,6}(?:\s|$)|>|[-+*](?:\s|$)|\d{1,9}[.)](?:\s|$)|={3,}|-{3,}|_{3,})"
)
_SPACE = re.compile(r"\s+")
_MAX_GUESS = 20_000  # longer unlabelled blocks are not compiled to guess their language


def join_blocks(blocks: Iterable[str | None]) -> str:
    """Blocks separated by one blank line; empty ones dropped."""
    return "\n\n".join(b.strip("\n") for b in blocks if b and b.strip())


def one_paragraph(text: str) -> str:
    """Inline text as one line (a paragraph), escaped so it stays a paragraph."""
    flat = _SPACE.sub(" ", text.replace("\x00", "")).strip()
    return "\\" + flat if _BLOCK_START.match(flat) else flat


def code_span(text: str) -> str:
    """`text` as an inline code span, with enough backticks for those inside it."""
    flat = _SPACE.sub(" ", text.replace("\x00", "")).strip()
    if not flat:
        return ""
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{ticks}{pad}{flat}{pad}{ticks}"


def code_fence(code: str, lang: str) -> str:
    """A fenced code block long enough for the backticks inside it."""
    body = code.strip("\n")
    ticks = "`" * max([3, *(len(m) + 1 for m in re.findall(r"`{3,}", body))])
    label = re.sub(r"[^\w+#.-]", "", lang.lower())
    return f"{ticks}{label}\n{body}\n{ticks}"


def guess_language(code: str) -> str:
    """The language of an unlabelled block: an interpreter session, a shell session, Python,
    or `text` (a literal block is always given some label, so the article's fences say one)."""
    first = code.lstrip().splitlines()[0].strip() if code.strip() else ""
    if first.startswith(">>>"):
        return "pycon"
    if first.startswith("$ "):
        return "console"
    if len(code) > _MAX_GUESS:
        return "text"
    try:
        parse_python(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return "text"
    return "python" if re.search(r"[=(:]|^\s*(?:import|from)\s", code, re.M) else "text"


def list_item(marker: str, body: str) -> str:
    """`body` (Markdown blocks) as one list item: the marker, then lines indented under it."""
    lines = body.splitlines() or [""]
    pad = " " * (len(marker) + 1)
    rest = [f"{pad}{line}" if line.strip() else "" for line in lines[1:]]
    return "\n".join([f"{marker} {lines[0]}".rstrip(), *rest])


def bullet_list(items: Sequence[str], ordered: bool = False, start: int = 1) -> str:
    """Items (each Markdown blocks) as a tight list when each is one line, else a loose one."""
    marked = [list_item(f"{start + i}." if ordered else "-", item) for i, item in enumerate(items)]
    loose = any("\n" in item for item in items)
    return ("\n\n" if loose else "\n").join(marked)


def quote(body: str, label: str = "") -> str:
    """`body` as a blockquote; with `label`, its first line starts `**Label:**` (as MkDocs
    admonitions are written by `markup.normalize_markdown`)."""
    text = body.strip("\n")
    if label:
        text = f"**{label}:** {text}" if text else f"**{label}**"
    return "\n".join(f"> {line}".rstrip() for line in text.splitlines())


def table(rows: Sequence[Sequence[str]]) -> str:
    """Rows of cell text as a GFM table; the first row is the header."""
    width = max((len(row) for row in rows), default=0)
    if not width:
        return ""
    cells = [[_cell(c) for c in row] + [""] * (width - len(row)) for row in rows]
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return _SPACE.sub(" ", text).strip().replace("|", "\\|")


def heading(level: int, text: str) -> str:
    """An ATX heading, levels past 6 kept at 6."""
    flat = _SPACE.sub(" ", text).strip()
    return f"{'#' * min(max(level, 1), 6)} {flat}" if flat else ""
