"""The article's sections: exactly the number the brief asks for, from what it asks for.

`plan_sections` reads the topics into sections (joining required sections that cover them),
finds each section's passages as a whole (`ucop.content.assign`), then fits the count:

- fewer topics than `sections: N`: a topic whose detail lists names ("the response classes
  (PlainTextResponse, HTMLResponse, ...)") opens into one section per name; then the sources'
  own headings on the brief's subject (the plan's own pages first) fill the rest; never
  headings the plan already covers, the brief does not talk about, or leaves out. A `sections_short`
  warning says when that is still not enough.
- more: the most alike neighbours merge ("Add a pet and update it").

Deterministic, so the offline writer and a model get the same plan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ucop.content.aspects import fill_aspects, fill_named
from ucop.content.assign import assign_passages, unshare
from ucop.content.kin import stand_in
from ucop.content.planning import (
    PASSAGES,
    by_tag,
    excluded,
    find_operations,
    merge_to_fit,
    plan_topics,
)
from ucop.content.reading import headline
from ucop.content.shapes import BriefAsks, SectionDraft, Topic

MAX_OPS_PER_SECTION = 2
GENERIC = {"overview", "introduction", "summary", "next steps", "see also", "related", "conclusion"}
HOME_HITS = 3  # a general topic joins the section that owns one of its closest passages
_NAME = re.compile(r"[A-Z].*[a-z].*[A-Z]|[._()]|^[A-Z]{2,}|\S\s+\S")


def plan_sections(
    asks: BriefAsks,
    required: Sequence[Mapping[str, str]],
    count: int,
    retriever: Any,
    spec: Mapping[str, Any] | None,
    subject: str,
    warnings: list[dict[str, str]],
    asked: bool = True,
) -> list[SectionDraft]:
    """The sections for the brief, with their passages and operations; [] for an empty brief.

    `asked`: the count is the author's (`sections:`), so falling short of it is a warning.

    `subject` is the brief as a search query (it finds the headings that fill a short plan).
    """
    topics = _open_details(list(asks.topics), count - len(required))
    has_kb = retriever.has_kind("kb")
    if not topics and spec and not has_kb:
        return by_tag(spec, count, MAX_OPS_PER_SECTION)  # type: ignore[return-value]
    drafts: list[SectionDraft] = plan_topics(topics, required, count)  # type: ignore[assignment]
    assign_passages(retriever, drafts, asks.exclusions, asks.code)
    fill_named(retriever, drafts, asks.exclusions, PASSAGES)
    kept: list[SectionDraft] = []
    unplaced: list[SectionDraft] = []
    for draft in drafts:
        draft["operations"] = find_operations(retriever, draft["phrases"] or [draft["title"]], spec)
        if draft["required"] or draft["passages"] or draft["operations"]:
            kept.append(draft)
        else:
            unplaced.append(draft)
    for draft in unplaced:
        if len(kept) < count and stand_in(retriever, draft, kept, asks.exclusions):
            kept.append(draft)  # a section of its own, on what the brief says it is
            continue
        home = _home(retriever, draft, kept)
        if home is None:
            warnings.append(_uncovered(draft["title"]))
        else:
            home["phrases"] = [*home.get("phrases", []), *draft.get("phrases", [])]
    kept.sort(key=lambda d: d["position"])
    for draft in kept:  # document order, read from ids only (a large index is not walked)
        draft["places"] = sorted(retriever.position(c["id"]) for c, _ in draft["passages"])
    kept = merge_to_fit(kept, count)  # type: ignore[arg-type,assignment]
    fill_aspects(retriever, kept, asks.exclusions, PASSAGES)
    unshare(kept)
    if len(kept) < count and has_kb:
        kept = _top_up(kept, count, retriever, subject, asks)
    if len(kept) < count and asked:
        warnings.append(_short(len(kept), count))
    return kept


def _home(retriever: Any, draft: SectionDraft, kept: Sequence[SectionDraft]) -> SectionDraft | None:
    """The planned section that explains a topic too general to stand alone, if any.

    "Keeping the local copy correct" names nothing (no name, no identifier): the sources'
    words for it differ from the brief's, so its closest passages decide. When one of them
    already serves a section, the topic is part of that section, not missing. A topic that
    names something ("Redis", `iter_bytes`) is missing when no passage has the name.
    """
    from ucop.content.assign import query_of
    from ucop.content.coverage import names_in

    if names_in(draft["title"]):
        return None
    owners = {c["id"]: d for d in kept for c, _ in d.get("passages", ())}
    for chunk, _ in retriever.search(query_of(draft), k=HOME_HITS, kinds={"kb"}):
        if chunk["id"] in owners:
            return owners[chunk["id"]]
    return None


def _open_details(topics: list[Topic], room: int) -> list[Topic]:
    """Open topics whose detail names things (classes, calls) while there is room for more."""
    opened: list[Topic] = []
    total = len(topics)
    for topic in topics:
        names = len(topic.detail) >= 2 and all(_NAME.search(d) for d in topic.detail)
        if names and total < room:
            opened += [Topic(d, d, topic.position) for d in topic.detail]
            total += len(topic.detail) - 1
        else:
            opened.append(topic)
    return [Topic(t.phrase, t.resolved, position, t.detail) for position, t in enumerate(opened)]


def _top_up(
    drafts: list[SectionDraft],
    count: int,
    retriever: Any,
    subject: str,
    asks: BriefAsks,
) -> list[SectionDraft]:
    """Add the sources' own headings on the brief's subject until there are `count` sections."""
    from ucop.content.assign import find_for
    from ucop.content.planning import HIGH, topic_terms
    from ucop.sources.words import tokenize

    # Headings the brief talks about (a word of it, at least), found by the search for its
    # subject; those on the pages the plan already stands on come first, so a heading from
    # another page that merely shares a word ("Concurrency Limitations" for rate limiting)
    # fills a section only when the plan's own pages have nothing left.
    pages = {c["source"] for d in drafts for c, share in d.get("passages", ()) if share >= HIGH}
    notes = " ".join(f"{d['title']} {d.get('notes', '')}" for d in drafts)
    asked = set(tokenize(f"{subject} {notes}"))
    used = {c["id"] for d in drafts for c, _ in d.get("passages", ())}
    titles = [d["title"] for d in drafts]
    hits = retriever.search(subject, k=80, kinds={"kb"})
    min_level = 1 if any(chunk.get("level", 0) > 1 for chunk, _ in hits) else 0
    hits.sort(key=lambda hit: hit[0]["source"] not in pages)  # stable: by score within
    for chunk, _ in hits:
        if len(drafts) >= count:
            break
        heading = str(chunk.get("heading", "")).strip()
        if (
            not heading
            or heading.lower() in GENERIC
            or chunk.get("level", 0) <= min_level
            or chunk["id"] in used
            or excluded(chunk, asks.exclusions)
            or any(similar(heading, t) for t in titles)
            or not set(topic_terms(heading)) & asked
        ):
            continue
        draft: SectionDraft = {
            "title": heading,
            "notes": "",
            "required": False,
            "phrases": [],
            "raw": [heading],
            "position": 10_000 + len(drafts),
            "origin": "sources",
            "operations": [],
        }
        found = find_for(retriever, draft, asks.exclusions, asks.code, first=chunk, taken=used)
        draft["passages"] = [(c, share) for c, share in found if c["source"] == chunk["source"]]
        used |= {c["id"] for c, _ in draft["passages"]}
        titles.append(heading)
        drafts.append(draft)
    return drafts


def similar(a: str, b: str) -> bool:
    """Equal titles, or titles sharing at least half their (stemmed) words."""
    from ucop.content.planning import words

    wa, wb = words(a), words(b)
    return a.strip().lower() == b.strip().lower() or (
        bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.5
    )


def _uncovered(title: str) -> dict[str, str]:
    return {
        "kind": "uncovered_topic",
        "topic": title,
        "message": f'the brief asks for "{title}", but no source covers it; no section was'
        " planned for it",
    }


def _short(have: int, count: int) -> dict[str, str]:
    return {
        "kind": "sections_short",
        "message": f"the brief asks for {count} sections; the sources support {have} "
        "(the rest would be filler): add sources or lower `sections`",
    }


__all__ = ["headline", "plan_sections", "similar"]
