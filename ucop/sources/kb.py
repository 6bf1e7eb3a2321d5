"""The knowledge base: documents read as Markdown, parsed with markdown-it-py, chunked by heading.

Markdown and text are read as they are; reStructuredText, Jupyter notebooks and HTML pages are
first converted to the same Markdown (`ucop.sources.formats`). Each chunk is one section of one
document, split further to stay within the bounds of `ucop.sources.chunking`, with its code
fences pulled out into `code_blocks` so retrieval scores prose and agents can quote code
verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown_it.token import Token

from ucop.errors import SourceError
from ucop.sources.chunking import MAX_CHUNK_CHARS, MAX_HEADING_CHARS, fence, pack, short
from ucop.sources.confine import check_inside
from ucop.sources.formats import DOC_SUFFIXES, read_document
from ucop.sources.frontmatter import locate, source_path
from ucop.sources.markup import normalize_markdown, page_url
from ucop.sources.mdblocks import PARSERS, Block, PageBlocks, markdown_parser, parsed_blocks
from ucop.sources.mdscan import scan

KB_SUFFIXES = DOC_SUFFIXES
__all__ = [
    "MAX_CHUNK_CHARS",
    "KB_SUFFIXES",
    "document_chunks",
    "fence",
    "kb_files",
    "load_kb",
    "markdown_parser",
]
LEGAL_FILES = {"LICENSE", "LICENCE", "COPYING", "NOTICE"}  # not documentation
# Characters where markdown-it-py's inline rules (CommonMark, strikethrough) may start
# markup; a heading without them is its own plain text.
_MARKUP = re.compile(r"[\\`*_~\[\]!<&\n]")


def plain_text(inline: Token) -> str:
    """Text of an inline token without Markdown markup (links keep their label)."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


def heading_text(source: str) -> str:
    """A heading's plain text, from at most a few times MAX_HEADING_CHARS of its source."""
    source = source[: MAX_HEADING_CHARS * 4]
    if not _MARKUP.search(source):
        return short(source.strip())  # what the inline parser would give: the text itself
    parsed = PARSERS.inline.parseInline(source)
    return short(plain_text(parsed[0])) if parsed else ""


def page_blocks(body: str, *, fast: bool = True) -> PageBlocks:
    """The blocks of a Markdown body: by the line scanner when it can, else markdown-it-py."""
    found = scan(body) if fast else None
    return found if found is not None else parsed_blocks(body)


def heading_anchor(text: str) -> str:
    """The anchor MkDocs and GitHub give a heading: lower-case, punctuation dropped, spaces to
    hyphens. Not a slug (`v1.2` stays `v12`): it must match the page the site generator built."""
    anchor = re.sub(r"[^\w\s-]", "", text.lower()).strip()
    return re.sub(r"[\s_-]+", "-", anchor).strip("-") or "section"


def unique_id(candidate: str, seen: set[str]) -> str:
    """`candidate`, or `candidate-2`, `-3`, … if already in `seen`; records the result."""
    result, n = candidate, 1
    while result in seen:
        n += 1
        result = f"{candidate}-{n}"
    seen.add(result)
    return result


def load_kb(path: Path, base: Path, url: str | None = None) -> list[dict[str, Any]]:
    """Load a KB folder (recursive, every suffix in KB_SUFFIXES, sorted) or one file as chunks.

    `url` is the knowledge base's public address: relative links resolve against it and each
    chunk gets its page's URL. Without it relative links are reduced to their text.
    """
    root = locate(path, base)
    if not root.exists():
        raise SourceError(f"{root}: not found — fix sources.kb in the brief", path=str(root))
    files = kb_files(root)
    if not files:
        raise SourceError(
            f"{root}: no documents found ({', '.join(KB_SUFFIXES)}) — add some or fix"
            " sources.kb in the brief",
            path=str(root),
        )
    seen: set[str] = set()
    chunks: list[dict[str, Any]] = []
    for file in files:
        chunks.extend(document_chunks(file, base, seen, root=root, url=url))
    return chunks


