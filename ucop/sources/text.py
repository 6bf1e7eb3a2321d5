"""Text from sources stays text: one-line plain strings for headings and prose, balanced fences.

A spec's summary or a model's section title is somebody else's data. `one_line` turns it into
a single line of plain text (no newlines, no code fences, no HTML), so it cannot add its own
heading, code block or script to the article. `close_fences` is the guard for passages that
may keep their own code blocks: whatever a part opens, it closes before the next part starts.
`slugify` is the one slug function: article file names, KB heading ids and blog post slugs.
"""

from __future__ import annotations

import re
import unicodedata

_FENCE = re.compile(r"`{3,}|~{3,}")
_TAG = re.compile(r"<!--.*?(-->|$)|</?[A-Za-z][^<>]*>?", re.DOTALL)
_HEADING_START = re.compile(r"^(?:(?:#{1,6}|>)(?:\s+|$))+")
_LINK = re.compile(
    r"!?\[([^\[\]]*)\]\((?:[^()]|\([^()]*\))*\)"
)  # [text](url) and ![alt](url): the text
_SENTINEL = "UCOP-END-OF-PART-SENTINEL"


def one_line(text: object, limit: int = 0) -> str:
    """`text` as one line of plain text: fences, HTML and control characters removed.

    Line breaks (including U+2028/U+2029) become spaces, runs of whitespace collapse, links
    and images keep only their text, and a leading `#` or `>` (which would make a heading or
    quote of the line) is dropped. With `limit`, the result is cut to that many characters.
    """
    flat = str(text)
    flat = _TAG.sub(" ", flat)
    flat = _FENCE.sub(" ", flat)
    flat = _LINK.sub(r"\1", flat)
    flat = "".join(" " if _is_control(char) else char for char in flat)
    flat = " ".join(flat.split())
    flat = _HEADING_START.sub("", flat)
    return flat[:limit].rstrip() if limit and len(flat) > limit else flat


def _is_control(char: str) -> bool:
    """Newlines, tabs, other control and format characters, and the Unicode line separators."""
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def close_fences(markdown: str) -> str:
    """`markdown` with a closing fence appended if it leaves a code block open at its end.

    "Open" is judged by the CommonMark parser: a paragraph appended after the text would land
    inside a code block. The closing line repeats the opener's fence, indented like it (a
    block inside a list or a quote closes there); if no closing line works, the opener is
    escaped so it shows as text.
    """
    opener = _open_fence(markdown)
    if opener is None:
        return markdown
    lines = markdown.splitlines()
    prefix, markup = opener
    body = markdown.rstrip("\n") + "\n"
    for indent in ("", re.sub(r"[^>\s]", " ", prefix), " " * len(prefix)):
        candidate = body + indent + markup + "\n"
        if _open_fence(candidate) is None:
            return candidate
    index = next(i for i, line in enumerate(lines) if line.startswith(prefix + markup))
    lines[index] = prefix + "\\" + lines[index][len(prefix) :]
    return "\n".join(lines) + "\n"


def _open_fence(markdown: str) -> tuple[str, str] | None:
    """(text before the fence on its opening line, fence markup) of an unclosed block."""
    from markdown_it import MarkdownIt

    text = markdown.rstrip("\n") + "\n\n" + _SENTINEL + "\n"
    lines = text.splitlines()
    for token in MarkdownIt("commonmark").parse(text):
        if token.type in ("fence", "code_block") and _SENTINEL in token.content:
            if token.type == "code_block" or token.map is None:
                return None  # indented code continues only while indented: it ends by itself
            line = lines[token.map[0]]
            at = line.find(token.markup)
            return line[:at], token.markup
    return None


def has_open_fence(markdown: str) -> bool:
    """True when a fenced code block opened in `markdown` is never closed."""
    return close_fences(markdown) != markdown


# Names Windows gives to devices, whatever the case and extension: `con.md` cannot be created
# there, and a folder holding one cannot be checked out.
WINDOWS_DEVICES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10)]
)


def slugify(text: str, fallback: str = "article") -> str:
    """A URL- and file-safe slug: lower-case ASCII words joined by '-', never a path.

    Non-ASCII letters are transliterated (`Café für Entwickler` -> `cafe-fur-entwickler`);
    text with no letters or digits gives `fallback`, and a Windows device name gets it as a
    suffix (`CON` -> `con-article`).
    """
    from anyascii import anyascii

    slug = re.sub(r"[^a-z0-9]+", "-", anyascii(text).lower()).strip("-")
    slug = slug[:80].strip("-") or fallback
    return f"{slug}-{fallback}" if slug in WINDOWS_DEVICES else slug
