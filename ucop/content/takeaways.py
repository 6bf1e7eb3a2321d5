"""What to take away from a section: the one sentence of its own text that best states its point.

The conclusion's list says something only when each item is a claim the section made ("By
default, requests do not time out unless a timeout value is set explicitly."), not its title
again. The sentence is taken whole from the section as written (the offline writer's or a
model's), so it is grounded by construction, and it keeps the citation of the passage it came
from: the marker of its own paragraph, else of the paragraph that opened its passage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from ucop.content.excerpts import is_code, split_blocks
from ucop.content.sentences import sentences

# a citation as `ucop.article.citations` reads it (the content layer does not import article)
MARKER = re.compile(r"\[(\d+)\](?!\()")
MIN_WORDS = 6  # shorter: a label or a fragment ("Sessions can be used.")
MAX_WORDS = 32  # longer: a paragraph's worth, not a takeaway
# A sentence that leans on the one before it, or on an example next to it, says little alone.
_LEANS = re.compile(
    r"^(?:this|these|that|those|it|its|they|there|also|however|but|and|or|so|then|thus|"
    r"here|note|otherwise|instead|such|similarly|likewise|in\s+general|in\s+that\s+case|"
    r"once|as\s+such|again|finally|simply|now|for\s+example|for\s+instance|let's|see|"
    r"furthermore|moreover|additionally|in\s+addition|in\s+fact|besides|as\s+well\s+as|"
    r"used|signature)\b",
    re.I,
)
_POINTS = re.compile(
    r"\b(?:following|below|above|like\s+this|this\s+example|as\s+follows|previous|"
    r"the\s+same|e\.g\.|i\.e\.|excellent|great\s+news|this|these|those|"
    r"(?:do|does|doing)\s+(?:that|so))\b|:\s*$|\?$",
    re.I,
)
# The docs' reference style, whose subject is the heading above: "Takes some text or bytes
# and returns ...", "Asynchronously streams a file ..." (a verb, then its object).
_NO_SUBJECT = re.compile(
    r"^(?:[A-Z][a-z]+ly\s+)?[A-Za-z]+[^s\W]s\s+(?:a|an|the|some|any|one|your|its|their|"
    r"multiple|several|all|each|every|data|text)\b"
)
_UNCITED = re.compile(r"\s*" + MARKER.pattern)  # a marker with the space before it
_ALSO = re.compile(r"\b(?:also|as\s+well|too)\b", re.I)
_PROSE = re.compile(r"^\s*(?:[-*+] |\d+[.)] |\||>|#|<|Signature\b|Usage\b)", re.I)


class Takeaway(TypedDict):
    """A section's point: one sentence of its text, and the chunk id its citation names."""

    text: str
    source: str


def takeaway(
    section: Mapping[str, Any], markdown: str, citations: Sequence[str], avoid: Sequence[str] = ()
) -> Takeaway | None:
    """The sentence of `markdown` that best states the section's point, or None.

    Best: it says most of the section's title (then of the brief's phrases for it) and reads
    on its own; among equals the earlier one (a section's opening often states its point).
    `avoid`: sentences other sections already took (a passage two sections carry).
    """
    from ucop.content.planning import topic_terms
    from ucop.sources.words import tokenize

    title = set(topic_terms(str(section.get("title", ""))))
    asked = set(topic_terms(" ".join(map(str, section.get("phrases") or ())))) - title
    best: tuple[float, int] | None = None
    chosen: Takeaway | None = None
    for place, (sentence, local) in enumerate(_candidates(markdown)):
        if sentence in avoid or not 1 <= local <= len(citations):
            continue
        said = set(tokenize(sentence))
        score = len(title & said) / max(len(title), 1) + 0.3 * len(asked & said) / max(
            len(asked), 1
        )
        if _ALSO.search(sentence):  # "You can also ...": it adds to a point made before
            score -= 0.5
        if best is None or (score, -place) > best:
            best, chosen = (score, -place), {"text": sentence, "source": citations[local - 1]}
    return chosen


def _candidates(markdown: str) -> list[tuple[str, int]]:
    """Each sentence that reads on its own, with the local [n] of the passage it is from."""
    found: list[tuple[str, int]] = []
    for block, marker in _attributed(markdown):
        if _PROSE.match(block):
            continue
        for sentence in sentences(_UNCITED.sub("", block)):
            sentence = " ".join(sentence.split())
            count = len(sentence.split())
            if MIN_WORDS <= count <= MAX_WORDS and _stands_alone(sentence):
                found.append((sentence, marker))
    return found


def _stands_alone(sentence: str) -> bool:
    if sentence[-1:] not in ".!" or sentence.count("`") % 2 or "](" in sentence:
        return False
    if _NO_SUBJECT.match(sentence):
        return False
    return not _LEANS.match(sentence) and not _POINTS.search(sentence)


def _attributed(markdown: str) -> list[tuple[str, int]]:
    """The prose blocks of `markdown`, each with the [n] of its passage (0 when none)."""
    blocks = [b for b in split_blocks(markdown) if not is_code(b)]
    own = [_marker(b) for b in blocks]
    markers: list[int] = []
    current = 0
    for at, marker in enumerate(own):
        current = marker or current or next((m for m in own[at:] if m), 0)
        # a heading opens another passage: what follows it is cited by its own marker
        if blocks[at].startswith("#"):
            current = next((m for m in own[at:] if m), 0)
        markers.append(current)
    return list(zip(blocks, markers, strict=True))


def _marker(block: str) -> int:
    found = MARKER.search(block)
    return int(found.group(1)) if found else 0
