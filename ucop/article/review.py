"""An editor's review of a draft, for `ucop verify DIR`: what a reader would trip over.

Each check is one named finding `(name, ok, detail)`:

    sections on topic          each section is something the brief asks for, and its text is
                               about its title
    links publishable          no relative, file or machine-local links or source paths
    no markup leftovers        no other format's syntax in the prose (`ucop.article.debris`):
                               MkDocs, HTML, Sphinx roles and directives, rst underlines,
                               notebook JSON
    code where asked           sections whose brief asks for code have a code block
    not-covered notes are true no "Not covered by the sources" note on a section whose title
                               one passage of the sources explains (every title word in it)
    sources cover the brief    no coverage warnings in run.json (a section or topic the
                               sources do not cover, too few sections, spec parts refused)
    model answers used whole   no answer the article kept stopped at the token limit; says
                               how many parts are the offline writer's draft
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

Result = tuple[str, bool, str]

ON_TOPIC = 0.5  # share of a section title's words its text must use
NOT_SECTIONS = {"wrapping up", "sources", "conclusion", "next steps"}
NOTE = re.compile(r"^> \*\*(?:Not covered by the sources|Partly covered|Draft note):\*\*", re.M)
_LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(\s*([^()\s]+)[^)]*\)")
# A site-relative link ("/blog/post/") publishes; a path into someone's machine does not.
_MACHINE = re.compile(
    r"^(?:~|[A-Za-z]:[\\/]|file:)|(?:^|/)(?:home|Users|work|tmp|var|etc|root|mnt|opt|private)/"
)
UNCOVERED = re.compile(r"^> \*\*Not covered by the sources:\*\*", re.M)


def review_article(body: str, front: Mapping[str, Any], folder: Path) -> list[Result]:
    sections = split_sections(body)
    brief = _brief(folder)
    return [
        _on_topic(sections, brief),
        _links(body, front),
        _leftovers(body),
        _code(sections, brief),
        _notes_true(sections, brief),
        _coverage(folder),
        _answers(folder),
    ]


def split_sections(body: str) -> list[tuple[str, str]]:
    """(title, text) for each `## ` section of the article body, code fences kept."""
    sections: list[tuple[str, list[str]]] = []
    for line, outside in zip(body.splitlines(), _without_code_lines(body), strict=True):
        if outside is not None and line.startswith("## "):
            sections.append((line[3:].strip(), []))
        elif sections:
            sections[-1][1].append(line)
    return [(title, "\n".join(lines)) for title, lines in sections]


def _without_code(text: str) -> str:
    return "\n".join(line for line in _without_code_lines(text) if line is not None)


def _on_topic(sections: list[tuple[str, str]], brief: Any) -> Result:
    from ucop.content.planning import topic_terms
    from ucop.sources import tokenize

    asked = _brief_terms(brief)
    off = []
    for title, text in sections:
        if title.lower() in NOT_SECTIONS:
            continue
        if asked and not set(topic_terms(title)) & asked:
            off.append(f'"{title}" (nothing in the brief asks for it)')
            continue
        if NOTE.search(text):
            continue
        terms = topic_terms(title)
        used = set(tokenize(text))
        share = len([t for t in terms if t in used]) / max(len(terms), 1)
        if terms and share < ON_TOPIC:
            off.append(f'"{title}" ({share:.0%} of its title words in its text)')
    if off:
        return ("sections on topic", False, "off-topic: " + "; ".join(off))
    return ("sections on topic", True, f"{len(sections)} sections checked")


def _brief_terms(brief: Any) -> set[str]:
    """Every word of the brief: title, tags, body, required sections and their notes."""
    if brief is None:
        return set()
    from ucop.content.planning import topic_terms
    from ucop.sources import tokenize

    notes = [f"{r.title} {r.notes}" for r in brief.required]
    text = " ".join([brief.title, *brief.tags, brief.body, *notes])
    return set(tokenize(text)) | set(topic_terms(text))


def _links(body: str, front: Mapping[str, Any]) -> Result:
    prose = _without_code(body)
    bad = []
    for target in _LINK.findall(prose):
        machine = _MACHINE.search(target) or (target.startswith("/") and Path(target).exists())
        if re.match(r"^(?:https?:|mailto:|#)", target):
            continue
        if target.startswith("/") and not machine:  # resolves only on some site: which?
            bad.append(f"site-absolute link {target} (give the source a url: in the brief)")
            continue
        kind = "machine-local" if machine else "dead relative"
        bad.append(f"{kind} link {target}")
    for source in front.get("sources") or ():
        if _MACHINE.search(str(source)):
            bad.append(f"machine path in front matter sources: {source}")
    if bad:
        return ("links publishable", False, f"{len(bad)} problem(s): " + "; ".join(bad[:5]))
    return ("links publishable", True, "no relative, file or machine-local links")


def _leftovers(body: str) -> Result:
    from ucop.article.debris import find_debris

    found = [
        f"line {n}: {kind} ({text})" for n, kind, text in find_debris(_without_code_lines(body))
    ]
    if found:
        return ("no markup leftovers", False, f"{len(found)} line(s): " + "; ".join(found[:5]))
    return ("no markup leftovers", True, "no admonitions, directives, roles, HTML or JSON")


def _without_code_lines(body: str) -> list[str | None]:
    """The body's lines, None for lines inside fenced code (numbering kept)."""
    from ucop.content.excerpts import fence_roles

    lines = body.splitlines()
    return [None if role else line for line, role in zip(lines, fence_roles(lines), strict=True)]


