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
from collections.abc import Mapping, Sequence
from typing import Any

from ucop.providers.base import Completion, CompletionRequest, ProviderSettings, ProviderSpec

GENERIC = {"overview", "introduction", "summary", "next steps", "see also", "related", "conclusion"}
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
    return json.dumps(plan, indent=1)


def _similar(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.5


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


# -- prose -----------------------------------------------------------------------------------


def write_introduction(ctx: Mapping[str, Any]) -> str:
    sections = [s["title"] for s in ctx.get("sections", ())]
    lead = f"This guide is for {_lower_first(ctx['audience'].rstrip('.'))}."
    if sections:
        lead += f" It walks through {_join([f'*{t}*' for t in sections])}."
    paragraphs = [lead, *grounded_paragraphs(ctx.get("passages", ()), _words(ctx["title"]), 2)]
    related = ctx.get("related", ())
    if related:
        paragraphs.append(
            f"If you are new to the topic, start with [{related[0]['title']}]({related[0]['url']})."
        )
    return "\n\n".join(paragraphs)


def write_section(ctx: Mapping[str, Any]) -> str:
    section = ctx["section"]
    terms = _words(" ".join([section["title"], section.get("scope", ""), section.get("notes", "")]))
    terms |= set(section.get("key_terms", ()))
    # The scope and the author's notes steer what is picked; they are instructions, not prose.
    paragraphs = grounded_paragraphs(ctx.get("passages", ()), terms, 3)
    ops = ctx.get("operations", ())
    if ops:
        calls = _join(
            [f"`{op['method']} {op['path']}` ({op['summary'].rstrip('.').lower()})" for op in ops]
        )
        paragraphs.append(f"The API calls involved are {calls}; the examples below show each one.")
    related = ctx.get("related", ())
    if related:
        paragraphs.append(f"For background, see [{related[0]['title']}]({related[0]['url']}).")
    return "\n\n".join(p for p in paragraphs if p)


def write_conclusion(ctx: Mapping[str, Any]) -> str:
    sections = ctx.get("sections", ())
    lines = [f'You have now seen the whole of "{ctx["title"]}":', ""]
    lines += [f"- **{s['title']}**: {s['summary']}" for s in sections]
    related = ctx.get("related", ())
    if related:
        lines += ["", "Next steps:", ""]
        lines += [f"- Read [{p['title']}]({p['url']})." for p in related]
    return "\n".join(lines)


def write_code_explanations(ctx: Mapping[str, Any]) -> str:
    explained = {}
    for op in ctx.get("operations", ()):
        summary = (op.get("summary") or f"calls {op['path']}").rstrip(".")
        detail = first_sentences(op.get("description") or "", 1)
        text = f"`{op['method']} {op['path']}`: {summary[0].lower() + summary[1:]}."
        explained[op["id"]] = f"{text} {detail}".strip()
    return json.dumps(explained, indent=1)


def grounded_paragraphs(
    passages: Sequence[Mapping[str, Any]], terms: set[str], limit: int
) -> list[str]:
    """Up to `limit` paragraphs, one per passage: its best-matching sentences, cited [n]."""
    used: set[str] = set()
    paragraphs = []
    for passage in passages:
        picked = best_sentences(passage["text"], terms, used)
        if picked:
            paragraphs.append(f"{' '.join(picked)} [{passage['n']}]")
        if len(paragraphs) == limit:
            break
    return paragraphs


def best_sentences(text: str, terms: set[str], used: set[str], count: int = 3) -> list[str]:
    """The `count` sentences sharing most words with `terms`, in their original order."""
    sentences = [s for s in split_sentences(text) if s.lower() not in used]
    scored = sorted(range(len(sentences)), key=lambda i: (-len(_words(sentences[i]) & terms), i))[
        :count
    ]
    picked = [sentences[i] for i in sorted(scored)]
    used.update(s.lower() for s in picked)
    return picked


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
            # A sentence ending in ':' introduced a code block or list that is not carried over.
            if len(sentence.split()) >= 5 and sentence[-1:] in ".!?)`":
                sentences.append(sentence + ("" if sentence[-1] in ".!?" else "."))
    return sentences


def first_sentences(text: str, count: int) -> str:
    return " ".join(split_sentences(text)[:count])


def _lower_first(text: str) -> str:
    """'Backend developers' -> 'backend developers', but 'API users' stays."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


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
