"""Citations: each part cites its own passages as [n]; the article numbers them once, globally."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ucop.content.excerpts import MARKER

_REPEATED = re.compile(r"\[(\d+)\](?:,?\s*\[\1\](?!\())+")
_SPACED = re.compile(r"( ?)" + MARKER.pattern)  # a marker with the space before it
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
    """Assigns article-wide numbers to cited source sections in order of first use.

    A number stands for a source section (its document and heading path), not a passage:
    the passages a long heading was split into ("Session Objects" in two) share one entry
    of the Sources list, and every [n] citing either of them. `order` holds the first-cited
    passage of each entry.
    """

    def __init__(self, chunks: Mapping[str, Mapping[str, Any]]) -> None:
        self._chunks = chunks
        self.order: list[str] = []
        self._places: list[tuple[str, str]] = []

    def _place(self, chunk_id: str) -> tuple[str, str]:
        chunk = self._chunks.get(chunk_id)
        if not chunk or not chunk.get("title"):
            return (chunk_id, "")
        return (str(chunk.get("source", chunk_id)), str(chunk["title"]))

    def number(self, chunk_id: str) -> int:
        """The article-wide number of the source section `chunk_id` is from (new ones last)."""
        place = self._place(chunk_id)
        if place not in self._places:
            self._places.append(place)
            self.order.append(chunk_id)
        return self._places.index(place) + 1

    def renumber(self, markdown: str, cited: Sequence[str], *, again: bool = True) -> str:
        """Rewrite a part's local [n] markers to article-wide numbers; two markers side by
        side that now name one entry ("[3] [3]") become one. `again=False`: a marker that
        repeats the part's previous one goes too (a section's next paragraph from the same
        heading, split into two passages, is cited once)."""
        last: list[int] = []

        def replace(match: re.Match[str]) -> str:
            space, local = match.group(1), int(match.group(2))
            if not 1 <= local <= len(cited):
                return match.group(0)
            number = self.number(cited[local - 1])
            if not again and last and last[-1] == number:
                return ""
            last.append(number)
            return f"{space}[{number}]"

        def rewrite(text: str) -> str:
            return _REPEATED.sub(r"[\1]", _SPACED.sub(replace, text))

        return outside_code(markdown, rewrite)

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
