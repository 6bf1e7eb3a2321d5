"""Citations: each part cites its own passages as [n]; the article numbers them once, globally."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

MARKER = re.compile(r"\[(\d+)\](?!\()")
_CODE = re.compile(r"^(`{3,}|~{3,}).*?^\1[^\n]*$|(`+)[^\n]*?\2", re.M | re.S)


def outside_code(markdown: str, change: Callable[[str], str]) -> str:
    """Apply `change` to the prose of `markdown` only: `items[2]` in code is not a citation."""
    parts = []
    last = 0
    for match in _CODE.finditer(markdown):
        parts.append(change(markdown[last : match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(change(markdown[last:]))
    return "".join(parts)


class Citations:
    """Assigns article-wide numbers to cited chunks in order of first use."""

    def __init__(self, chunks: Mapping[str, Mapping[str, Any]]) -> None:
        self._chunks = chunks
        self.order: list[str] = []

    def renumber(self, markdown: str, cited: Sequence[str]) -> str:
        """Rewrite a part's local [n] markers to article-wide numbers."""

        def replace(match: re.Match[str]) -> str:
            local = int(match.group(1))
            if not 1 <= local <= len(cited):
                return match.group(0)
            chunk_id = cited[local - 1]
            if chunk_id not in self.order:
                self.order.append(chunk_id)
            return f"[{self.order.index(chunk_id) + 1}]"

        return outside_code(markdown, lambda text: MARKER.sub(replace, text))

    def source_files(self) -> list[str]:
        seen: list[str] = []
        for chunk_id in self.order:
            source = self._chunks.get(chunk_id, {}).get("source")
            if source and source not in seen:
                seen.append(source)
        return seen

    def render(self) -> str:
        """The numbered Sources list: each passage by its title, linked when it has a public URL.

        Without a URL the entry names the file by its path relative to the brief; never a
        link to the local file, which would be dead wherever the article is published.
        """
        lines = []
        for n, chunk_id in enumerate(self.order, start=1):
            chunk = self._chunks.get(chunk_id, {})
            source = chunk.get("source", chunk_id)
            title = chunk.get("title", source)
            if chunk.get("url"):
                lines.append(f"{n}. [{title}]({chunk['url']})")
            else:
                lines.append(f"{n}. {title} (`{source}`)")
        return "\n".join(lines)
