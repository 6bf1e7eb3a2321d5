"""Each part's own draft, written from the sources without a model: extractive and cited.

An agent drafts its part from the variables its prompt gets (`write_part(task, variables)`)
and attaches the draft to its request: the offline writer answers with it, and a model whose
answer stays unusable falls back to it. Sections carry whole passages from the docs (prose
blocks with their code, cited as [n]); the outline is the plan from the brief and the sources.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence, Set
from typing import Any

from ucop.content.carry import carry_over
from ucop.content.excerpts import is_code, says_same, split_blocks
from ucop.content.sentences import lower_lead

GENERIC = {"overview", "introduction", "summary", "next steps", "see also", "related", "conclusion"}
SECTION_WORDS = 280  # prose carried over per section, in whole blocks
PASSAGE_WORDS = 170  # from any one passage
CODE_BLOCKS = 4  # code blocks a section that asks for code may carry (a passage's, whole)
PLAIN_CODE = 2  # ... and one that does not ask
LEAD_CODE = 2  # code blocks the passage of each aspect of a topic may show, past CODE_BLOCKS
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\[(*\"])")


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
        if _opens(lead):
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


OPENING_WORDS = 12  # a docs line shorter than this is a slogan or a label, not an opening


def _opens(lead: str) -> bool:
    """Whether a passage's first paragraph reads as an opening: not a signature line
    ("Signature: `Response(content, ...)`") nor a slogan ("Requests is ready for today's
    web.")."""
    text = re.sub(r"\s*\[\d+\]", "", lead).strip()
    if not text or re.match(r"^(?:signature|usage|syntax|example)s?\s*:", text, re.I):
        return False
    return len(text.split()) >= OPENING_WORDS


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


NUMBERS = "no one two three four five six seven eight nine".split()  # noqa: SIM905


def _count(n: int) -> str:
    """'five steps', '6 steps' would read as two styles in one article: words up to nine."""
    if n == 1:
        return "one step"
    return f"{NUMBERS[n]} steps" if n < len(NUMBERS) else f"{n} steps"


def write_section(ctx: Mapping[str, Any]) -> str:
    """Whole passages carried over one at a time, with their code, cited."""
    section = ctx["section"]
    ops = ctx.get("operations", ())
    if section.get("coverage") == "none":
        parts = [coverage_note(section)]
    else:
        parts = _carried(section, ctx.get("passages", ()), len(ctx.get("others", ())))
        # an API call's example is generated from the spec and follows the section
        if (
            section.get("wants_code")
            and not ops
            and not any(is_code(b) for p in parts for b in split_blocks(p))
        ):
            parts.append(NO_CODE)
        if section.get("coverage") == "partial" or not parts:
            parts.append(coverage_note({**section, "coverage": "partial"}))
    if ops:
        calls = _join(
            [f"`{op['method']} {op['path']}` ({op['summary'].rstrip('.').lower()})" for op in ops]
        )
        parts.append(f"The API calls involved are {calls}; the examples below show each one.")
    # Related posts are linked once, from the introduction and the conclusion: the same
    # link under every section is noise.
    return "\n\n".join(p for p in parts if p)


NO_CODE = (
    "> **No example in the sources:** the docs explain this without code; add a short "
    "example before publishing."
)


def _carried(
    section: Mapping[str, Any], passages: Sequence[Mapping[str, Any]], others: int
) -> list[str]:
    """The section's passages in the plan's (reading) order, up to the word budget; the
    passage each aspect of the topic leads to is carried even past it, with an example of
    its own when the section asks for code ("Binary Response Content" after "Response
    Content" has taken the budget)."""
    from ucop.content.aspects import leads

    wants = bool(section.get("wants_code"))
    code = CODE_BLOCKS if wants else PLAIN_CODE
    # A long tour gets shorter sections: enough to show each topic and its example.
    budget = SECTION_WORDS if others < 6 else SECTION_WORDS // 2
    parts: list[str] = []
    steps = _steps(section, passages)
    # "Closing the connection" on two pages: each says which page it is from
    named = {(str(p.get("heading", "")).lower(), p.get("source")) for p in passages}
    names = [name for name, _ in named]
    twins = {n for n in names if names.count(n) > 1}
    shown: set[tuple[str, Any]] = set()  # a heading's next passage on its page continues it
    leading = leads(section, passages)
    bound: set[str] = set()  # names the section's snippets so far define: no note for those
    for passage in passages:
        lead = any(passage is p for p in leading)
        # with little room left, only a passage whose heading names the topic, or the
        # page's example a section asked for code still lacks
        example = wants and code == CODE_BLOCKS and bool(passage.get("code_blocks"))
        relevant = example or _heading_names(section, passage)
        low = parts and budget < PASSAGE_WORDS // 2 and not relevant
        if not lead and (budget <= 0 or low):
            continue
        blocks_left = max(code, LEAD_CODE) if lead and wants else code
        excerpt = carry_over(
            passage,
            step=steps.get(passage["id"], ""),
            words=PASSAGE_WORDS if lead else min(max(budget, PASSAGE_WORDS // 2), PASSAGE_WORDS),
            code=blocks_left,
            need_code=wants and (code == CODE_BLOCKS or lead),
            bound=bound,
        )
        if excerpt:
            place = (str(passage.get("heading", "")).lower(), passage.get("source"))
            if place in shown:
                parts.append(excerpt)
            else:
                parts.append(
                    _under_heading(excerpt, passage, section, len(passages), twins, not parts)
                )
            shown.add(place)
            blocks = split_blocks(excerpt)
            code -= sum(1 for b in blocks if is_code(b))
            budget -= sum(len(b.split()) for b in blocks if not is_code(b))
    return parts


def _heading_names(section: Mapping[str, Any], passage: Mapping[str, Any]) -> bool:
    """Whether the passage's heading says a word of the section's title or phrases."""
    from ucop.content.planning import topic_terms

    asked = " ".join([str(section.get("title", "")), *map(str, section.get("phrases") or ())])
    return bool(set(topic_terms(asked)) & set(topic_terms(str(passage.get("heading", "")))))


def _under_heading(
    excerpt: str,
    passage: Mapping[str, Any],
    section: Mapping[str, Any],
    count: int,
    twins: Set[str] = frozenset(),
    first: bool = True,
) -> str:
    """With several passages, each under the docs' own heading (`### PlainTextResponse`):
    "Takes some text or bytes" means little without the name it describes. One passage
    keeps its heading too when only the heading names the section's topic ("Authenticate"
    over a passage headed "Authentication" that never says the word)."""
    heading = str(passage.get("heading") or "").strip()
    plain = re.sub(r"\W", "", heading.lower())
    if passage.get("kind") != "kb" or passage.get("level", 2) < 2 or not plain:
        return excerpt
    if count < 2 and not _names_topic_only(heading, excerpt, str(section.get("title", ""))):
        return excerpt
    title = re.sub(r"\W", "", str(section.get("title", "")).lower())
    # "JSONResponse and RedirectResponse": the first needs no heading, the second does; nor
    # does "BackgroundTasks" under *Background tasks*, after "Background Task" had one
    if plain in title and first:
        return excerpt
    if heading.lower() in twins:  # "Closing the connection" in two pages: say which
        heading = f"{heading} ({str(passage.get('title', '')).split(' > ')[0]})"
    return f"### {heading}\n\n{excerpt}"


def _names_topic_only(heading: str, excerpt: str, title: str) -> bool:
    from ucop.content.planning import topic_terms
    from ucop.sources.words import tokenize

    terms = set(topic_terms(title))
    return not terms & set(tokenize(excerpt)) and bool(terms & set(tokenize(heading)))


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
    """What the reader can now do, each section's point in its own words, and what is still
    to write. A section's point is the sentence of its text that best states it, cited
    (`ucop.content.takeaways`); a section without one is not listed by its title alone."""
    sections = ctx.get("sections", ())
    points = [s["takeaway"] for s in sections if s.get("coverage") != "none" and s.get("takeaway")]
    title = ctx["title"]
    what = _subject(title) if _imperative(title) else f"the whole of {_subject(title)}"
    lines = [f"You have now seen {what}, one step at a time."]
    if points:
        lines += ["", "What to take away:", ""]
        lines += [f"- {point}" for point in points]
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
        summary = op.get("summary") or f"sends a {op['method']} request to {op['path']}"
        summary = summary.rstrip(".")
        detail = first_sentences(op.get("description") or "", 1)
        detail = "" if says_same(detail, summary) else detail  # "Add a new pet to the store."
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


def write_part(task: str, variables: Mapping[str, Any]) -> str:
    """The part `task` ("section", "outline", ...) drafted from its prompt's variables."""
    writer = WRITERS.get(task)
    return writer(variables) if writer is not None else ""


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
