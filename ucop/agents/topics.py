"""What the brief asks for, read from its words: topics in order, exclusions, and code wanted.

    "Show how to accept a WebSocket connection, exchange messages, close it cleanly, route
     it, and test it. Leave out deployment and authentication."

gives the topics `accept a WebSocket connection`, `exchange messages`, `close the WebSocket
connection cleanly`, `route the WebSocket connection`, `test the WebSocket connection`, and
the exclusions `deployment`, `authentication`. Only sentences that ask for something
("show", "cover", "walk through", "explain", ...) give topics; the rest of the body is context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ASK = re.compile(
    r"^(?:please\s+)?(?:show(?:\s+how)?(?:\s+to)?|cover(?:s|ing)?|walk(?:\s+the\s+reader)?\s+"
    r"through|explain(?:\s+how\s+to)?|describe|demonstrate|teach|go\s+through|discuss|"
    r"include|introduce)\s+",
    re.IGNORECASE,
)
_EXCLUDE = re.compile(
    r"^(?:leave\s+out|do\s+not\s+(?:cover|mention|discuss)|don't\s+(?:cover|mention|discuss)|"
    r"skip|exclude|omit|no)\s+(.+)$",
    re.IGNORECASE,
)
_QUALIFIER = re.compile(r",?\s+(?:each|all|both)\s+with\b.*$|,?\s+with\s+code\b.*$", re.I)
_SPLIT = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+|\s*;\s*")
_ARTICLE = re.compile(r"\b(?:a|an|the)\s+", re.IGNORECASE)
_STOPS = {"for", "to", "of", "in", "on", "with", "it", "them", "and", "or", "from", "by", "at"}
_PRONOUN = re.compile(r"\b(?:it|them)\b")
# "with code", "each with a short example", "with a snippet": an ask, not a remark on code.
_CODE_ASK = re.compile(
    r"\bwith\s+(?:[\w-]+\s+){0,3}?(?:code|examples?|snippets?|samples?)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Topic:
    """One thing the brief asks for: its phrase as written and with pronouns resolved."""

    phrase: str
    resolved: str
    position: int

    @property
    def title(self) -> str:
        return headline(self.resolved)


def headline(phrase: str) -> str:
    """A section title from a phrase: first letter up, no trailing punctuation."""
    phrase = re.sub(r"^(?:how\s+to\s+)", "", phrase.strip(), flags=re.IGNORECASE)
    phrase = phrase.strip(" .:;,")
    return phrase[:1].upper() + phrase[1:]


def sentences(text: str) -> list[str]:
    flat = " ".join(text.split())
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", flat) if s.strip()]


def read_topics(body: str) -> list[Topic]:
    """The topics the body asks for, in the order it names them."""
    topics: list[Topic] = []
    for sentence in sentences(body):
        ask = _ASK.match(sentence)
        if not ask:
            continue
        rest = _QUALIFIER.sub("", sentence[ask.end() :].rstrip(".!?"))
        for item in _SPLIT.split(rest):
            item = re.sub(r"^(?:and|or|then)\s+", "", item.strip(), flags=re.IGNORECASE)
            if len(item) > 2:
                resolved = _resolve(item, [t.phrase for t in topics])
                topics.append(Topic(item, resolved, len(topics)))
    return topics


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


def read_exclusions(body: str) -> list[str]:
    """What the brief says to leave out ("Leave out deployment and authentication")."""
    found: list[str] = []
    for sentence in sentences(body):
        match = _EXCLUDE.match(sentence.rstrip(".!?"))
        if match:
            found += [i.strip() for i in _SPLIT.split(match.group(1)) if i.strip()]
    return found


def wants_code(*texts: str) -> bool:
    """Whether the author asks for code ("with code", "each with a short example")."""
    return any(_CODE_ASK.search(text or "") for text in texts)
