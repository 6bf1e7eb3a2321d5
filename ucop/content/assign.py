"""Passages for the sections, assigned as a whole rather than first come, first served.

Each passage goes to the section whose title it names best (`claim_passages`), wherever that
section stands in the plan, so an early section cannot take a later one's passages. A section
that would get nothing that way (its only passages fit another section better) may share
that section's best passages when they explain its whole topic: a passage may serve two
sections, and a section is never starved by one planned before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from ucop.content.planning import HIGH, claim_passages, find_passages
from ucop.content.reading import wants_code
from ucop.content.shapes import Chunk, SectionDraft

SHARED = 2  # passages a starved section may share with the section that owns them


def query_of(draft: SectionDraft) -> str:
    """What a section is searched by: its title, notes, the brief's phrases and detail."""
    parts = [draft["title"], draft.get("notes", ""), *draft.get("phrases", ())]
    return " ".join([*parts, *draft.get("detail", ())])


def assign_passages(
    retriever: Any, drafts: list[SectionDraft], exclusions: Sequence[str], code: bool
) -> None:
    """Set each draft's `passages`: the ones it fits best, deciding for all drafts at once."""
    wanted = [(d["title"], query_of(d)) for d in drafts]
    # What each section would use with every passage free, then who gets the contested ones.
    first = [_find(retriever, d, exclusions, code, set()) for d in drafts]
    # A section no passage explains well leans to the pages the well-covered ones stand on.
    pages = frozenset(f[0][0]["source"] for f in first if f and f[0][1] >= HIGH)
    leans = [pages if not f or f[0][1] < HIGH else frozenset() for f in first]
    alone = [
        {c["id"] for c, _ in (_find(retriever, d, exclusions, code, set(), on) if on else f)}
        for d, f, on in zip(drafts, first, leans, strict=True)
    ]
    claims = claim_passages(retriever, wanted, exclusions, alone)
    for index, draft in enumerate(drafts):
        others = {chunk_id for chunk_id, owner in claims.items() if owner != index}
        draft["passages"] = _find(retriever, draft, exclusions, code, others, leans[index])
        if not draft["passages"]:
            # Shared only when it explains this topic in full: the same text twice otherwise
            shared = _find(retriever, draft, exclusions, code, set(), leans[index])
            draft["passages"] = [(c, share) for c, share in shared[:SHARED] if share >= HIGH]


def unshare(drafts: Sequence[SectionDraft]) -> None:
    """A passage two sections hold stays with the one that has least else to show, when the
    other keeps two passages: the article would carry the same text twice ("Session
    Objects" under *Reuse connections* and again under *Persist headers, cookies and auth*).

    When the other also holds the passage's continuation (the rest of a heading split in
    two), taking the passage would leave it opening mid-heading ("If you want to manually
    add cookies ..." without "The Session object ..."): both keep it, the other for its
    opening paragraph and this one for the rest (`portions`).
    """
    for draft in sorted(drafts, key=lambda d: len(d.get("passages", ()))):
        for chunk, _ in draft.get("passages", ()):
            for other in drafts:
                held = other.get("passages", ())
                rest = [(c, s) for c, s in held if c["id"] != chunk["id"]]
                if other is draft or len(rest) == len(held) or len(rest) < 2:
                    continue
                if any(continues(c, chunk) for c, _ in rest) and _whole(draft, other, chunk):
                    other.setdefault("portions", {})[chunk["id"]] = "opening"
                    draft.setdefault("portions", {})[chunk["id"]] = "rest"
                else:
                    other["passages"] = rest


def continues(chunk: Chunk, opening: Chunk) -> bool:
    """Whether `chunk` is a later part of the heading `opening` starts (`#timeouts-2`)."""
    same = (chunk["source"], chunk["title"]) == (opening["source"], opening["title"])
    return same and chunk["id"].startswith(f"{opening['id']}-")


def _whole(draft: SectionDraft, other: SectionDraft, chunk: Chunk) -> bool:
    """Whether neither section already carries only a part of `chunk`."""
    return all(chunk["id"] not in d.get("portions", {}) for d in (draft, other))


def find_for(
    retriever: Any,
    draft: SectionDraft,
    exclusions: Sequence[str],
    code: bool,
    *,
    first: Chunk | None = None,
    taken: set[str] | frozenset[str] = frozenset(),
) -> list[tuple[Chunk, float]]:
    """The passages for one section; `first` (the heading it was named after) leads."""
    found = _find(retriever, draft, exclusions, code, set(taken))
    if first is not None and all(c["id"] != first["id"] for c, _ in found):
        found = [(first, 1.0), *found[:-1]] if len(found) > 1 else [(first, 1.0), *found]
    return found


def _find(
    retriever: Any,
    draft: SectionDraft,
    exclusions: Sequence[str],
    code: bool,
    taken: set[str],
    pages: frozenset[str] = frozenset(),
) -> list[tuple[Chunk, float]]:
    wants = code or wants_code(draft.get("notes", ""))
    found = find_passages(
        retriever,
        draft["title"],
        query_of(draft),
        taken=taken,
        exclusions=exclusions,
        code=wants,
        pages=pages,
    )
    return [(cast(Chunk, chunk), share) for chunk, share in found]
