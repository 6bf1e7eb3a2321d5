"""What the brief asks for: topics in order, exclusions, instructions about form, code wanted.

    "Show how to accept a WebSocket connection, exchange messages, close it cleanly, route
     it, and test it. Leave out deployment and authentication."

gives the topics `accept a WebSocket connection`, `exchange messages`, `close the WebSocket
connection cleanly`, `route the WebSocket connection`, `test the WebSocket connection`, and
the exclusions `deployment`, `authentication`. Topics come from a sentence that asks for
something ("show", "cover", "walk through", "explain", ...), from a list after a colon ("A
tutorial covering Requests: making a request, passing URL parameters, ..."), from the body's
bullet or numbered lists, and from the front matter's `topics:`. Requests about form
("Include short runnable examples", "Readers know Python") are instructions, not topics.
"""

from __future__ import annotations

import re

from ucop.content.sentences import depth_split, headline, mark_such_as, sentences, strip_detail
from ucop.content.shapes import BriefAsks, Topic

__all__ = ["headline", "read_brief", "read_exclusions", "read_topics", "split_items", "wants_code"]

_ASK = re.compile(
    r"^(?:please\s+)?(?:show(?:\s+how)?(?:\s+to)?|cover(?:s|ing)?|walk(?:\s+the\s+reader)?\s+"
    r"through|explain(?:\s+how\s+to)?|describe|demonstrate|teach|go\s+through|discuss|"
    r"introduce|focus\s+on)\b[\s,]*",
    re.IGNORECASE,
)
# A sentence that opens with one of these is about the article's form, not its subject.
_FORM = re.compile(
    r"^(?:include|use|every|each|all|readers?|the\s+readers?|audience|mention|link|keep|"
    r"make\s+sure|write|avoid|prefer|assume|do\s+not\s+(?:use|assume)|it\s+should|"
    r"the\s+article|this\s+article|tone|aim)\b",
    re.IGNORECASE,
)
_EXCLUDE = re.compile(
    r"^(?:leave\s+out|do\s+not\s+(?:cover|mention|discuss)|don't\s+(?:cover|mention|discuss)|"
    r"skip|exclude|omit|no)\s+(.+)$",
    re.IGNORECASE,
)
# ", with Python code for every call," / ", each with a short example from the docs"
_QUALIFIER = re.compile(
    r",?\s+(?:each|all|both)\s+with\b.*$|,?\s+with\s+(?:[\w-]+\s+){0,3}?(?:code|examples?|"
    r"snippets?)\b[^,]*$",
    re.I,
)
_INNER_QUALIFIER = re.compile(r"^,?\s*with\s+[^,]*\b(?:code|examples?|snippets?)\b[^,]*,\s*", re.I)
_WH = re.compile(r"^(?:how|why|what|when|where|which|whether)\b", re.IGNORECASE)
_SUBJECT_VERB = re.compile(r"^how\s+(?:a|an|the|your|each)\s+\w+\s+(\w+s)\b", re.IGNORECASE)
_ARTICLE = re.compile(r"\b(?:a|an|the)\s+", re.IGNORECASE)
_STOPS = {"for", "to", "of", "in", "on", "with", "it", "them", "and", "or", "from", "by", "at"}
_PRONOUN = re.compile(r"\b(?:it|them)\b")
# "with code", "each with a short example", "include short runnable snippets",
# "every section should have a snippet": an ask for code, not a remark about code.
_CODE_ASK = re.compile(
    r"\bwith\s+(?:[\w-]+\s+){0,3}?(?:code|examples?|snippets?|samples?)\b|"
    r"^\s*include\s+(?:[\w-]+\s+){0,3}?(?:code|examples?|snippets?|samples?)\b|"
    r"\b(?:every|each)\s+section\s+should\s+(?:have|show|include)\b",
    re.IGNORECASE | re.MULTILINE,
)


def read_brief(body: str, listed: tuple[str, ...] = ()) -> BriefAsks:
    """Everything the body (and a front-matter `topics:` list) asks for."""
    from ucop.content.structure import body_blocks

    topics: list[Topic] = [_topic(item, [], i) for i, item in enumerate(listed)]
    exclusions: list[str] = []
    instructions: list[str] = []
    for kind, text in body_blocks(body):
        if kind == "item":  # "Sessions: why they are faster" -> Sessions, with its note
            head, colon, note = _colon(text)
            topic = _topic(head if colon else text, topics, len(topics))
            if colon and note.strip():
                topic = Topic(topic.phrase, topic.resolved, topic.position, (note.strip(),))
            topics.append(topic)
            continue
        for sentence in sentences(text):
            excluded = _exclusions(sentence)
            if excluded:
                exclusions += excluded
            elif _FORM.match(sentence):
                instructions.append(sentence)
            else:
                for item in _asked(sentence):
                    topics.append(_topic(item, topics, len(topics)))
    code = wants_code(*instructions, *(s for _, text in body_blocks(body) for s in sentences(text)))
    return BriefAsks(tuple(topics), tuple(exclusions), tuple(instructions), code)


def read_topics(body: str) -> list[Topic]:
    """The topics the body asks for, in the order it names them."""
    return list(read_brief(body).topics)


