"""A Markdown page's top-level blocks, as chunking needs them: headings, code and prose spans.

`parsed_blocks` reads them with markdown-it-py; the line scanner (`ucop.sources.mdscan`) gives
the same `Block`s for the pages it can read, several times faster (`kb.page_blocks` tries it
first; tests/sources/test_mdscan.py checks every corpus document, the bundled examples and
random pages), so a chunk never depends on which of the two read its page.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

CODE_TOKENS = ("fence", "code_block")


@dataclass(frozen=True)
class Block:
    """One block: `heading` (level, inline source in `text`), `code` (lang, code in `text`)
    or `prose`, with its source lines [start, end)."""

    kind: str
    start: int
    end: int
    level: int = 0
    text: str = ""
    lang: str = ""


@dataclass(frozen=True)
class PageBlocks:
    """The top-level blocks in order, and every code block (nested ones too) by position."""

    top: list[Block]
    code: list[Block]


def markdown_parser() -> MarkdownIt:
    """The CommonMark parser used for every Markdown source, with GFM tables."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


class _Parsers(threading.local):
    """This thread's two parsers, built once (building one costs more than parsing a page)."""

    def __init__(self) -> None:
        # Inline markup is parsed for headings only: chunks are cut from source lines, and
        # markdown-it's inline pass is superlinear on some long runs (10 MB of `[`).
        self.block = markdown_parser().disable("inline")
        self.inline = markdown_parser()


PARSERS = _Parsers()


def parsed_blocks(body: str) -> PageBlocks:
    """The blocks of a Markdown body as markdown-it-py reads it."""
    return from_tokens(PARSERS.block.parse(body))


def from_tokens(tokens: list[Token]) -> PageBlocks:
    """markdown-it-py's block tokens as `Block`s."""
    top: list[Block] = []
    code = [_code(t) for t in tokens if t.type in CODE_TOKENS and t.map]
    for i, token in enumerate(tokens):
        if token.level != 0 or token.map is None or token.type.endswith("_close"):
            continue
        start, end = token.map
        if token.type == "heading_open":
            top.append(Block("heading", start, end, int(token.tag[1]), tokens[i + 1].content))
        elif token.type in CODE_TOKENS:
            top.append(_code(token))
        else:
            top.append(Block("prose", start, end))
    return PageBlocks(top, code)


def _code(token: Token) -> Block:
    start, end = token.map or (0, 0)
    lang = token.info.strip().split()[0].lower() if token.info.strip() else ""
    return Block("code", start, end, text=token.content.rstrip("\n"), lang=lang)
