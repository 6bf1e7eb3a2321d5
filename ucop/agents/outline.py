"""The outline planner: section titles, then a contract per section so writers never overlap.

The model (or the offline writer) picks the titles; the contracts are built here from the
sources, deterministically: each section gets its scope, key terms, the knowledge-base
passages it should draw on, and the API operations it alone owns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ucop.agents.base import Agent, RunServices, ask_model, draft_fallback, register
from ucop.agents.json_answer import outline_schema
from ucop.agents.outline_answer import parse_outline
from ucop.agents.retrieval import knowledge, search
from ucop.content.coverage import coverage_warning, section_coverage
from ucop.content.drafts import write_part
from ucop.content.plan import plan_sections
from ucop.content.planning import find_passages
from ucop.content.reading import read_brief, read_exclusions, wants_code
from ucop.content.shapes import SectionPlan
from ucop.engine.context import TaskContext
from ucop.errors import UnusableOutput

MAX_OPS_PER_SECTION = 2
CANDIDATES = 14
OP_RELEVANCE = 0.5  # an operation must score at least this share of a section's best match


@register
class OutlinePlanner(Agent):
    name = "outline_planner"
    reads = {"kb": "kb_ingestion", "api": "api_ingestion", "blog": "blog_ingestion"}
    prompt = "outline"
    description = "section titles and a contract per section"
    brief_fields = ("title", "audience", "body", "tags", "sections", "required", "topics")

    def run(self, ctx: TaskContext, services: RunServices) -> dict[str, Any]:
        brief = services.brief
        kb, api, blog = (ctx.inputs[role] or {} for role in ("kb", "api", "blog"))
        required = [{"title": r.title, "notes": r.notes} for r in brief.required]
        exclusions = read_exclusions(brief.body)
        warnings: list[dict[str, str]] = []
        drafts = topic_plan(services, kb, api, required, exclusions, warnings)
        variables = {
            "title": brief.title,
            "audience": brief.audience,
            "body": brief.body,
            "count": brief.sections,
            "required": required,
            "topics": [
                {"title": d["title"], "scope": d.get("scope", ""), "required": d["required"]}
                for d in drafts
            ],
            "excluded": exclusions,
            "candidates": []
            if drafts
            else candidates(
                services,
                kb,
                api,
                brief_query(services),
                required_sources(services, kb, api, required),
            ),
            "operations": [_op_summary(op) for op in _operations(api)],
            "covered": [p["title"] for p in (blog or {}).get("posts", ())],
        }

        def parse(text: str) -> list[dict]:
            try:
                return parse_outline(text, brief.sections, [] if drafts else required)
            except UnusableOutput:
                if not (drafts and required):
                    raise
                # No sections in the answer: the required ones, and the plan fills the rest.
                return parse_outline(text, brief.sections, required)

        own = write_part("outline", variables)
        plan = ask_model(
            ctx,
            services,
            "outline",
            variables,
            task="outline",
            parse=parse,
            schema=outline_schema(),
            fallback=draft_fallback(own, parse=parse),
            draft=own,
        )
        if drafts:
            if len(plan) < len(drafts):
                ctx.warn(
                    "outline_topped_up",
                    f"outline: the model listed {len(plan)} of {len(drafts)} sections; "
                    f"{len(drafts) - len(plan)} added from the sources' plan",
                )
            plan = _follow_plan(plan, drafts)
        sections = contracts(plan, required, services, kb, api, drafts, exclusions)
        for section in sections:
            if section["coverage"] != "covered":
                warnings.append(coverage_warning(section))
        for warning in warnings:
            warning.setdefault("agent", self.name)
        return {"sections": sections, "warnings": warnings}


def topic_plan(
    services: RunServices,
    kb: Mapping,
    api: Mapping,
    required: Sequence[Mapping[str, str]],
    exclusions: Sequence[str],
    warnings: list[dict[str, str]],
) -> list[dict[str, Any]]:
    """The sections the brief asks for, with their sources (`ucop.content.plan`)."""
    brief = services.brief
    asks = read_brief(brief.body, brief.topics)
    spec = api.get("spec") if api else None
    retriever = knowledge(services, kb, api)
    drafts = plan_sections(
        asks,
        required,
        brief.sections,
        retriever,
        spec,
        brief_query(services),
        warnings,
        asked=brief.sections_asked,
    )
    return [dict(d) for d in drafts]


def _follow_plan(plan: list[dict], drafts: Sequence[Mapping]) -> list[dict]:
    """The model's wording and order of the planned sections; the plan where it strayed.

    The plan is backed by the sources: a title like none of the planned ones (a section the
    model made up) gives way to the planned section in its place, and an answer with another
    number of sections is replaced by the plan, since extra sections would be filler.
    """
    for entry in plan:
        entry["title"] = re.sub(r"\s*\(required\)$", "", entry["title"])
    if len(plan) != len(drafts):
        scopes = {p["title"].lower(): p.get("scope", "") for p in plan}
        plan = [{"title": d["title"], "scope": scopes.get(d["title"].lower(), "")} for d in drafts]
        return _keep_required(plan, drafts)
    alike = match_drafts([p["title"] for p in plan], drafts, by_place=False)
    spare = iter(d for d in drafts if all(d is not a for a in alike))
    for index, draft in enumerate(alike):
        if draft is None:
            plan[index] = {"title": next(spare)["title"], "scope": ""}
    return _keep_required(plan, drafts)


def _keep_required(plan: list[dict], drafts: Sequence[Mapping]) -> list[dict]:
    """A model may drop or reorder required sections; the brief's author decides those."""
    titles = {p["title"].lower() for p in plan}
    for position, draft in enumerate(drafts):
        if draft["required"] and draft["title"].lower() not in titles:
            plan.insert(min(position, len(plan)), {"title": draft["title"], "scope": ""})
    for entry in plan:
        entry["required"] = any(
            d["required"] and d["title"].lower() == entry["title"].lower() for d in drafts
        )
    return plan


