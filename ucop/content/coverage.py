"""Coverage: how much of a section's topic its passages explain, judged on the whole corpus.

`covered`, `partial` or `none`, and the names in the title no passage has: a section is "not
covered" only when no passage it was given explains its words, and a gap is reported only
for names ("Redis", "429", "Retry-After"), never for plain words the sources phrase otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ucop.content.planning import HIGH, LOW, RARE, THIN, tokens, topic_terms
from ucop.content.shapes import Coverage


def coverage_of(
    retriever: Any, title: str, passages: Sequence[tuple[Mapping, float]], has_ops: bool
) -> tuple[Coverage, list[str]]:
    """`covered`, `partial` or `none`, and the title words no chosen source mentions."""
    if has_ops:
        return "covered", []
    terms = topic_terms(title)
    total = sum(retriever.idf(t) for t in terms) or 1.0
    # Together: "Accept, receive and send" may take one passage per verb.
    best = (
        sum(
            retriever.idf(t)
            for t in terms
            if any(retriever.coverage([t], chunk) > 0 for chunk, _ in passages)
        )
        / total
    )
    # Only names are worth reporting ("Redis", "429", "Retry-After"); a plain word the
    # sources lack ("fits", "cleanly") says nothing about what is missing.
    missing = _absent(retriever, title, passages)
    if best < LOW:
        return "none", missing
    words = sum(len(chunk.get("text", "").split()) for chunk, _ in passages)
    if words < THIN and not any(chunk.get("code_blocks") for chunk, _ in passages):
        return "partial", missing  # a one-line mention (a list of third-party packages)
    # Partly covered only when a name is missing ("Redis"): plain words the passages lack
    # ("connection", "fits") do not make a gap a reader would notice.
    return ("partial", missing) if best < HIGH and missing else ("covered", [])


def section_coverage(
    retriever: Any,
    title: str,
    passages: Sequence[tuple[Mapping, float]],
    has_ops: bool,
    draft: Mapping[str, Any] | None = None,
) -> tuple[Coverage, list[str]]:
    """`coverage_of` the section; one planned on what its topic stands for (`judged`:
    "middleware" for "where rate limiting fits") is at best partly covered, missing the
    words its passages do not explain ("rate limiting")."""
    draft = draft or {}
    judged = str(draft.get("judged") or "")
    if judged:
        status, _ = coverage_of(retriever, judged, passages, has_ops)
        return ("partial" if status == "covered" else status), list(draft.get("unsaid", ()))
    status, missing = coverage_of(retriever, title, passages, has_ops)
    notes = str(draft.get("notes") or "") if draft.get("required") and not has_ops else ""
    # The author's notes name what the section must show ("429 with Retry-After"): a name
    # no passage has makes the section partly covered, as one in the title would.
    absent = [w for w in _absent(retriever, notes, passages) if w not in missing]
    if status == "none" or not absent:
        return status, missing
    return "partial", [*missing, *absent]


def _absent(retriever: Any, text: str, passages: Sequence[tuple[Mapping, float]]) -> list[str]:
    """Names in `text` that are rare or unknown in the sources and in none of `passages`."""
    return [
        word
        for word in names_in(text)
        if any(t not in retriever.vocabulary or retriever.idf(t) >= RARE for t in tokens(word))
        and not any(retriever.coverage(tokens(word), chunk) > 0 for chunk, _ in passages)
    ]


def names_in(title: str) -> list[str]:
    """Words of a title that look like names: capitals past the first word, digits, hyphens."""
    words = re.findall(r"[\w-]+", title)
    return [
        w
        for i, w in enumerate(words)
        if tokens(w) and (re.search(r"[0-9-]|.[A-Z]", w) or (i > 0 and w[:1].isupper()))
    ]


def coverage_warning(section: Mapping[str, Any]) -> dict[str, str]:
    missing = ", ".join(section["missing"])
    if section["coverage"] == "none":
        what = "no source covers it"
    else:
        what = "the sources cover it only in part"
    message = f'section {section["index"]} "{section["title"]}": {what}'
    if missing:
        message += f" (nothing on {missing})"
    kind = "uncovered_section" if section["coverage"] == "none" else "partly_covered_section"
    return {"kind": kind, "section": section["title"], "message": message}
