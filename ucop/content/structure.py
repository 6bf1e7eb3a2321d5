"""The brief's body as blocks a reader sees: paragraphs and list items, in order (markdown-it)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any, Literal

BlockKind = Literal["paragraph", "item"]


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def body_blocks(body: str) -> Iterator[tuple[BlockKind, str]]:
    """("paragraph", text) for prose, ("item", text) for each bullet or numbered list item.

    Text keeps its inline Markdown (code spans) so identifiers survive; headings, code
    blocks and quotes are not asks and are skipped.
    """
    depth = 0
    in_item = 0
    for token in _parser().parse(body):
        if token.type == "list_item_open":
            in_item += 1
        elif token.type == "list_item_close":
            in_item -= 1
        elif token.type in ("blockquote_open", "heading_open"):
            depth += 1
        elif token.type in ("blockquote_close", "heading_close"):
            depth -= 1
        elif token.type == "inline" and not depth and token.content.strip():
            yield ("item" if in_item else "paragraph"), token.content.strip()
