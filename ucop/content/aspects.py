"""The aspects a section names, and a passage for each one the sources have.

"Reading the response (text, encoding, binary and JSON content)" names four aspects of one
topic; "POSTing form data, JSON and multipart files" names three. A section planned for such
a topic starts from the passages that name it best ("Response Content"); each aspect none of
them explains gets the passage whose heading names it ("Binary Response Content", "JSON
Response Content"), and the writer shows every aspect's passage before its word budget runs
out on the first (`leads`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ucop.content.planning import excluded, in_reading_order, tokens, topic_terms
from ucop.content.reading import split_items
from ucop.content.shapes import Chunk, SectionDraft

EXTRA = 2  # passages a section may take past PASSAGES for aspects it would otherwise miss


def aspects(section: Mapping[str, Any]) -> list[list[str]]:
    """The terms of each aspect the section names: its phrases' items, then their detail."""
    return [terms for _, terms in _items(section)]


def _items(section: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """Each aspect as the brief writes it, with its terms; none when there is only one."""
    phrases = [str(p) for p in section.get("phrases") or ()]
    found = [(i, topic_terms(i)) for p in phrases for i in [*split_items(p), *calls(p)]]
    found += [(str(i), topic_terms(str(i))) for i in section.get("detail") or ()]
    unique: list[tuple[str, list[str]]] = []
    for item, terms in found:
        if terms and all(terms != t for _, t in unique):
            unique.append((item, terms))
    return unique if len(unique) > 1 else []


def explains(terms: Sequence[str], chunk: Mapping[str, Any], most: bool = False) -> int:
    """2 when the passage's heading names the aspect, 1 when its prose says all its words
    (`most`: half of them or more; a passage on URL parameters need not say "passing")."""
    if set(terms) <= set(tokens(str(chunk.get("heading", "")))):
        return 2
    said = set(terms) & set(tokens(str(chunk.get("text", ""))))
    enough = len(said) * 2 >= len(set(terms)) if most else said == set(terms)
    return 1 if said and enough else 0


def leads(section: Mapping[str, Any], passages: Sequence[Mapping[str, Any]]) -> list[Any]:
    """For each aspect, the passage that explains it best (a heading before prose)."""
    chosen: list[Any] = []
    for item, terms in _items(section):
        call = bool(_IDENTIFIER.search(item))  # `iter_content`: the passage that calls it
        scored = [
            (3 if call and _in_code(item, p) else explains(terms, p, most=True), -i, p)
            for i, p in enumerate(passages)
        ]
        best = max(scored, default=None, key=lambda s: (s[0], s[1]))
        if best and best[0] and all(best[2] is not c for c in chosen):
            chosen.append(best[2])
    return chosen


def fill_aspects(
    retriever: Any, drafts: list[SectionDraft], exclusions: Sequence[str], limit: int
) -> None:
    """Give each aspect a section's passages miss the passage named for it.

    The aspects searched for are those a section would otherwise drop: the detail the brief
    gives in parentheses ("(text, encoding, binary and JSON content)") and the items of a
    phrase that lists several ("set headers, cookies and the status code"), whose passage must
    be headed by the aspect and a word of the section's phrases ("Binary Response Content"
    for *binary* of *reading the response*), and a call the brief names in a phrase
    ("... with stream=True and iter_content"), whose passage must say it, with a word of the
    rest of the phrase. One another section holds though its title shares no word with the
    heading is taken from it.
    """
    for draft in drafts:
        phrases = [str(p) for p in draft.get("phrases") or ()]
        # a required section's own title may list them too: "Accept, receive and send"
        listing = [*phrases, draft["title"]] if draft.get("required") else phrases
        context = {t for p in listing for t in topic_terms(p)}
        items = [(str(i), True) for i in draft.get("detail") or ()]
        items += [(i, True) for p in listing for i in _listed(p)]
        items += [(call, False) for p in phrases for call in calls(p)]
        for item, headed in items:
            terms = topic_terms(item)
            mine = draft.get("passages") or []
            shown = (explains(terms, c) if headed else _in_code(item, c) for c, _ in mine)
            if not terms or any(shown):
                continue
            around = context - set(terms)
            if not around or len(mine) >= limit + EXTRA:
                continue
            call = "" if headed else item
            found = _named(retriever, terms, around, drafts, exclusions, draft, call)
            if found is not None:
                draft["passages"] = in_reading_order(retriever, [*mine, (found, 1.0)])


_IDENTIFIER = re.compile(r"\w_\w|\w=\w|\w\(\)")  # iter_content, stream=True (a class is a name)


def _listed(phrase: str) -> list[str]:
    """The items of a phrase that lists several ("set headers, cookies and the status
    code"); none for a phrase of one."""
    items = split_items(phrase)
    return items if len(items) > 1 else []


def calls(phrase: str) -> list[str]:
    """The calls and arguments a phrase names: "... with stream=True and iter_content"."""
    words = [w.strip("`,.;:") for w in phrase.split()]
    return [w for w in words if _IDENTIFIER.search(w) and w != phrase.strip()]


def _in_code(call: str, chunk: Mapping[str, Any]) -> bool:
    """Whether the passage's examples use the call (`iter_content`, `stream=True`)."""
    code = " ".join(str(b.get("code", "")) for b in chunk.get("code_blocks") or ())
    return re.search(rf"(?<!\w){re.escape(call.strip('`'))}(?!\w)", code) is not None


def _named(
    retriever: Any,
    terms: Sequence[str],
    context: set[str],
    drafts: Sequence[SectionDraft],
    exclusions: Sequence[str],
    draft: SectionDraft,
    call: str = "",
) -> Chunk | None:
    """The passage headed by the aspect and a word of its context; for a `call`, one whose
    example makes it and whose prose says a word of its context."""
    query = " ".join([*terms, *sorted(context)])
    for chunk, _ in retriever.search(query, k=20, kinds={"kb"}):
        heading = set(tokens(str(chunk.get("heading", ""))))
        said = heading | set(tokens(str(chunk.get("text", "")))) if call else heading
        # a call is shown by an example that makes it, not by a mention
        named = _in_code(call, chunk) if call else set(terms) <= heading
        if not named or not said & context or excluded(chunk, exclusions):
            continue
        owners = [
            d
            for d in drafts
            if d is not draft and any(c["id"] == chunk["id"] for c, _ in d.get("passages", ()))
        ]
        if any(set(topic_terms(d["title"])) & heading or len(d["passages"]) < 2 for d in owners):
            continue  # it belongs to a section named for it, or is all another one has
        for owner in owners:
            owner["passages"] = [(c, s) for c, s in owner["passages"] if c["id"] != chunk["id"]]
        return chunk
    return None


def fill_named(
    retriever: Any, drafts: list[SectionDraft], exclusions: Sequence[str], limit: int
) -> None:
    """Give a required section the passages its notes name by heading.

    "Write a rate-limiting middleware: a pure ASGI middleware that returns 429 with
    Retry-After" names the docs' "Pure ASGI Middleware" and "Writing pure ASGI middleware"
    (every word of those headings is in the title or the notes): the author's own words for
    what the section shows, ahead of a one-line mention that only shares the title's words.
    """
    for draft in drafts:
        notes = str(draft.get("notes") or "")
        if not draft.get("required") or not notes.strip():
            continue
        words = set(topic_terms(f"{draft['title']} {notes}"))
        mine = list(draft.get("passages") or [])
        others = {c["id"] for d in drafts if d is not draft for c, _ in d.get("passages", ())}
        have = {c["id"] for c, _ in mine} | others
        named: list[tuple[Chunk, float]] = []
        for chunk, _ in retriever.search(f"{draft['title']} {notes}", k=20, kinds={"kb"}):
            heading = set(topic_terms(str(chunk.get("heading", ""))))
            fits = len(heading) >= 2 and heading <= words and chunk["id"] not in have
            if fits and not excluded(chunk, exclusions):
                named.append((chunk, 1.0))
                have.add(chunk["id"])
        if named:
            kept = sorted(mine, key=lambda pair: _thin(pair[0]))  # a mention gives way first
            chosen = [*named, *kept][: max(limit, len(named))]
            draft["passages"] = in_reading_order(retriever, chosen)


def _thin(chunk: Mapping[str, Any]) -> bool:
    """A one-line mention (a third-party package in a list), without code."""
    from ucop.content.planning import THIN

    return len(str(chunk.get("text", "")).split()) < THIN and not chunk.get("code_blocks")