def brief_query(services: RunServices) -> str:
    """The brief as a search query; the title counts three times, the free text once."""
    brief = services.brief
    return " ".join([brief.title] * 3 + [" ".join(brief.tags)] * 2 + [brief.body])


def candidates(
    services: RunServices,
    kb: Mapping,
    api: Mapping,
    query: str,
    exclude: frozenset[str] | set[str] = frozenset(),
    limit: int = CANDIDATES,
) -> list[dict]:
    """Knowledge-base headings most relevant to the brief, one per heading, best first.

    Document-level chunks (a whole doc's opening) and chunks in `exclude` (those the required
    sections will draw on) are left out: they would make sections that repeat others.
    """
    seen: set[str] = set()
    found = []
    hits = search(services, kb, api, query, k=limit * 3, kinds={"kb"})
    # a knowledge base of one-heading pages has only document-level chunks: use them then
    min_level = 1 if any(chunk["level"] > 1 for chunk, _ in hits) else 0
    for chunk, score in hits:
        heading = chunk["heading"].strip()
        if (
            not heading
            or heading.lower() in seen
            or chunk["level"] <= min_level
            or chunk["id"] in exclude
        ):
            continue
        seen.add(heading.lower())
        found.append(
            {
                "id": chunk["id"],
                "title": heading,
                "text": chunk["text"][:400],
                "score": round(score, 3),
            }
        )
        if len(found) == limit:
            break
    return found


def required_sources(
    services: RunServices, kb: Mapping, api: Mapping, required: Sequence[Mapping]
) -> set[str]:
    """The chunks the author's required sections will most likely draw on."""
    owned: set[str] = set()
    for section in required:
        query = f"{section['title']} {section['notes']}"
        owned |= {c["id"] for c, _ in search(services, kb, api, query, k=2, kinds={"kb"})}
    return owned