def kb_files(root: Path) -> list[Path]:
    """Documents under `root`, skipping hidden files and folders, in path order."""
    if root.is_file():
        return [root]
    found = []
    real_root = root.resolve()
    for file in root.rglob("*"):
        if file.suffix.lower() not in KB_SUFFIXES or file.stem.upper() in LEGAL_FILES:
            continue
        rel = file.relative_to(root)
        if not any(part.startswith(".") for part in rel.parts) and file.is_file():
            check_inside(file, root, "kb", real_root)
            found.append((rel.as_posix(), file))
    return [file for _, file in sorted(found)]


@dataclass
class _Section:
    """One heading and the blocks under it, in document order."""

    heading: str
    level: int
    trail: list[str]
    pieces: list[tuple[str, Any]] = field(default_factory=list)


def document_chunks(
    file: Path,
    base: Path,
    seen: set[str],
    *,
    root: Path | None = None,
    url: str | None = None,
    fast: bool = True,
) -> list[dict[str, Any]]:
    """Chunks of one KB document; ids are made unique against `seen`.

    `fast=False` reads every page with markdown-it-py (to check the line scanner against).
    """
    rel = source_path(file, base)
    meta, body = read_document(file, rel)
    in_kb = file.name if root is None or root.is_file() else file.relative_to(root).as_posix()
    body = normalize_markdown(body, in_kb, url)
    page = page_url(url, in_kb)
    blocks = page_blocks(body, fast=fast)
    stem = file.stem.replace("-", " ").replace("_", " ").strip()
    title = short(str(meta.get("title") or _first_h1(blocks.top) or stem[:1].upper() + stem[1:]))
    chunks = []
    for section in _sections(blocks, body.splitlines(), title):
        anchor = heading_anchor(section.heading)
        for n, (text, code, markdown) in enumerate(pack(section.pieces), start=1):
            suffix = f"-{n}" if n > 1 else ""  # the id unique_id would give; found at once
            chunk = {
                "id": unique_id(f"kb:{rel}#{anchor}{suffix}", seen),
                "kind": "kb",
                "source": rel,
                "title": " > ".join([title, *section.trail]),
                "heading": section.heading,
                "level": section.level,
                "text": text,
                "code_blocks": code,
                "markdown": markdown,
            }
            if page:
                chunk["url"] = page if section.level <= 1 else f"{page}#{anchor}"
            chunks.append(chunk)
    return chunks


def _is_h1(block: Block) -> bool:
    return block.kind == "heading" and block.level == 1


def _first_h1(blocks: list[Block]) -> str | None:
    first = next((b for b in blocks if _is_h1(b)), None)
    return None if first is None else heading_text(first.text) or None


def _sections(blocks: PageBlocks, lines: list[str], title: str) -> list[_Section]:
    """Walk top-level blocks, starting a section at each heading."""
    current = _Section(heading=title, level=0, trail=[])
    sections = [current]
    stack: list[tuple[int, str, int]] = []
    title_heading = next((i for i, b in enumerate(blocks.top) if _is_h1(b)), None)
    for i, block in enumerate(blocks.top):
        if block.kind == "heading":
            level, text = block.level, heading_text(block.text)
            stack = [entry for entry in stack if entry[0] < level] + [(level, text, i)]
            trail = [h for _, h, at in stack if at != title_heading]  # the first H1 is the title
            current = _Section(heading=text, level=level, trail=trail)
            sections.append(current)
        elif block.kind == "code":
            current.pieces.append(("code", _code_block(block)))
        else:
            current.pieces.extend(_prose_block(block, lines, blocks.code))
    return [s for s in sections if s.pieces]


def _code_block(block: Block) -> dict[str, str]:
    return {"lang": block.lang, "code": block.text}


def _prose_block(span: Block, lines: list[str], code: list[Block]) -> list[tuple[str, Any]]:
    """A block's source lines as prose, with any code nested inside (lists) cut out."""
    start, end = span.start, span.end
    pieces: list[tuple[str, Any]] = []
    cursor = start
    for block in code:
        if start <= block.start and block.end <= end and block.start >= cursor:
            pieces.append(("prose", "\n".join(lines[cursor : block.start])))
            pieces.append(("code", _code_block(block)))
            cursor = block.end
    pieces.append(("prose", "\n".join(lines[cursor:end])))
    return [(kind, value) for kind, value in pieces if kind == "code" or value.strip()]