def _code(sections: list[tuple[str, str]], brief: Any) -> Result:
    if brief is None:
        return ("code where asked", True, "brief not found; skipped")
    from ucop.content.reading import wants_code

    notes = {r.title.lower(): r.notes for r in brief.required}
    everywhere = wants_code(brief.body)
    missing = []
    for title, text in sections:
        if title.lower() in NOT_SECTIONS or NOTE.search(text):
            continue
        asked = everywhere or wants_code(notes.get(title.lower(), ""))
        if asked and not re.search(r"^(```|~~~)", text, re.M):
            missing.append(f'"{title}"')
    if missing:
        return ("code where asked", False, "the brief asks for code; none in " + ", ".join(missing))
    return ("code where asked", True, "every section that needs code has it")


def _notes_true(sections: list[tuple[str, str]], brief: Any) -> Result:
    """A "Not covered by the sources" note is false when one passage uses every word of the
    section's title (`_all_used`): the sources explain it, and the reader is told they do not."""
    name = "not-covered notes are true"
    noted = [title for title, text in sections if UNCOVERED.search(text)]
    if not noted or brief is None:
        return (name, True, f"{len(noted)} not-covered note(s)")
    from ucop.content.planning import topic_terms

    passages = _passage_terms(brief)
    wrong = []
    for title in noted:
        terms = set(topic_terms(title))
        home = next((where for where, words in passages if _all_used(terms, words)), None)
        if home:
            wrong.append(f'"{title}" (covered by {home})')
    if wrong:
        return (name, False, "the sources cover: " + "; ".join(wrong[:5]))
    return (name, True, f"{len(noted)} not-covered note(s), none found in the sources")


def _all_used(terms: set[str], words: set[str]) -> bool:
    """Every term is one of `words`, or shares a stem of 5+ letters with one ("authenticat"
    and "authentication"): the check must not trust the stemmer that made the note."""
    if not terms:
        return False
    missing = terms - words
    return all(
        any(w.startswith(t) or t.startswith(w) for w in words if min(len(w), len(t)) >= 5)
        for t in missing
    )


def _passage_terms(brief: Any) -> list[tuple[str, set[str]]]:
    """(where, its words) for each passage of the brief's knowledge base and API spec."""
    from ucop.errors import UcopError
    from ucop.sources import api_chunks, load_kb, load_openapi, tokenize

    chunks: list[dict[str, Any]] = []
    kb, api = brief.sources.get("kb"), brief.sources.get("api")
    roots = [path for path in brief.sources.values() if path is not None]
    try:
        chunks += load_kb(kb, brief.base) if kb is not None else []
        chunks += api_chunks(load_openapi(api, brief.base, ref_roots=roots)) if api else []
    except (UcopError, OSError):
        return []
    found = []
    for chunk in chunks:
        code = " ".join(block.get("code", "") for block in chunk.get("code_blocks") or ())
        text = f"{chunk.get('title', '')} {chunk.get('heading', '')} {chunk['text']} {code}"
        where = f"{chunk.get('source', '?')} > {chunk.get('heading', '')}"
        found.append((where, set(tokenize(text))))
    return found


COVERAGE_KINDS = frozenset(
    {
        "uncovered_section",
        "partly_covered_section",
        "uncovered_topic",
        "sections_short",
        "spec_refused",
    }
)


def _coverage(folder: Path) -> Result:
    warnings = [w for w in _warnings(folder) if w.get("kind") in COVERAGE_KINDS]
    if warnings:
        detail = "; ".join(str(w.get("message", w)) for w in warnings)
        return ("sources cover the brief", False, f"{len(warnings)} warning(s): {detail}")
    return ("sources cover the brief", True, "no coverage warnings")


def _answers(folder: Path) -> Result:
    """A kept answer that hit the token limit may end mid-sentence; a replaced one is gone."""
    warnings = _warnings(folder)
    replaced = {w.get("agent") for w in warnings if w.get("kind") == "model_answer_replaced"}
    cut = sorted({str(w.get("agent")) for w in warnings if w.get("kind") == "truncated"} - replaced)
    if cut:
        return (
            "model answers used whole",
            False,
            f"kept answers stopped at the token limit: {', '.join(cut)} (raise "
            "provider.max_tokens and run again)",
        )
    counts = _report(folder).get("model_answers") or {}
    if counts.get("replaced"):
        total = counts["replaced"] + counts.get("kept", 0)
        return (
            "model answers used whole",
            True,
            f"{counts['replaced']} of {total} parts are the offline writer's draft (the "
            "model's answers were rejected; run.json has why)",
        )
    return ("model answers used whole", True, "no answer stopped at the token limit")


def _warnings(folder: Path) -> list[dict[str, Any]]:
    return [w for w in _report(folder).get("warnings") or [] if isinstance(w, dict)]


def _report(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / "run.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _brief(folder: Path) -> Any:
    from ucop.brief import load_brief
    from ucop.errors import UcopError

    path = _report(folder).get("brief")
    if not path:
        return None
    try:
        return load_brief(Path(path))
    except (UcopError, OSError):
        return None
