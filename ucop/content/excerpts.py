"""Blocks of Markdown as an excerpt sees them: paragraphs, fenced code, an API operation.

`ucop.content.carry` carries whole blocks of a passage into the article with these; the
review (`ucop.article.review`) reads fences with `fence_roles`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

# A citation of a part's own passage, [n] (not a link's [text](url)); `ucop.article.citations`
# numbers them article-wide
MARKER = re.compile(r"\[(\d+)\](?!\()")


def below_page_imports(code: str, docs: str) -> str:
    """The snippet below the import lines the writer put at its top from the same docs.

    A carried snippet opens with its page's imports (`import requests`, a line of the docs
    in its own right), then the docs' block as written: both are the docs' code. `docs` is
    the docs' text with each line stripped; an import it lacks leaves the code as it is.
    """
    lines = code.strip().splitlines()
    lines_of_docs = f"\n{docs}\n"
    at = 0
    while at < len(lines) and re.match(r"^(?:from\s+[\w.]+\s+)?import\s", lines[at].strip()):
        line = lines[at].strip()
        if f"\n{line}\n" not in lines_of_docs and f"\n>>> {line}\n" not in lines_of_docs:
            return code
        at += 1
    return "\n".join(lines[at:]).strip() if at else code


def is_code(block: str) -> bool:
    return block.startswith(("```", "~~~"))


def fence_roles(lines: Sequence[str]) -> list[str]:
    """Each line's part in fenced code: "open", "code", "close", or "" for text outside.

    A fence closes on a marker that starts with the opening one (```` ``` ```` inside `~~~`
    is code); a fence left open runs to the end.
    """
    roles: list[str] = []
    fence = ""
    for line in lines:
        marker = re.match(r"^\s*(`{3,}|~{3,})", line)
        if fence:
            closes = bool(marker and marker.group(1).startswith(fence))
            roles.append("close" if closes else "code")
            fence = "" if closes else fence
        elif marker:
            roles.append("open")
            fence = marker.group(1)
        else:
            roles.append("")
    return roles


def split_blocks(markdown: str) -> list[str]:
    """Blank-line separated blocks, with each fenced code block kept whole."""
    blocks: list[str] = []
    current: list[str] = []
    lines = markdown.splitlines()
    for line, role in zip(lines, fence_roles(lines), strict=True):
        if role == "open" or (not role and not line.strip()):
            if current:
                blocks.append("\n".join(current))
            current = [line] if role else []
        elif role == "close":
            blocks.append("\n".join([*current, line]))
            current = []
        else:
            current.append(line)
    if current:
        blocks.append("\n".join(current))
    # A quote whose code block was lifted out of it leaves an empty `>` line behind.
    blocks = [re.sub(r"(\n>\s*)+$", "", b.strip("\n")) for b in blocks]
    return [b for b in blocks if b.strip() and b.strip() != ">"]


def operation_text(passage: Mapping[str, Any], step: str = "") -> str:
    """An API operation's own description and parameters, cited; `step` is the brief's name
    for the call ("Checking the order")."""
    lines = passage.get("text", "").splitlines()
    if not lines:
        return ""
    head, rest = lines[0], lines[1:]
    prose = [
        ln for ln in rest if not ln.startswith(("Parameter ", "Response ", "Request body", "Auth:"))
    ]
    facts = [ln for ln in rest if ln not in prose]
    call, _, summary = head.partition(" — ")
    prose = [ln for ln in prose if not says_same(ln, summary)]  # "Add a new pet to the store."
    if step:
        text = f"{step}: call `{call}`" + (f" ({_lower(summary.rstrip('.'))})." if summary else ".")
    else:
        text = f"`{call}`" + (f": {summary}" if summary else ".")
    if prose:
        text += " " + " ".join(prose)
    text = f"{text.rstrip()} [{passage['n']}]"
    if facts:
        text += "\n\n" + "\n".join(f"- {fact}" for fact in facts)
    return text


def says_same(text: str, other: str) -> bool:
    """Whether two lines say the same words, stemmed ("Deletes a pet" and "Delete a pet.")."""
    from ucop.sources.words import tokenize

    words = tokenize(text)
    return bool(words) and words == tokenize(other)


def _lower(text: str) -> str:
    """'Finds Pets by status' -> 'finds Pets by status' (an acronym such as 'ID' stays)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text
