"""The writers: introduction, one section writer per outline section, conclusion.

Each retrieves the passages its contract calls for, asks the model for prose that cites
them as [n], and returns Markdown plus the chunk ids its [n] markers refer to. Section writers
key their cache on their own contract, not the whole outline, so editing one required section
in the brief re-runs only that section's writer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ucop.agents.base import Agent, RunServices, ask_model, draft_fallback, register
from ucop.agents.retrieval import knowledge, owned_chunks, passages, related_posts
from ucop.article.citations import MARKER, outside_code
from ucop.content.carry import page_imports, page_names
from ucop.content.drafts import write_part
from ucop.content.planning import find_passages, named_share, topic_terms
from ucop.content.reading import read_exclusions
from ucop.content.shapes import Part
from ucop.content.takeaways import Takeaway, takeaway
from ucop.engine.context import TaskContext
from ucop.errors import UnusableOutput

MIN_WORDS = 8


def parse_prose(text: str, title: str = "") -> str:
    """Clean Markdown prose from a model answer; too little text is unusable (retried)."""
    text = text.strip()
    fenced = re.fullmatch(r"```(?:markdown|md)?\s*\n(.*?)\n```", text, flags=re.DOTALL)
    if fenced:
        text = fenced.group(1).strip()
    lines = text.splitlines()
    while lines and (not lines[0].strip() or re.match(r"^#{1,2}\s", lines[0])):
        lines.pop(0)  # the section title, which the assembler adds itself (### subheads stay)
    text = "\n".join(lines).strip()
    if len(text.split()) < MIN_WORDS:
        raise UnusableOutput(f"the answer was too short to use ({len(text.split())} words)")
    return text


def keep_valid_citations(text: str, count: int) -> str:
    """Drop [n] markers that point at no passage (a model may invent them); code is left be."""

    def keep(match: re.Match[str]) -> str:
        return match.group(0) if 1 <= int(match.group(1)) <= count else ""

    return outside_code(text, lambda prose: MARKER.sub(keep, prose))


def _inputs(ctx: TaskContext, *roles: str) -> list[Mapping]:
    return [ctx.inputs.get(role) or {} for role in roles]


def _operations(api: Mapping, ids: Sequence[str]) -> list[Mapping]:
    spec = api.get("spec") if api else None
    by_id = {op["id"]: op for op in (spec["operations"] if spec else ())}
    return [by_id[i] for i in ids if i in by_id]


def _write(
    ctx: TaskContext,
    services: RunServices,
    prompt: str,
    variables: dict[str, Any],
    found: list[dict[str, Any]],
) -> Part:
    # The part's own draft: what the offline writer answers, and what a model whose answer
    # stays unusable falls back to.
    own = write_part(prompt, variables)
    fallback = draft_fallback(own, parse=parse_prose)
    text = ask_model(
        ctx,
        services,
        prompt,
        variables,
        task=prompt,
        parse=parse_prose,
        fallback=fallback,
        draft=own,
    )
    return {
        "markdown": keep_valid_citations(text, len(found)),
        "citations": [p["id"] for p in found],
    }


@register
class IntroductionWriter(Agent):
    name = "introduction_writer"
    reads = {"outline": "outline_planner", "kb": "kb_ingestion", "blog": "blog_ingestion"}
    prompt = "introduction"
    description = "opening paragraphs"
    brief_fields = ("title", "audience", "body")

    def run(self, ctx: TaskContext, services: RunServices) -> dict[str, Any]:
        outline, kb, blog = _inputs(ctx, "outline", "kb", "blog")
        brief = services.brief
        query = " ".join([brief.title, brief.body])
        owned = {i for s in outline["sections"] for i in s["sources"]}
        # One passage about the article's subject as a whole, if the sources have one.
        hits = find_passages(
            knowledge(services, kb, None),
            brief.title,
            query,
            taken=owned,
            exclusions=read_exclusions(brief.body),
        )
        # Only a passage whose heading or page names the subject: an opening on
        # `HTTPException` for a WebSocket article would mislead.
        terms = topic_terms(brief.title)
        found = passages([h for h in hits if named_share(terms, h[0]) > 0][:1])
        variables = {
            "title": brief.title,
            "audience": brief.audience,
            "body": brief.body,
            "sections": [
                {"title": s["title"], "scope": s["scope"], "coverage": s.get("coverage", "")}
                for s in outline["sections"]
            ],
            "passages": found,
            "unplanned": [
                w["topic"] for w in outline.get("warnings", ()) if w["kind"] == "uncovered_topic"
            ],
            "related": related_posts(services, blog, _subject(brief), k=1, brief_text=brief.body),
            "plan": _plan(outline),
        }
        return dict(_write(ctx, services, "introduction", variables, found))


@register
class SectionWriter(Agent):
    name = "section_writer"
    reads = {
        "outline": "outline_planner",
        "kb": "kb_ingestion",
        "api": "api_ingestion",
        "blog": "blog_ingestion",
    }
    prompt = "section"
    description = "one section per outline entry (fan-out)"
    brief_fields = ("title", "audience")

    def fan_out(self, inputs: Mapping[str, Any], services: RunServices) -> Sequence[Any]:
        return list(inputs["outline"]["sections"])

    def model_calls(self, instances: int = 1) -> int:
        return instances

    def run(self, ctx: TaskContext, services: RunServices) -> dict[str, Any]:
        outline, kb, api, blog = _inputs(ctx, "outline", "kb", "api", "blog")
        section = ctx.item
        query = " ".join([section["title"], services.brief.title])
        found = passages(owned_chunks(services, kb, section["sources"], api))
        pages = knowledge(services, kb, api)
        portions = section.get("portions") or {}
        for passage in found:  # a snippet carried alone needs its page's imports
            passage["portion"] = portions.get(passage["id"], "")
            page = pages.page(passage["source"])
            passage["imports"] = page_imports(page, passage["source"])
            passage["defined"] = page_names(page, passage["source"])
        ops = _operations(api, section["operations"])
        variables = {
            "title": services.brief.title,
            "audience": services.brief.audience,
            "section": section,
            "others": _other_titles(outline, section),
            "operations": [{k: op[k] for k in ("id", "method", "path", "summary")} for op in ops],
            "passages": found,
            "related": related_posts(services, blog, query, k=1),
            "plan": _plan(outline),
        }
        result = _write(ctx, services, "section", variables, found)
        return {"index": section["index"], "title": section["title"], **result}

    def cache_material(self, inputs: Mapping[str, Any], item: Any, services: RunServices) -> Any:
        outline = inputs.get("outline") or {}
        return {
            "section": services.digest(item),
            "others": _other_titles(outline, item),
            "brief": services.brief.digest("title", "audience"),
            **{role: services.digest(inputs.get(role)) for role in ("kb", "api", "blog")},
        }


def _plan(outline: Mapping) -> list[str]:
    """The section titles in order: with the article's title, the part every writer call of
    a run shares, so it opens each prompt (a prefix providers can cache).
    A section writer's cache key covers it already (its own title plus `others`)."""
    return [s["title"] for s in outline.get("sections", ())]


