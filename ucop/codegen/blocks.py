"""Fenced code blocks of a Markdown document, found with markdown-it-py (not regexes)."""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt


def extract_code_blocks(markdown: str) -> list[dict[str, Any]]:
    """Every fenced block, in order: `{"index", "lang", "code", "line"}`.

    `lang` is the first word of the info string, lower-cased ("" when absent); `line` is the
    1-based line of the opening fence, so code line N sits on document line `line + N`.
    Fences nested in lists and block quotes are included; indented code blocks are not.
    """
    tokens = MarkdownIt("commonmark").parse(markdown)
    blocks: list[dict[str, Any]] = []
    for token in tokens:
        if token.type != "fence" or token.map is None:
            continue
        info = token.info.strip().split()
        blocks.append(
            {
                "index": len(blocks),
                "lang": info[0].lower() if info else "",
                "code": token.content,
                "line": token.map[0] + 1,
            }
        )
    return blocks
