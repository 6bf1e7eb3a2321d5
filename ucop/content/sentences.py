"""Sentences and lists in prose, read the way a person reads them.

A period inside parentheses, quotes or a code span (`requests.get()`), or after "e.g.", does
not end a sentence; a comma inside them does not end a list item.
"""

from __future__ import annotations

import re

_OPEN = {"(": ")", "[": "]", "{": "}"}
_ABBREVIATIONS = {"e.g", "i.e", "etc", "vs", "cf", "eg", "ie", "approx", "incl"}
# A list introduced by "such as" is detail of the item it follows: it becomes a parenthesis.
_SUCH_AS = re.compile(r"\s*,?\s+\b(?:such\s+as|e\.g\.,?|for\s+example,?|including)\s+", re.I)


def _depths(text: str) -> list[int]:
    """For each character, how deep it is inside brackets, quotes and code spans."""
    depths: list[int] = []
    stack: list[str] = []
    for char in text:
        closing = stack[-1] if stack else ""
        if char == closing:
            depths.append(len(stack))
            stack.pop()
            continue
        if closing != "`" and char in _OPEN:
            stack.append(_OPEN[char])
        elif closing != "`" and char in '`"“':
            stack.append({"“": "”"}.get(char, char))
        depths.append(len(stack))
    return depths


def depth_split(text: str, separator: str) -> list[str]:
    """`text.split(separator)`, only where the separator is outside brackets, quotes and code."""
    depths = _depths(text)
    parts, start, i = [], 0, 0
    while i <= len(text) - len(separator):
        if text.startswith(separator, i) and depths[i] == 0:
            parts.append(text[start:i])
            start = i = i + len(separator)
            continue
        i += 1
    parts.append(text[start:])
    return parts


def headline(phrase: str) -> str:
    """A section title from a phrase: first letter up, no "how to", no trailing punctuation."""
    phrase = re.sub(r"^(?:how\s+to\s+)", "", phrase.strip(), flags=re.IGNORECASE)
    phrase = phrase.strip(" .:;,")
    return phrase[:1].upper() + phrase[1:]


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph, whitespace flattened."""
    flat = " ".join(text.split())
    depths = _depths(flat)
    found, start = [], 0
    for i, char in enumerate(flat):
        if char not in ".!?" or depths[i] or not (i + 1 == len(flat) or flat[i + 1] == " "):
            continue
        word = flat[start:i].rsplit(" ", 1)[-1].lower().lstrip("(")
        if word in _ABBREVIATIONS or (char == "." and re.fullmatch(r"[a-z]", word)):
            continue
        found.append(flat[start : i + 1].strip())
        start = i + 1
    if flat[start:].strip():
        found.append(flat[start:].strip())
    return [s for s in found if s]


def mark_such_as(text: str) -> str:
    """ "classes such as A, B and C" -> "classes (A, B and C)" (up to ", and" or the end)."""
    match = _SUCH_AS.search(text)
    if match is None or _depths(text)[match.start()]:
        return text
    rest = text[match.end() :]
    end = min((i for i in (rest.find(", and "), rest.find("; ")) if i >= 0), default=len(rest))
    return f"{text[: match.start()]} ({rest[:end]}){rest[end:]}"


def strip_detail(item: str) -> tuple[str, str]:
    """The item without its parenthesised detail, and the detail: "reading the response
    (text, encoding and JSON)" -> ("reading the response", "text, encoding and JSON")."""
    item = mark_such_as(item)
    depths = _depths(item)
    for i, char in enumerate(item):
        if char == "(" and depths[i] == 1 and (i == 0 or item[i - 1] == " "):
            end = next(
                (j for j in range(i + 1, len(item)) if depths[j] == 1 and item[j] == ")"), -1
            )
            if end > i + 1:
                phrase = f"{item[:i].rstrip()} {item[end + 1 :].lstrip()}".strip(" ,")
                return phrase, item[i + 1 : end]
    return item, ""


# Words that start an audience or a title but are not names ("Backend developers", "Build").
COMMON_LEADS = {
    "backend",
    "where",
    "how",
    "what",
    "why",
    "when",
    "frontend",
    "developers",
    "engineers",
    "teams",
    "people",
    "users",
    "web",
    "mobile",
    "full-stack",
    "devops",
    "platform",
    "software",
    "data",
    "build",
    "place",
    "write",
    "make",
    "sync",
    "create",
    "add",
    "run",
    "use",
    "test",
}


def lower_lead(text: str) -> str:
    """'Backend developers' -> 'backend developers'; 'Python developers', 'API users' stay."""
    first = text.split(" ", 1)[0]
    if first.lower() in COMMON_LEADS and first[:1].isupper() and first[1:].islower():
        return text[0].lower() + text[1:]
    return text