def read_exclusions(body: str) -> list[str]:
    """What the brief says to leave out ("Leave out deployment and authentication")."""
    return list(read_brief(body).exclusions)


def wants_code(*texts: str) -> bool:
    """Whether the author asks for code ("with code", "include short runnable examples")."""
    return any(_CODE_ASK.search(s) for text in texts for s in sentences(text or ""))


def _exclusions(sentence: str) -> list[str]:
    match = _EXCLUDE.match(sentence.rstrip(".!?"))
    return [i.strip() for i in split_items(match.group(1))] if match else []


def _asked(sentence: str) -> list[str]:
    """The items a sentence asks for: after an ask verb, or in a list after a colon."""
    text = mark_such_as(sentence.rstrip(".!?"))
    ask = _ASK.match(text)
    if ask:
        rest = _INNER_QUALIFIER.sub("", text[ask.end() :])
        head, colon, tail = _colon(rest)
        if colon and len(split_items(tail)) >= 2:
            rest = tail  # "covering Requests end to end: making a request, ..."
        return _third_person(split_items(_QUALIFIER.sub("", rest)))
    head, colon, tail = _colon(text)
    items = split_items(_QUALIFIER.sub("", tail)) if colon else []
    return _third_person(items) if len(items) >= 2 else []


def _colon(text: str) -> tuple[str, bool, str]:
    """Split at the first colon outside brackets and code (`requests.get():` counts)."""
    parts = depth_split(text, ":")
    if len(parts) < 2:
        return text, False, ""
    return parts[0], True, ":".join(parts[1:])


def split_items(text: str) -> list[str]:
    """The items of a list in prose: commas outside brackets, and the last "and".

    "finding a pet, placing an order for it, checking the order and cancelling it" gives four
    items; "how to persist headers, cookies and auth, how to set timeouts" gives two (the
    items start with "how", so "cookies and auth" belongs to the one before); a
    parenthesised list stays with its item.
    """
    segments = [s.strip() for s in depth_split(text, ",") if s.strip()]
    if not segments:
        return []
    last = segments[-1]
    joined = re.match(r"^(?:and|or)\s+", last, re.IGNORECASE)
    if joined:
        segments[-1] = last[joined.end() :]
    else:
        segments[-1:] = _split_last_and(last)
    if sum(bool(_WH.match(s)) for s in segments) >= 2:
        segments = _group_by_wh(segments)
    items = [re.sub(r"^(?:and|or|then)\s+", "", s, flags=re.IGNORECASE) for s in segments]
    return [i for i in items if len(i) > 2]


# "... with stream=True and iter_content": the "and" joins the objects of "with"
_WITH_OBJECT = re.compile(r"\b(?:with|using|via)\s+\S+(?:\s+\S+){0,2}$", re.IGNORECASE)


def _split_last_and(segment: str) -> list[str]:
    parts = depth_split(segment, " and ")
    if len(parts) < 2:
        return [segment]
    left, right = " and ".join(parts[:-1]), parts[-1]
    if _WITH_OBJECT.search(left) and len(right.split()) == 1:
        return [segment]
    return [left, right]


def _group_by_wh(segments: list[str]) -> list[str]:
    grouped: list[str] = []
    for segment in segments:
        if grouped and not _WH.match(segment):
            grouped[-1] = f"{grouped[-1]}, {segment}"
        else:
            grouped.append(segment)
    return grouped


def _third_person(items: list[str]) -> list[str]:
    """ "how a shop adds a pet, updates it" -> "add a pet", "update it"."""
    if not items:
        return items
    match = _SUBJECT_VERB.match(items[0])
    if not match:
        return items
    first = items[0][match.start(1) :]
    return [_base_verb(item) for item in [first, *items[1:]]]


def _base_verb(item: str) -> str:
    verb, _, rest = item.partition(" ")
    low = verb.lower()
    if low.endswith("ies"):
        verb = verb[:-3] + "y"
    elif re.search(r"(?:ss|sh|ch|x|z)es$", low):
        verb = verb[:-2]
    elif low.endswith("s") and not low.endswith("ss"):
        verb = verb[:-1]
    return f"{verb} {rest}".strip()


def _topic(item: str, earlier: list[Topic], position: int) -> Topic:
    phrase, detail = strip_detail(item)
    resolved = _resolve(phrase, [t.phrase for t in earlier])
    return Topic(
        phrase=phrase,
        resolved=resolved,
        position=position,
        detail=tuple(split_items(detail)) if detail else (),
    )


def _resolve(item: str, earlier: list[str]) -> str:
    """Replace `it`/`them` with the nearest earlier item's object ("a WebSocket connection")."""
    if not _PRONOUN.search(item):
        return item
    for previous in reversed(earlier):
        found = list(_ARTICLE.finditer(previous))
        if found:
            words = previous[found[-1].end() :].split()
            noun = []
            for word in words[:3]:
                if word.lower() in _STOPS:
                    break
                noun.append(word)
            if noun:
                return _PRONOUN.sub(f"the {' '.join(noun)}", item, count=1)
    return item
