"""Sentences that only point elsewhere in the docs, dropped when a passage is carried over.

A docs page ends with "Ready for more? Check out the advanced section." and sends its reader
to other pages ("For sending multiple files in one request refer to the advanced section",
"See the Session API Docs to learn more"). Carried into an article, the reference has lost
its link and its target: the sentence tells the reader nothing. Such a sentence is dropped,
with a short teaser question before it ("Ready for more?"), and so is a clause that does
only that (", which can be found in the HTTP Route section above"); a sentence that keeps a link
(`[the toolbelt's documentation](https://...)`), or introduces what follows ("See below an
example ...:"), stays.
"""

from __future__ import annotations

import re

from ucop.content.sentences import sentences

# "See ...", "Please refer to ...", "For more details, check out ...", "Read on ..."
_POINTS = re.compile(
    r"^(?:(?:for|to\s+learn)\s+(?:more|further|additional)?\s*(?:information|details)?[^,]*,\s*)?"
    r"(?:please\s+)?(?:see(?:\s+also)?|refer\s+to|check\s+out|check\s+(?:the\s+)?details|"
    r"read(?:\s+on)?|consult|head\s+(?:over\s+)?to|take\s+a\s+look\s+at|look\s+at|visit|"
    r"continue\s+(?:on\s+)?to|go\s+to)\b",
    re.IGNORECASE,
)
_REFERS = re.compile(r"\brefer\s+to\b|\bcheck\s+out\b", re.IGNORECASE)
_SEE_ALSO = re.compile(r"^see\s+also\b", re.IGNORECASE)  # "See also Using middleware."
# ... to a place in the docs, not to something the sentence itself says
_PLACE = re.compile(
    r"\b(?:section|page|chapter|guide|documentation|docs|tutorial|details|reference|"
    r"elsewhere|faq)\b",
    re.IGNORECASE,
)
# "..., which can be found in the HTTP Route section above." : the clause goes, the rest stays
_CLAUSE = re.compile(
    r",\s*(?:which|that)\s+(?:can\s+be|is|are)\s+(?:found|described|covered|explained|"
    r"documented)\s+in\s+(?:the\s+)?[^,.;]{0,60}?\b(?:section|page|chapter|docs|documentation)"
    r"\b(?:\s+(?:above|below))?(?=[.;!?]?$)",
    re.IGNORECASE,
)
# "... with the ASGI server — more on this below." : the aside goes, the sentence stays
_ASIDE = re.compile(
    r"\s*(?:—|–|--|,|;|\()\s*(?:see\s+|more\s+on\s+|details\s+)(?:this|that|these|them)?\s*"
    r"(?:below|later|above|further\s+down)\)?(?=[.;!?]?$)",
    re.IGNORECASE,
)
_LINK = re.compile(r"\]\((?:https?:|mailto:)|<https?://")
_LIST_ITEM = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)(.*)$", re.S)
_TEASER_WORDS = 5  # "Ready for more?", "Want to know more?"


def is_pointer(sentence: str) -> bool:
    """Whether a sentence only sends the reader elsewhere, with no link to follow."""
    text = sentence.strip()
    if not text or _LINK.search(text) or text.endswith(":") or len(text.split()) > 25:
        return False
    if _SEE_ALSO.match(text):
        return True
    pointing = _POINTS.match(text) or _REFERS.search(text)
    return bool(pointing) and bool(_PLACE.search(text))


def drop_pointers(block: str) -> str:
    """A prose block without its pointer sentences ('' when nothing else is left).

    A paragraph is read sentence by sentence; a list keeps its items, each without its
    pointers; tables, quotes and headings are left as they are.
    """
    if block.lstrip().startswith(("|", ">", "#", "```", "~~~")):
        return block
    if _LIST_ITEM.match(block):
        return "\n".join(_kept_item(item) for item in _items(block) if _kept_item(item))
    return _kept(block)


def _items(block: str) -> list[str]:
    """A list's items, each with its continuation lines."""
    items: list[str] = []
    for line in block.split("\n"):
        if _LIST_ITEM.match(line) or not items:
            items.append(line)
        else:
            items[-1] += "\n" + line
    return items


def _kept_item(item: str) -> str:
    match = _LIST_ITEM.match(item)
    if match is None:
        return item
    kept = _kept(match.group(2))
    if kept == match.group(2):
        return item  # untouched: its own line breaks
    return f"{match.group(1)}{kept}" if kept else ""


def _kept(text: str) -> str:
    said = sentences(text)
    keep = [not is_pointer(s) for s in said]
    for i, sentence in enumerate(said[:-1]):  # "Ready for more?" before a pointer
        if not keep[i + 1] and sentence.endswith("?") and len(sentence.split()) <= _TEASER_WORDS:
            keep[i] = False
    trimmed = [_ASIDE.sub("", _CLAUSE.sub("", s)) for s in said]
    if all(keep) and trimmed == said:
        return text
    return " ".join(s for s, k in zip(trimmed, keep, strict=True) if k)
