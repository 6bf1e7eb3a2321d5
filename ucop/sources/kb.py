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

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ucop.errors import SourceError
from ucop.sources.chunking import MAX_CHUNK_CHARS, MAX_HEADING_CHARS, fence, pack, short
from ucop.sources.confine import check_inside
from ucop.sources.formats import DOC_SUFFIXES, read_document
from ucop.sources.frontmatter import locate, source_path
from ucop.sources.markup import normalize_markdown, page_url

KB_SUFFIXES = DOC_SUFFIXES
__all__ = ["MAX_CHUNK_CHARS", "KB_SUFFIXES", "document_chunks", "fence", "kb_files", "load_kb"]
LEGAL_FILES = {"LICENSE", "LICENCE", "COPYING", "NOTICE"}  # not documentation
_CODE_TOKENS = ("fence", "code_block")


def markdown_parser() -> MarkdownIt:
    """The CommonMark parser used for every Markdown source, with GFM tables."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def plain_text(inline: Token) -> str:
    """Text of an inline token without Markdown markup (links keep their label)."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


def _blocks(body: str) -> list[Token]:
    """The page's block tokens. Inline markup is parsed for headings only (`heading_text`):
    chunks are cut from source lines, and markdown-it's inline pass is superlinear on some
    long runs (10 MB of `[` would take hours)."""
    return markdown_parser().disable("inline").parse(body)


def heading_text(inline: Token) -> str:
    """A heading's plain text, from at most a few times MAX_HEADING_CHARS of its source."""
    parsed = markdown_parser().parseInline(inline.content[: MAX_HEADING_CHARS * 4])
    return short(plain_text(parsed[0])) if parsed else ""


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
    for file in root.rglob("*"):
        rel = file.relative_to(root)
        hidden = any(part.startswith(".") for part in rel.parts)
        legal = file.stem.upper() in LEGAL_FILES
        if file.is_file() and file.suffix.lower() in KB_SUFFIXES and not hidden and not legal:
            check_inside(file, root, "kb")
            found.append(file)
    return sorted(found, key=lambda f: f.relative_to(root).as_posix())


@dataclass
class _Section:
    """One heading and the blocks under it, in document order."""

    heading: str
    level: int
    trail: list[str]
    pieces: list[tuple[str, Any]] = field(default_factory=list)


def document_chunks(
    file: Path, base: Path, seen: set[str], *, root: Path | None = None, url: str | None = None
) -> list[dict[str, Any]]:
    """Chunks of one KB document; ids are made unique against `seen`."""
    rel = source_path(file, base)
    meta, body = read_document(file, rel)
    in_kb = file.name if root is None or root.is_file() else file.relative_to(root).as_posix()
    body = normalize_markdown(body, in_kb, url)
    page = page_url(url, in_kb)
    tokens = _blocks(body)
    stem = file.stem.replace("-", " ").replace("_", " ").strip()
    title = short(str(meta.get("title") or _first_h1(tokens) or stem[:1].upper() + stem[1:]))
    chunks = []
    for section in _sections(tokens, body.splitlines(), title):
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


def _is_h1(token: Token) -> bool:
    return token.type == "heading_open" and token.tag == "h1" and token.level == 0


def _first_h1(tokens: list[Token]) -> str | None:
    at = next((i for i, token in enumerate(tokens) if _is_h1(token)), None)
    return None if at is None else heading_text(tokens[at + 1]) or None


def _sections(tokens: list[Token], lines: list[str], title: str) -> list[_Section]:
    """Walk top-level blocks, starting a section at each heading."""
    fences = [t for t in tokens if t.type in _CODE_TOKENS and t.map]
    current = _Section(heading=title, level=0, trail=[])
    sections = [current]
    stack: list[tuple[int, str, int]] = []
    title_heading = next((i for i, t in enumerate(tokens) if _is_h1(t)), None)
    for i, token in enumerate(tokens):
        if token.level != 0 or token.map is None or token.type.endswith("_close"):
            continue
        if token.type == "heading_open":
            level, text = int(token.tag[1]), heading_text(tokens[i + 1])
            stack = [entry for entry in stack if entry[0] < level] + [(level, text, i)]
            trail = [h for _, h, at in stack if at != title_heading]  # the first H1 is the title
            current = _Section(heading=text, level=level, trail=trail)
            sections.append(current)
        elif token.type in _CODE_TOKENS:
            current.pieces.append(("code", _code_block(token)))
        else:
            current.pieces.extend(_prose_block(token.map, lines, fences))
    return [s for s in sections if s.pieces]


def _code_block(token: Token) -> dict[str, str]:
    lang = token.info.strip().split()[0].lower() if token.info.strip() else ""
    return {"lang": lang, "code": token.content.rstrip("\n")}


def _prose_block(span: list[int], lines: list[str], fences: list[Token]) -> list[tuple[str, Any]]:
    """A block's source lines as prose, with any fences nested inside (lists) cut out."""
    start, end = span
    pieces: list[tuple[str, Any]] = []
    cursor = start
    for block in fences:
        f_start, f_end = block.map or (0, 0)
        if start <= f_start and f_end <= end and f_start >= cursor:
            pieces.append(("prose", "\n".join(lines[cursor:f_start])))
            pieces.append(("code", _code_block(block)))
            cursor = f_end
    pieces.append(("prose", "\n".join(lines[cursor:end])))
    return [(kind, value) for kind, value in pieces if kind == "code" or value.strip()]