def _other_titles(outline: Mapping, section: Mapping) -> list[str]:
    return [s["title"] for s in outline.get("sections", ()) if s["index"] != section["index"]]


@register
class ConclusionWriter(Agent):
    name = "conclusion_writer"
    reads = {"outline": "outline_planner", "sections": "section_writer", "blog": "blog_ingestion"}
    prompt = "conclusion"
    description = "closing paragraph and next steps"
    brief_fields = ("title", "audience")

    def run(self, ctx: TaskContext, services: RunServices) -> dict[str, Any]:
        outline, blog = _inputs(ctx, "outline", "blog")
        written = {w["index"]: w for w in ctx.inputs.get("sections") or () if w}
        texts = {i: w["markdown"] for i, w in written.items()}
        points = _takeaways(outline["sections"], written)
        found = _cited(points)
        sections = [
            {
                "title": s["title"],
                "summary": _summary(texts[s["index"]]) if s["index"] in texts else s["scope"],
                "highlights": highlights(texts.get(s["index"], "")),
                "coverage": s.get("coverage", ""),
                "takeaway": _point(points.get(s["index"]), found),
            }
            for s in outline["sections"]
        ]
        variables = {
            "title": services.brief.title,
            "audience": services.brief.audience,
            "sections": sections,
            "passages": found,
            "related": related_posts(
                services, blog, _subject(services.brief), k=2, brief_text=services.brief.body
            ),
            "plan": _plan(outline),
        }
        return dict(_write(ctx, services, "conclusion", variables, found))


def _takeaways(planned: Sequence[Mapping], written: Mapping[int, Mapping]) -> dict[int, Takeaway]:
    """Each written section's point (`ucop.content.takeaways`), no sentence twice."""
    points: dict[int, Takeaway] = {}
    for section in planned:
        part = written.get(section["index"])
        if part is None or section.get("coverage") == "none":
            continue
        taken = [p["text"] for p in points.values()]
        point = takeaway(section, part["markdown"], part.get("citations") or (), taken)
        if point is not None:
            points[section["index"]] = point
    return points


def _cited(points: Mapping[int, Takeaway]) -> list[dict[str, Any]]:
    """The passages the takeaways cite, numbered [1], [2], ... in the conclusion's order;
    each carries the sentences taken from it (what the judge may find the conclusion says)."""
    ids = list(dict.fromkeys(p["source"] for p in points.values()))
    return [
        {"n": n, "id": i, "text": " ".join(p["text"] for p in points.values() if p["source"] == i)}
        for n, i in enumerate(ids, start=1)
    ]


def _point(point: Takeaway | None, found: Sequence[Mapping[str, Any]]) -> str:
    """The takeaway with its conclusion-local citation: "By default, ... explicitly. [2]"."""
    if point is None:
        return ""
    n = next(p["n"] for p in found if p["id"] == point["source"])
    return f"{point['text']} [{n}]"


def _subject(brief: Any) -> str:
    """What the article is about, for finding related posts: its title and tags."""
    return " ".join([brief.title, *brief.tags])


def _summary(markdown: str) -> str:
    text = re.sub(r"\s*\[\d+\]", "", markdown)
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    match = re.match(r"\s*(.+?[.!?])(\s|$)", " ".join(text.split()))
    return match.group(1) if match else text[:200]


def highlights(markdown: str, limit: int = 3) -> list[str]:
    """The names a section taught (`WebSocketEndpoint`, `websocket.accept()`), first seen first."""
    prose = re.sub(r"```.*?```", "", markdown, flags=re.DOTALL)
    names: list[str] = []
    seen: set[str] = set()
    for span in re.findall(r"`(?:await )?([^`\n]{2,40})`", prose):
        api_name = re.search(r"[(._]|[a-z][A-Z]|^[A-Z][a-z]+[A-Z]", span)
        bare = span.split("(")[0].lstrip(".")
        call = re.match(r"^(?:GET|POST|PUT|PATCH|DELETE) /", span)
        if (api_name or call) and bare not in seen and (" " not in bare or call):
            seen.add(bare)
            names.append(f"`{span}`")
    return names[:limit]
