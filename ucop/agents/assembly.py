"""Assembly: put the parts together into one Markdown article with front matter and sources.

It tolerates missing parts (their agents failed): the article is then marked
`status: partial` with `failed_parts`, and a visible note stands where a section is missing.
Writing the file is left to the caller, which does it atomically after the run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from ucop.agents.base import Agent, RunServices, register
from ucop.agents.retrieval import chunks_by_id
from ucop.article.citations import Citations
from ucop.article.frontmatter import article_filename, front_matter, render_front_matter
from ucop.content.sentences import lower_lead
from ucop.engine.context import TaskContext
from ucop.engine.state import thaw
from ucop.sources.text import close_fences, one_line

MISSING = "> **Draft note:** this section could not be written in this run; see `run.json`."


@register
class Assembly(Agent):
    name = "assembly"
    reads = (
        "outline_planner",
        "introduction_writer",
        "section_writer",
        "conclusion_writer",
        "code_generation",
        "code_validation",
        "kb_ingestion",
        "api_ingestion",
        "blog_ingestion",
    )
    description = "the article: front matter, sections, code, sources"
    cacheable = False  # cheap, and it reads the output folder, site and date: always re-run

    def run(self, ctx: TaskContext, services: RunServices) -> dict[str, Any]:
        get = ctx.inputs.get
        kb, api = get("kb_ingestion") or {}, get("api_ingestion") or {}
        cites = Citations(chunks_by_id(services, kb, api))
        failed: list[str] = []
        examples = _examples(get("code_generation"), get("code_validation"), failed)
        parts = [_intro(get("introduction_writer"), cites, failed)]
        written = get("section_writer") or ()
        for position, section in enumerate(ctx.inputs["outline_planner"]["sections"]):
            text = written[position] if position < len(written) else None
            parts.append(_section(section, text, examples.get(section["index"], []), cites, failed))
        parts.append(_conclusion(get("conclusion_writer"), cites, failed))
        if cites.order:
            parts.append("## Sources\n\n" + cites.render())
        body = "\n\n".join(close_fences(p) for p in parts if p).strip() + "\n"
        failed += _bad_code(body, api.get("spec"))
        outline = ctx.inputs["outline_planner"]
        return self._article(services, body, cites, failed, outline, api)

    def _article(
        self,
        services: RunServices,
        body: str,
        cites: Citations,
        failed: list[str],
        outline: Mapping,
        api: Mapping,
    ) -> dict[str, Any]:
        brief = services.brief
        day = services.today or dt.date.today()
        if brief.date:
            day = dt.date.fromisoformat(str(brief.date)[:10])
        used = _sources_used(cites, api, bool(examples_used(body)))
        data = front_matter(
            title=brief.title,
            description=brief.description or _description(brief),
            day=day,
            tags=brief.tags,
            slug=brief.slug,
            sources=used,
            site=services.site,
            failed_parts=failed,
        )
        return {
            "warnings": thaw(list(outline.get("warnings", ()))),
            "filename": article_filename(brief.slug, day, services.site),
            "text": render_front_matter(data) + "\n" + body,
            "status": "partial" if failed else "ok",
            "failed_parts": failed,
            "cited_sources": cites.source_files(),
            "words": len(body.split()),
        }


def _examples(generated: Mapping | None, validated: Mapping | None, failed: list[str]) -> dict:
    if generated is None:
        failed.append("code_generation")
        return {}
    examples = generated.get("examples", ())
    if validated is None and examples:
        failed.append("code_validation (code examples left out)")
        return {}
    by_section: dict[int, list[Mapping]] = {}
    for example in examples:
        by_section.setdefault(example["section"], []).append(example)
    return by_section


def _intro(intro: Mapping | None, cites: Citations, failed: list[str]) -> str:
    if intro is None:
        failed.append("introduction_writer")
        return ""
    return cites.renumber(intro["markdown"], intro["citations"])


def _section(
    section: Mapping,
    written: Mapping | None,
    examples: Sequence[Mapping],
    cites: Citations,
    failed: list[str],
) -> str:
    if written is None:
        failed.append(f"section_writer[{section['index']}] ({section['title']})")
        body = MISSING
    else:
        body = close_fences(cites.renumber(written["markdown"], written["citations"]))
    blocks = [f"## {one_line(section['title'])}", body, *(_example(e) for e in examples)]
    return "\n\n".join(blocks)


def _example(example: Mapping) -> str:
    return (
        f"### {one_line(example['summary']).rstrip('.')}\n\n{one_line(example['explanation'])}\n\n"
        f"```python\n{example['python'].rstrip()}\n```\n\n"
        f"The same request with curl:\n\n```bash\n{example['curl'].rstrip()}\n```"
    )


def _conclusion(conclusion: Mapping | None, cites: Citations, failed: list[str]) -> str:
    if conclusion is None:
        failed.append("conclusion_writer")
        return ""
    return "## Wrapping up\n\n" + cites.renumber(conclusion["markdown"], conclusion["citations"])


def _bad_code(body: str, spec: Mapping | None) -> list[str]:
    """Every fenced block of the finished article is checked once more, writers' ones too."""
    from ucop.codegen.validate import validate_markdown

    plain = thaw(spec) if spec is not None else None
    return [
        f"code block at line {f['line']} ({f['lang']} {f['check']}: {f['message']})"
        for f in validate_markdown(body, plain)
        if not f["ok"]
    ]


def _sources_used(cites: Citations, api: Mapping, has_examples: bool) -> list[str]:
    """The files the article cites, plus the spec its code examples were generated from."""
    used = cites.source_files()
    spec = api.get("spec")
    if spec and has_examples and spec["source"] not in used:
        used.append(spec["source"])
    return used


def examples_used(body: str) -> bool:
    return "```python" in body or "```bash" in body


def _description(brief: Any) -> str:
    return f"{brief.title}: a guide for {lower_lead(brief.audience.rstrip('.'))}."