def contracts(
    plan: Sequence[Mapping],
    required: Sequence[Mapping],
    services: RunServices,
    kb: Mapping,
    api: Mapping,
    drafts: Sequence[Mapping] = (),
    exclusions: Sequence[str] = (),
) -> list[SectionPlan]:
    """Turn titles into contracts: scope, key terms, source passages and owned operations.

    A title from the topic plan keeps the sources found for it; any other title (a model's,
    or a heading picked when the brief names no topics) gets the passages that cover it.
    """
    notes = {r["title"].lower(): r["notes"] for r in required}
    matched = match_drafts([entry["title"] for entry in plan], drafts)
    retriever = knowledge(services, kb, api)
    sections: list[SectionPlan] = []
    taken: set[str] = set()
    for index, entry in enumerate(plan, start=1):
        title = entry["title"]
        draft = matched[index - 1]
        note = notes.get(title.lower(), "") or (draft or {}).get("notes", "")
        query = " ".join([title, entry.get("scope", ""), note, *(draft or {}).get("phrases", ())])
        code = wants_code(services.brief.body, note)
        if draft is not None:
            found, ops = list(draft["passages"]), [op["id"] for op in draft["operations"]]
        else:
            found = find_passages(
                retriever, title, query, taken=taken, exclusions=exclusions, code=code
            )
            ops = []
        taken |= {c["id"] for c, _ in found}
        status, missing = section_coverage(retriever, title, found, bool(ops), draft)
        scope = entry.get("scope") or _first_sentence(note) or _default_scope(title, found)
        api_ids = [f"api:{op_id}" for op_id in ops] if not found else []
        section = SectionPlan(
            index=index,
            title=title,
            scope=scope,
            notes=note,
            required=bool(entry.get("required")),
            key_terms=_key_terms(query),
            sources=[chunk["id"] for chunk, _ in found] + api_ids,
            operations=ops,
            planned_operations=draft is not None,
            coverage=status,
            missing=missing,
            wants_code=code,
            phrases=list((draft or {}).get("phrases", ())),
            detail=list((draft or {}).get("detail", ())),
        )
        if (draft or {}).get("portions"):  # a passage shared with another section, in part
            section["portions"] = dict(draft["portions"])  # type: ignore[index]
        sections.append(section)
    if not drafts:
        _assign_operations(sections, services, kb, api)
    return sections


def match_drafts(
    titles: Sequence[str], drafts: Sequence[Mapping], by_place: bool = True
) -> list[Mapping | None]:
    """The planned section behind each title: same title, else the most alike unused one,
    else the one in the same place when the plan kept its length (a model that reworded)."""
    from ucop.content.plan import similar

    unused = list(range(len(drafts)))
    found: list[Mapping | None] = []
    for title in titles:
        same = [i for i in unused if drafts[i]["title"].lower() == title.lower()]
        alike = same or [i for i in unused if similar(title, drafts[i]["title"])]
        found.append(drafts[alike[0]] if alike else None)
        if alike:
            unused.remove(alike[0])
    if by_place and len(titles) == len(drafts):
        spare = iter(i for i in range(len(drafts)) if i in unused)
        found = [d if d is not None else drafts[next(spare)] for d in found]
    return found


def _assign_operations(
    sections: list[SectionPlan], services: RunServices, kb: Mapping, api: Mapping
) -> None:
    """Give each API operation to the one section it fits best, at most two per section.

    Matching uses the section's title and key terms (not the author's notes, whose general
    words match everything), and only operations close to the section's best match count.
    """
    best: dict[str, tuple[float, int]] = {}
    for section in sections:
        query = " ".join([section["title"], *section["key_terms"]])
        found = search(services, kb, api, query, k=8, kinds={"api"})
        top = found[0][1] if found else 0.0
        for chunk, score in found:
            op_id = chunk["id"].removeprefix("api:")
            if score >= OP_RELEVANCE * top and score > best.get(op_id, (0.0, 0))[0]:
                best[op_id] = (score, section["index"])
    ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
    for op_id, (_, index) in ranked:
        owned = sections[index - 1]["operations"]
        if len(owned) < MAX_OPS_PER_SECTION:
            owned.append(op_id)


def _key_terms(query: str) -> list[str]:
    from ucop.sources import tokenize

    terms: list[str] = []
    for term in tokenize(query):
        if term not in terms and len(term) > 2:
            terms.append(term)
    return terms[:8]


def _first_sentence(text: str) -> str:
    match = re.match(r"\s*(.+?[.!?])(\s|$)", text.replace("\n", " "))
    return match.group(1).strip() if match else text.strip()[:200]


def _default_scope(title: str, passages: Sequence[tuple[Mapping, float]]) -> str:
    if passages:
        return _first_sentence(passages[0][0]["text"])
    return f"What the reader needs to know about {title.lower()}."


def _operations(api: Mapping) -> list[Mapping]:
    spec = api.get("spec") if api else None
    return list(spec["operations"]) if spec else []


def _op_summary(op: Mapping) -> dict[str, Any]:
    return {
        "id": op["id"],
        "method": op["method"],
        "path": op["path"],
        "summary": op["summary"] or "",
    }
