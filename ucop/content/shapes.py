"""The shapes content takes on its way from the brief to the article, declared once.

A `Topic` is one thing the brief asks for; `BriefAsks` is all of them with the exclusions and
instructions; a `Chunk` is a passage of the sources as the loaders give it; a `SectionPlan` is
one section's contract (what the outline planner hands each section writer); a `Part` is what
a writer returns. Agents pass these as JSON-ready dicts (the engine caches and records them),
so the dict shapes are TypedDicts; the shapes only the planner handles are frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, NotRequired, TypedDict

Coverage = Literal["covered", "partial", "none"]
# Which part of a passage two sections share each carries: its opening paragraph, or the rest
Portion = Literal["opening", "rest"]


@dataclass(frozen=True)
class Topic:
    """One thing the brief asks for: its phrase as written, with pronouns resolved, and the
    detail the brief gives in brackets or after "such as" (`text, encoding, JSON content`)."""

    phrase: str
    resolved: str
    position: int
    detail: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        from ucop.content.sentences import headline

        return headline(self.resolved)


@dataclass(frozen=True)
class BriefAsks:
    """What the brief's body asks for, read once."""

    topics: tuple[Topic, ...]
    exclusions: tuple[str, ...]
    instructions: tuple[str, ...]  # about form: "Include short runnable examples."
    code: bool  # the author asks for code ("with code", "every section should have a snippet")


class _ChunkBase(TypedDict):
    id: str
    source: str
    title: str
    heading: str
    text: str


class Chunk(_ChunkBase, total=False):
    """A passage of the sources as a loader gives it (KB section, API operation, blog post)."""

    kind: str
    level: int
    url: str
    markdown: str
    code_blocks: list[dict[str, Any]]


class Passage(TypedDict):
    """A chunk numbered for a prompt and for citations ([n])."""

    n: int
    id: str
    kind: str
    title: str
    heading: str
    level: int
    source: str
    url: str
    text: str
    markdown: str
    code_blocks: list[dict[str, Any]]


class SectionDraft(TypedDict, total=False):
    """A section while it is being planned: its topic phrases, passages and operations."""

    title: str
    notes: str
    required: bool
    phrases: list[str]
    raw: list[str]
    detail: list[str]
    position: int
    passages: list[tuple[Chunk, float]]
    operations: list[dict[str, Any]]
    places: list[int]  # where its passages stand in the sources (neighbours merge first)
    origin: str  # "required", "topic", "detail" (split from a topic's detail), "sources"
    judged: str  # what its passages explain, when that is not its title (`ucop.content.kin`)
    unsaid: list[str]  # ... and the words of its title they do not explain
    portions: dict[str, Portion]  # chunk id -> the part of a shared passage it carries


class SectionPlan(TypedDict):
    """One section's contract: the outline planner's output, one per section writer."""

    index: int
    title: str
    scope: str
    notes: str
    required: bool
    key_terms: list[str]
    sources: list[str]
    operations: list[str]
    planned_operations: bool
    coverage: Coverage
    missing: list[str]
    wants_code: bool
    phrases: list[str]
    detail: list[str]  # the aspects the brief lists in parentheses: "text, encoding, binary"
    portions: NotRequired[dict[str, Portion]]  # a passage shared with another section


class Part(TypedDict):
    """What a writer returns: its Markdown and the chunk ids its [n] markers refer to."""

    markdown: str
    citations: list[str]
