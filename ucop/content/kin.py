"""A general topic the sources answer only under the name a required section gives it.

"Explain where rate limiting fits in a Starlette app", in a brief that also requires "Write
a rate-limiting middleware": no page says "rate limiting" (but a third-party one-liner), yet
the brief itself says what rate limiting is here, a middleware, and the middleware page's
opening explains where middleware sits in an app. With room in the plan, such a topic is a
section of its own on that overview, marked partly covered: nothing on rate limiting itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ucop.content.planning import excluded, tokens, topic_terms
from ucop.content.shapes import Chunk, SectionDraft

OVERVIEW = 2  # opening passages of a page that say what its subject is and where it sits


def stand_in(
    retriever: Any, draft: SectionDraft, kept: Sequence[SectionDraft], exclusions: Sequence[str]
) -> bool:
    """Give `draft` the overview of the page its kin required section is about, if any.

    The kin is a required section whose title shares the topic's words ("rate limiting")
    and ends in a noun the topic lacks ("middleware", the head of "a rate-limiting
    middleware"). The draft is judged by that noun, and missing the words it shares.
    """
    mine = topic_terms(draft["title"])
    used = {c["id"] for d in kept for c, _ in d.get("passages", ())}
    for kin in kept:
        theirs = topic_terms(kin["title"]) if kin.get("required") else []
        shared = [t for t in mine if t in theirs]
        if not shared or not theirs or theirs[-1] in mine:
            continue
        found = overview(retriever, theirs[-1], used, exclusions)
        if found:
            draft["passages"] = [(chunk, 1.0) for chunk in found]
            draft["judged"] = _word(kin["title"], theirs[-1])
            draft["unsaid"] = [_phrase(draft["title"], shared)]
            return True
    return False


def overview(
    retriever: Any, subject: str, used: set[str], exclusions: Sequence[str]
) -> list[Chunk]:
    """The first passages of the page about `subject` (middleware.md for "middleware")."""
    pages = [
        chunk
        for chunk, _ in retriever.search(subject, k=40, kinds={"kb"})
        if tokens(str(chunk.get("title", "")).split(" > ")[0]) == [subject]
        and not excluded(chunk, exclusions)
    ]
    pages.sort(key=lambda chunk: retriever.position(chunk["id"]))
    if not pages:
        return []
    first = [c for c in pages if c["source"] == pages[0]["source"]][:OVERVIEW]
    return [c for c in first if c["id"] not in used]


def _word(title: str, term: str) -> str:
    """The word of `title` that gives `term` ("middleware" for `middlewar`)."""
    return next((w for w in re.findall(r"[\w-]+", title) if term in tokens(w)), term)


def _phrase(title: str, terms: Sequence[str]) -> str:
    """The run of words of `title` that say `terms` ("rate limiting")."""
    words = [w for w in re.findall(r"[\w-]+", title) if set(tokens(w)) & set(terms)]
    return " ".join(words)
