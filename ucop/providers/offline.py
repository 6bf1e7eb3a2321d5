"""The offline writer: the embedded default provider. No key, no network, deterministic.

It answers the same requests an HTTP model gets, but reads their structured `context` rather
than the prose prompt: it writes each part extractively from the retrieved source passages
(the sentences that best match the part's key terms, cited as [n]) with light templating,
and plans the outline from the knowledge-base headings that best match the brief. The result
is a grounded first draft, not polished prose, and every run says that it came from here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence, Set
from typing import Any

from ucop.article.excerpts import carry_over, is_code, split_blocks
from ucop.article.frontmatter import lower_lead
from ucop.providers.base import Completion, CompletionRequest, ProviderSettings, ProviderSpec

GENERIC = {"overview", "introduction", "summary", "next steps", "see also", "related", "conclusion"}
SECTION_WORDS = 280  # prose carried over per section, in whole blocks
PASSAGE_WORDS = 170  # from any one passage
CODE_BLOCKS = 2  # code blocks a section that asks for code may carry
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\[(*\"])")


class OfflineProvider:
    """Writes from the sources in the request's context."""

    name = "offline"

    def __init__(self, settings: ProviderSettings | None = None) -> None:
        self.model = (settings.model if settings else None) or "extractive-v1"

    def complete(self, request: CompletionRequest) -> Completion:
        writer = WRITERS.get(request.task)
        if writer is None:
            text = "The offline writer has no template for this request."
        else:
            text = writer(request.context)
        words_in = sum(len(m.content.split()) for m in request.messages)
        return Completion(
            text, input_tokens=words_in, output_tokens=len(text.split()), model=self.model
        )

    def close(self) -> None:
        pass


def create(settings: ProviderSettings) -> OfflineProvider:
    return OfflineProvider(settings)


SPEC = ProviderSpec(
    name="offline",
    create=create,
    default_model="extractive-v1",
    description="an extractive draft from your own sources; no key, no network",
    network=False,
)


# -- outline ---------------------------------------------------------------------------------


def write_outline(ctx: Mapping[str, Any]) -> str:
    if ctx.get("topics"):  # the plan from the brief's own topics, already in reading order
        return json.dumps([dict(t) for t in ctx["topics"]], indent=1)
    required = [r["title"] for r in ctx.get("required", ())]
    avoid = [*required, *ctx.get("covered", ())]
    plan = [{"title": t, "scope": ""} for t in required]
    for candidate in ctx.get("candidates", ()):
        if len(plan) >= ctx["count"]:
            break
        title = candidate["title"]
        if title.lower() in GENERIC or any(_similar(title, other) for other in avoid):
            continue
        avoid.append(title)
        plan.append({"title": title, "scope": first_sentences(candidate["text"], 1)})
    if not plan:  # nothing in the sources matches: one section on the subject, noted as uncovered
        plan.append({"title": ctx["title"], "scope": ""})
    return json.dumps(plan, indent=1)


