"""Markup debris: another format's syntax left in an article's prose, named by what it is.

Every source format ucop reads has its own leftovers when a conversion misses something:
MkDocs admonitions (`!!! note`) and mkdocstrings directives (`::: module`), HTML tags,
Sphinx roles (`:class:`Response``) and directives (`.. note::`, `.. _label:`), rst heading
underlines (`=====` under a title), and Jupyter's JSON (`"cell_type": "code"`). Code blocks
and inline code spans are not prose: what they show is the reader's to type, so they are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_HTML_TAGS = (
    "div|span|figure|figcaption|img|a|p|br|details|summary|table|thead|tbody|tr|td|th|center"
    "|iframe|pre|code|h[1-6]|ul|ol|li|dl|dt|dd|script|style|section|nav|header|footer|em"
    "|strong|b|i|blockquote|html|body|head|meta|link|button|form|input|video|source|svg|hr"
    "|sup|sub|kbd|small|article|main|aside|label|select|option|textarea|noscript"
)
_SPAN = "\x00"  # what an inline code span is replaced by before matching
KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("MkDocs admonition", re.compile(r"^\s*(?:>\s*)*(?:!!!|\?\?\?\+?)\s+\w")),
    ("mkdocstrings directive", re.compile(r"^\s*(?:>\s*)*:::\s*\S")),
    ("HTML tag", re.compile(rf"</?(?:{_HTML_TAGS})\b[^>]*>", re.I)),
    ("Sphinx role", re.compile(rf"(?<![\w{_SPAN}]):(?:[\w.+-]+:)?[\w.+-]+:{_SPAN}")),
    ("rst directive", re.compile(r"^\s*(?:>\s*)*\.\.\s+(?:[\w:.+-]+::|_[^\s:][^:]*:|\|[^|]+\|)")),
    (
        "notebook JSON",
        re.compile(
            r'"(?:cell_type|execution_count|nbformat(?:_minor)?|output_type)"\s*:'
            r'|"(?:source|outputs)"\s*:\s*\['
        ),
    ),
)
_UNDERLINE = re.compile(r"^\s*([=\-~^\"'`#*+<>_:.])\1{2,}\s*$")
_ALWAYS_UNDERLINE = "=~^\"'`+:"  # never Markdown on a line of their own


def find_debris(lines: Sequence[str | None]) -> list[tuple[int, str, str]]:
    """(line number, kind, excerpt) for each prose line with debris; None marks a code line."""
    found: list[tuple[int, str, str]] = []
    previous: str | None = None
    for number, line in enumerate(lines, start=1):
        if line is not None:
            kind = _kind(line, previous)
            if kind:
                found.append((number, kind, excerpt(line)))
        previous = line
    return found


def _kind(line: str, previous: str | None) -> str:
    prose = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", _SPAN, line)
    for kind, pattern in KINDS:
        if pattern.search(prose):
            return kind
    underline = _UNDERLINE.match(line)
    if underline:
        after_text = bool(previous and previous.strip() and not previous.lstrip().startswith("|"))
        if after_text or underline.group(1) in _ALWAYS_UNDERLINE:
            return "rst heading underline"
    return ""


def excerpt(line: str, limit: int = 40) -> str:
    text = line.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
