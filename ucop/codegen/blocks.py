"""Code blocks of a Markdown document, found with markdown-it-py: fences, and every form."""

from __future__ import annotations

import html
import re
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


# Labels readers paste into a shell of some kind: audited like `bash` (curl-only policy).
SHELL_LIKE = frozenset(
    {
        "bash", "sh", "shell", "console", "curl", "zsh", "shell-session", "powershell", "pwsh",
        "ps1", "ps", "posh", "cmd", "bat", "batch", "dos", "doscon", "fish", "ksh", "csh",
        "tcsh", "dash", "ash", "terminal", "nu", "sh-session", "shellsession", "zsh-session",
    }
)  # fmt: skip
_HTML_CODE = re.compile(r"<(pre|code)\b([^>]*)>(.*?)</\1\s*>", flags=re.IGNORECASE | re.DOTALL)
_HTML_LANG = re.compile(r"(?:language|lang)-([A-Za-z0-9_+-]+)")
_TAG = re.compile(r"<[^>]+>")


def all_code_blocks(markdown: str) -> list[dict[str, Any]]:
    """Code in every form a reader could copy, in document order, for the safety audit.

    Fenced blocks (any label, or none), indented code blocks, and `<pre>`/`<code>` HTML
    (in HTML blocks or inline, entities decoded, inner tags dropped). Each entry is
    `{"index", "lang", "code", "line", "form"}` with `form` one of fence, indented, html.
    """
    tokens = MarkdownIt("commonmark").parse(markdown)
    found: list[dict[str, Any]] = []
    for token in tokens:
        line = token.map[0] + 1 if token.map else 1
        if token.type == "fence":
            info = token.info.strip().split()
            lang = info[0].lower().strip("{}.") if info else ""
            found.append(_entry(lang, token.content, line, "fence"))
        elif token.type == "code_block":
            found.append(_entry("", token.content, line, "indented"))
        elif token.type in ("html_block", "inline"):
            found += _html_code(token.content, line)
    for index, block in enumerate(found):
        block["index"] = index
    return found


def _html_code(text: str, line: int) -> list[dict[str, Any]]:
    blocks = []
    for match in _HTML_CODE.finditer(text):
        inner = match.group(3)
        nested = _HTML_CODE.search(inner)  # <pre><code class="language-sh">...</code></pre>
        attributes = match.group(2) + (nested.group(2) if nested else "")
        lang = _HTML_LANG.search(attributes)
        code = html.unescape(_TAG.sub("", inner))
        where = line + text.count("\n", 0, match.start())
        blocks.append(_entry(lang.group(1).lower() if lang else "", code, where, "html"))
    return blocks


def _entry(lang: str, code: str, line: int, form: str) -> dict[str, Any]:
    return {"index": 0, "lang": lang, "code": code, "line": line, "form": form}
