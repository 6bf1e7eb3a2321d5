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
    # The parts by role; a workflow may bind any of them to a step of another name, and a
    # part that failed is named in `failed_parts` by the step bound to it.
    reads = {
        "outline": "outline_planner",
        "intro": "introduction_writer",
        "sections": "section_writer",
        "conclusion": "conclusion_writer",
        "code": "code_generation",
        "checks": "code_validation",
        "kb": "kb_ingestion",
        "api": "api_ingestion",
        "blog": "blog_ingestion",
    }
    description = "the article: front matter, sections, code, sources"
    cacheable = False  # cheap, and it reads the output folder, site and date: always re-run

    def run(self, ctx: TaskContext, services: RunServices) -> dict[str, Any]:
        get, step = ctx.inputs.get, self.steps
        kb, api, outline = get("kb") or {}, get("api") or {}, ctx.inputs["outline"]
        cites = Citations(chunks_by_id(services, kb, api))
        failed: list[str] = []  # the missing parts, each named by the step bound to its role
        examples = _examples(get("code"), get("checks"), failed, step["code"], step["checks"])
        parts = [_intro(get("intro"), cites, failed, step["intro"])]
        written = get("sections") or ()
        for position, section in enumerate(outline["sections"]):
            text = written[position] if position < len(written) else None
            found = examples.get(section["index"], [])
            parts.append(_section(section, text, found, cites, failed, step["sections"]))
        parts.append(_conclusion(get("conclusion"), cites, failed, step["conclusion"]))
        if cites.order:
            parts.append("## Sources\n\n" + cites.render())
        body = "\n\n".join(close_fences(p) for p in parts if p).strip() + "\n"
        failed += _bad_code(body, api.get("spec"))
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


def _examples(
    generated: Mapping | None,
    validated: Mapping | None,
    failed: list[str],
    generator: str,
    validator: str,
) -> dict:
    if generated is None:
        failed.append(generator)
        return {}
    examples = generated.get("examples", ())
    if validated is None and examples:
        failed.append(f"{validator} (code examples left out)")
        return {}
    by_section: dict[int, list[Mapping]] = {}
    for example in examples:
        by_section.setdefault(example["section"], []).append(example)
    return by_section


def _intro(intro: Mapping | None, cites: Citations, failed: list[str], step: str) -> str:
    if intro is None:
        failed.append(step)
        return ""
    return cites.renumber(intro["markdown"], intro["citations"])


def _section(
    section: Mapping,
    written: Mapping | None,
    examples: Sequence[Mapping],
    cites: Citations,
    failed: list[str],
    step: str,
) -> str:
    if written is None:
        failed.append(f"{step}[{section['index']}] ({section['title']})")
        body = MISSING
    else:
        body = close_fences(cites.renumber(written["markdown"], written["citations"], again=False))
    blocks = [f"## {one_line(section['title'])}", body, *(_example(e) for e in examples)]
    return "\n\n".join(blocks)


def _example(example: Mapping) -> str:
    return (
        f"### {one_line(example['summary']).rstrip('.')}\n\n{one_line(example['explanation'])}\n\n"
        f"```python\n{example['python'].rstrip()}\n```\n\n"
        f"The same request with curl:\n\n```bash\n{example['curl'].rstrip()}\n```"
    )


def _conclusion(conclusion: Mapping | None, cites: Citations, failed: list[str], step: str) -> str:
    if conclusion is None:
        failed.append(step)
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
