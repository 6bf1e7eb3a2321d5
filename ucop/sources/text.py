"""Text from sources stays text: one-line plain strings for headings and prose, balanced fences.

A spec's summary or a model's section title is somebody else's data. `one_line` turns it into
a single line of plain text (no newlines, no code fences, no HTML), so it cannot add its own
heading, code block or script to the article. `close_fences` is the guard for passages that
may keep their own code blocks: whatever a part opens, it closes before the next part starts.
"""

from __future__ import annotations

import re
import unicodedata

_FENCE = re.compile(r"`{3,}|~{3,}")
_TAG = re.compile(r"<!--.*?(-->|$)|</?[A-Za-z][^<>]*>?", re.DOTALL)
_HEADING_START = re.compile(r"^[#>\s]+")
_OPENER = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def one_line(text: object, limit: int = 0) -> str:
    """`text` as one line of plain text: fences, HTML and control characters removed.

    Line breaks (including U+2028/U+2029) become spaces, runs of whitespace collapse, and a
    leading `#` or `>` (which would make a heading or quote of the line) is dropped. With
    `limit`, the result is cut to that many characters.
    """
    flat = str(text)
    flat = _TAG.sub(" ", flat)
    flat = _FENCE.sub(" ", flat)
    flat = "".join(" " if _is_control(char) else char for char in flat)
    flat = " ".join(flat.split())
    flat = _HEADING_START.sub("", flat)
    return flat[:limit].rstrip() if limit and len(flat) > limit else flat


def _is_control(char: str) -> bool:
    """Newlines, tabs, other control and format characters, and the Unicode line separators."""
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def close_fences(markdown: str) -> str:
    """`markdown` with a closing fence appended if a code block is left open at its end.

    Follows CommonMark: a block opened by N backticks (or tildes) closes only on a line of at
    least N of the same character and nothing else.
    """
    opener: str | None = None
    for line in markdown.splitlines():
        stripped = line.strip()
        if opener is None:
            match = _OPENER.match(line)
            if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
                opener = match.group(1)
        elif stripped and set(stripped) == {opener[0]} and len(stripped) >= len(opener):
            if line.startswith(" " * 4):
                continue  # indented four or more: content, not a fence
            opener = None
    if opener is None:
        return markdown
    return markdown.rstrip("\n") + "\n" + opener + "\n"


def has_open_fence(markdown: str) -> bool:
    """True when a fenced code block opened in `markdown` is never closed."""
    return close_fences(markdown) != markdown