def _similar(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.5


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


# -- prose -----------------------------------------------------------------------------------


def write_introduction(ctx: Mapping[str, Any]) -> str:
    """Subject and audience, what the reader will do, one grounded paragraph, gaps named."""
    sections = ctx.get("sections", ())
    audience = lower_lead(ctx["audience"].rstrip("."))
    if _imperative(ctx["title"]):
        lead = f"This article shows {audience} {_subject(ctx['title'])}."
    else:
        lead = f"This article is about {_subject(ctx['title'])}, for {audience}."
    paragraphs = [lead]
    if sections:
        steps = _join([f"*{s['title']}*" for s in sections])
        paragraphs.append(f"You will work through {_count(len(sections))}: {steps}.")
    for passage in ctx.get("passages", ())[:1]:
        lead = carry_over(passage, words=90, code=0, prose_blocks=1)
        if lead:
            paragraphs.append(lead)
    gaps = [s["title"] for s in sections if s.get("coverage") == "none"]
    if gaps:
        marked = "that section is" if len(gaps) == 1 else "those sections are"
        paragraphs.append(
            f"The sources do not cover {_join([f'*{g}*' for g in gaps])}; "
            f"{marked} marked for you to fill in."
        )
    unplanned = ctx.get("unplanned", ())
    if unplanned:
        asked = _join([f"*{lower_lead(t)}*" for t in unplanned])
        paragraphs.append(f"The brief also asks about {asked}, which no source covers.")
    related = ctx.get("related", ())
    if related:
        paragraphs.append(f"For background, see {post_link(related[0])}.")
    return "\n\n".join(paragraphs)


VERBS = frozenset(
    """
    accept add automate build cache call cancel check close configure connect create debug
    deploy design find get handle implement integrate learn make manage migrate monitor
    paginate place protect publish read receive route run scale secure send serve set start
    store stream sync test track update upload use validate verify write
    """.split()  # noqa: SIM905
)


def _imperative(title: str) -> bool:
    """Whether the title is an instruction ('Build a ...'), not a noun phrase ('A tour of')."""
    return bool(title.split()) and title.split()[0].lower() in VERBS


def _subject(title: str) -> str:
    """'Build a WebSocket endpoint' -> 'how to build a WebSocket endpoint'."""
    if _imperative(title):
        return f"how to {title[0].lower()}{title[1:]}"
    return f"*{title}*"


def _count(n: int) -> str:
    words = ["no steps", "one step", "two steps", "three steps", "four steps", "five steps"]
    return words[n] if n < len(words) else f"{n} steps"


def write_section(ctx: Mapping[str, Any]) -> str:
    """Whole blocks carried over from one passage at a time, with their code, cited."""
    section = ctx["section"]
    if section.get("coverage") == "none":
        parts = [coverage_note(section)]
    else:
        code = CODE_BLOCKS if section.get("wants_code") else 1
        # A long tour gets shorter sections: enough to show each topic and its example.
        budget = SECTION_WORDS if len(ctx.get("others", ())) < 6 else SECTION_WORDS // 2
        parts = []
        passages = ctx.get("passages", ())
        steps = _steps(section, passages)
        names = [str(p.get("heading", "")).lower() for p in passages]
        twins = {n for n in names if names.count(n) > 1}
        for passage in passages:
            if budget <= 0:
                break
            excerpt = carry_over(
                passage,
                step=steps.get(passage["id"], ""),
                words=min(budget, PASSAGE_WORDS),
                code=code,
                need_code=bool(section.get("wants_code")) and code == CODE_BLOCKS,
            )

            if excerpt:
                parts.append(_under_heading(excerpt, passage, section, len(passages), twins))
                blocks = split_blocks(excerpt)
                code -= sum(1 for b in blocks if is_code(b))
                budget -= sum(len(b.split()) for b in blocks if not is_code(b))
        if section.get("coverage") == "partial":
            parts.append(coverage_note(section))
    ops = ctx.get("operations", ())
    if ops:
        calls = _join(
            [f"`{op['method']} {op['path']}` ({op['summary'].rstrip('.').lower()})" for op in ops]
        )
        parts.append(f"The API calls involved are {calls}; the examples below show each one.")
    # Related posts are linked once, from the introduction and the conclusion: the same
    # link under every section is noise.
    return "\n\n".join(p for p in parts if p)


def _under_heading(
    excerpt: str,
    passage: Mapping[str, Any],
    section: Mapping[str, Any],
    count: int,
    twins: Set[str] = frozenset(),
) -> str:
    """With several passages, each under the docs' own heading (`### PlainTextResponse`):
    "Takes some text or bytes" means little without the name it describes."""
    heading = str(passage.get("heading") or "").strip()
    plain = re.sub(r"\W", "", heading.lower())
    if count < 2 or passage.get("kind") != "kb" or passage.get("level", 2) < 2 or not plain:
        return excerpt
    if plain in re.sub(r"\W", "", str(section.get("title", "")).lower()):
        return excerpt
    if heading.lower() in twins:  # "Closing the connection" in two pages: say which
        heading = f"{heading} ({str(passage.get('title', '')).split(' > ')[0]})"
    return f"### {heading}\n\n{excerpt}"


def _steps(section: Mapping[str, Any], passages: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """For API sections, the brief's own words for each call ("Checking the order")."""
    calls = [p["id"] for p in passages if p.get("kind") == "api"]
    phrases = list(section.get("phrases") or ())
    if len(calls) != len(phrases):
        return {}
    return {call: _upper_first(phrase) for call, phrase in zip(calls, phrases, strict=True)}


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def coverage_note(section: Mapping[str, Any]) -> str:
    """The visible note that stands where the sources have nothing (or too little) to say."""
    missing = section.get("missing") or ()
    about = f" (nothing on {_join([f'{m}' for m in missing])})" if missing else ""
    if section.get("coverage") == "none":
        return (
            f"> **Not covered by the sources:** none of the sources explains this topic{about}. "
            "Write this section from other material, or remove it."
        )
    return (
        f"> **Partly covered:** the sources touch on this topic only briefly{about}; "
        "check what is missing before publishing."
    )


def write_conclusion(ctx: Mapping[str, Any]) -> str:
    """What the reader can now do, the key names per section, and what is still to write."""
    sections = ctx.get("sections", ())
    done = [s for s in sections if s.get("coverage") != "none"]
    title = ctx["title"]
    what = _subject(title) if _imperative(title) else f"the whole of {_subject(title)}"
    lines = [f"You have now seen {what}, one step at a time."]
    if done:
        lines += ["", "What to take away:", ""]
        for s in done:
            names = s.get("highlights") or ()
            detail = f" — {', '.join(names)}" if names else ""
            lines.append(f"- **{s['title']}**{detail}")
    gaps = [s["title"] for s in sections if s.get("coverage") == "none"]
    if gaps:
        lines += ["", f"Still to write: {_join([f'*{g}*' for g in gaps])} (not in the sources)."]
    related = ctx.get("related", ())
    if related:
        lines += ["", "Next steps:", ""]
        lines += [f"- Read {post_link(p)}." for p in related]
    return "\n".join(lines)


def write_code_explanations(ctx: Mapping[str, Any]) -> str:
    explained = {}
    for op in ctx.get("operations", ()):
        summary = (op.get("summary") or f"calls {op['path']}").rstrip(".")
        detail = first_sentences(op.get("description") or "", 1)
        text = f"`{op['method']} {op['path']}`: {summary[0].lower() + summary[1:]}."
        explained[op["id"]] = f"{text} {detail}".strip()
    return json.dumps(explained, indent=1)


def split_sentences(text: str) -> list[str]:
    """Prose sentences of a passage; headings, list markers, tables and short scraps dropped."""
    sentences = []
    for block in re.split(r"\n\s*\n", text):
        lines = [
            ln for ln in block.splitlines() if ln.strip() and not ln.lstrip().startswith(("#", "|"))
        ]
        prose = " ".join(re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", ln).strip() for ln in lines)
        for sentence in SENTENCE_END.split(prose):
            sentence = sentence.strip()
            if len(sentence.split()) >= 5 and sentence[-1:] in ".!?)`":
                sentences.append(sentence + ("" if sentence[-1] in ".!?" else "."))
    return sentences


def first_sentences(text: str, count: int) -> str:
    return " ".join(split_sentences(text)[:count])


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


WRITERS = {
    "outline": write_outline,
    "introduction": write_introduction,
    "section": write_section,
    "conclusion": write_conclusion,
    "code_explanation": write_code_explanations,
}


def post_link(post: Mapping[str, Any]) -> str:
    """`[title](url)`, or the title in italics when the blog's URL is not known."""
    return f"[{post['title']}]({post['url']})" if post.get("url") else f"*{post['title']}*"
