"""Rules on an answer's prose: a chat reply, an answer that presents itself, a loop, an echo
of the prompt, too few words of its own; and the reasoning stripped before any rule runs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from ucop.agents.acceptance.evidence import (
    ACCEPTED,
    ECHO_GRAM,
    FENCED,
    MASK,
    MIN_MASKED_CHARS,
    WORD,
    Evidence,
    Verdict,
)

ECHO_MIN_WORDS = 10  # answer words inside copied runs that make an answer an echo


ECHO_SHARE = 0.5  # ... or copied runs make up this share of a shorter answer (plan only)


LOOP_GRAM = 8  # words in a row that, said three times over, make a loop


LOOP_SHARE = 0.3  # ... when the repeats make up this share of the prose
_LIST_MARKER = re.compile(r"^\s*(?:[-*+>]|\d{1,3}[.)])\s+")


NON_ANSWER_WORDS = 25  # a chat reply this short that asks back is not the part asked for


_NON_ANSWER = re.compile(
    r"^\s*(?:i'?m ready|i am ready|sure[,!.]|certainly|of course|as an ai|i can help|"
    r"how can i help|please provide|what(?:'s| is) (?:your|the) (?:article|topic))",
    re.IGNORECASE,
)


# "Here is the conclusion of the article:", "Below is a short introduction": the answer talks
# about the part instead of being it (SmolLM2's conclusion of the bundled example)
_PART = (
    r"(?:introduction|intro|conclusion|section|article|outline|part|draft|paragraphs?|"
    r"response|answer|rewrite|revision)"
)


_ANNOUNCES = re.compile(
    r"^\W*(?:(?:sure|okay|ok|certainly|absolutely|great)\b\W*)?"
    r"(?:here(?:'s|’s| is| are)|below (?:is|are)|the following (?:is|are)|"
    r"i(?:'ve| have) (?:written|drafted|prepared)|as requested)\b"
    rf"[^.:!?\n]{{0,60}}?\b{_PART}\b",
    re.IGNORECASE,
)


# An ordinary word of prose: letters, maybe an apostrophe, maybe punctuation around it
_PROSE_WORD = re.compile(r"^[(\"'“]?[A-Za-z][a-z]*(?:'[a-z]+)?[)\"'”.,;:!?]*$")


_SPAN_OR_URL = re.compile(r"`[^`\n]*`|<?https?://\S+|\[\d{1,4}\]")


SURVEY_MIN = 4  # other sections' titles a section names before it is a survey of them ...
SURVEY_SHARE = 0.5  # ... when they are this share of the others at least
_LIST_MARK = re.compile(r"^\s*(?:[-*+>]|\d+[.)]|#+)?\s*[*_]*")
_HEADER = re.compile(r"^\[\d{1,4}\]\s+(.+)$")  # "[11] Advanced Usage > Timeouts (...)"
LABEL_STEM = 4  # letters of a word compared when a line may reword a label
RELABEL_MAX_WORDS = 12  # a line this short ...
RELABEL_SHARE = 0.7  # ... whose words are this share of one label's is that label listed
MIN_PROSE_WORDS = 15  # words of its own a body section needs (a passage label copied is none)


MIN_SHORT_PROSE_WORDS = 6  # ... and an introduction or a conclusion, which may be short


REASONING = re.compile(
    r"<(think|thinking|reasoning|reflection)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.IGNORECASE | re.DOTALL
)


_CLOSE_TAG = re.compile(r"</(?:think|thinking|reasoning|reflection)\s*>", re.IGNORECASE)


_CLOSE_ONLY = re.compile(r"^.*?</(?:think|thinking|reasoning)\s*>", re.IGNORECASE | re.DOTALL)


def strip_reasoning(text: str) -> str:
    """`text` without `<think>...</think>` (and similar) blocks, closed or cut off.

    Some servers drop the opening tag and send only `...</think>answer`: everything up to
    that closing tag is reasoning too.
    """
    text = REASONING.sub("", text)
    return _CLOSE_ONLY.sub("", text).strip()


def reasoning_left(text: str) -> str | None:
    """The start of a reasoning block (or a lone closing tag) in the prose of `text`, if any.

    Code is left out: an article may show the tag itself in a block or a `<think>` span.
    """
    from ucop.article.citations import outside_code

    found: list[str] = []

    def look(prose: str) -> str:
        match = REASONING.search(prose) or _CLOSE_TAG.search(prose)
        if match and not found:
            found.append(" ".join(match.group(0).split())[:80])
        return prose

    outside_code(text, look)
    return found[0] if found else None


def echo(answer: str, evidence: Evidence) -> Verdict:
    """Runs of the prompt's own words (its instructions, its plan's frame) in the answer.

    The material the prompt was filled with is masked in both texts first, so quoting a
    passage or naming the sections is not an echo, but "The article: ... Its sections, in
    order: 1. ..." is: a run counts when it holds at least `ECHO_TEMPLATE_WORDS` template words.
    """
    prompt = evidence.template_grams()
    if not prompt:
        return ACCEPTED
    words = WORD.findall(evidence.mask(answer).lower())
    covered: set[int] = set()
    verbatim = False  # a run of the template's own words only ("the article's sections in order")
    for i in range(len(words) - ECHO_GRAM + 1):
        gram = tuple(words[i : i + ECHO_GRAM])
        if gram in prompt:
            covered.update(range(i, i + ECHO_GRAM))
            verbatim = verbatim or all(w != MASK and not w.isdigit() for w in gram)
    mostly = len(covered) >= ECHO_GRAM and len(covered) >= ECHO_SHARE * len(words)
    opens = len(covered) >= ECHO_GRAM and min(covered, default=len(words)) < 3  # "The article:"
    if len(covered) < ECHO_MIN_WORDS and not (mostly or opens or verbatim):
        return ACCEPTED
    first = min(covered)
    quoted = " ".join(w if w != MASK else "..." for w in words[first : first + ECHO_GRAM + 2])
    return Verdict(
        False,
        "echo",
        f"it repeats the prompt's own instructions or plan ({len(covered)} words, "
        f'e.g. "{quoted}"); write the part itself',
    )


def non_answer(answer: str, evidence: Evidence) -> Verdict:
    """A chat assistant's reply instead of the part: a short answer that asks back or opens
    with an assistant's stock phrase ("I'm ready to help. What's your article about?")."""
    if evidence.passages is None:  # JSON answers are judged by their parser
        return ACCEPTED
    words = answer.split()
    if len(words) >= NON_ANSWER_WORDS:
        return ACCEPTED
    if not (answer.rstrip().endswith("?") or _NON_ANSWER.match(answer)):
        return ACCEPTED
    return Verdict(
        False,
        "non_answer",
        f'it is a chat reply, not the part asked for ("{" ".join(words[:12])}"); write the part',
    )


def announces(answer: str, evidence: Evidence) -> Verdict:
    """An answer that opens by presenting itself ("Here is the conclusion of the article:")
    talks about the part instead of being it; what follows is seldom the part either."""
    if evidence.passages is None:  # JSON answers are judged by their parser
        return ACCEPTED
    first = next((line for line in answer.splitlines() if line.strip()), "")
    found = _ANNOUNCES.match(first.lstrip("#*> \t"))
    if found is None:
        return ACCEPTED
    return Verdict(
        False,
        "announces",
        f'it presents itself ("{found.group(0).strip()}") instead of being the part; write '
        "the part's text only, with no line about it",
    )


def prose_words(text: str) -> int:
    """How many ordinary words of prose `text` has, outside code, spans, links and [n]."""
    prose = _SPAN_OR_URL.sub(" ", FENCED.sub(" ", text))
    return sum(1 for token in prose.split() if _PROSE_WORD.match(token))


def frame(answer: str, evidence: Evidence) -> Verdict:
    """A line of the answer that starts with one of the prompt's own labels ("The article:",
    "Scope:") or is a passage's header as the prompt printed it ("[11] Advanced Usage >
    Timeouts (...)"): the prompt's frame copied into the part (SmolLM2, requests-guide-10)."""
    if evidence.passages is None:
        return ACCEPTED
    labels = _frame_labels(evidence)
    headers = {label.lower() for label in evidence.labels if len(label) >= MIN_MASKED_CHARS}
    for line in FENCED.sub(" ", answer).splitlines():
        plain = _LIST_MARK.sub("", line).strip().lower()
        said = next((label for label in labels if plain.startswith(label)), None)
        cited = _HEADER.match(plain)
        if said is None and cited and any(cited.group(1).startswith(h) for h in headers):
            said = plain[:60]
        if said:
            return Verdict(
                False,
                "echo",
                f'it repeats the prompt\'s frame ("{said}") in the part; write the part only',
            )
    return ACCEPTED


def _frame_labels(evidence: Evidence) -> list[str]:
    """The prompt's own line labels of two to eight words ("the article:", "its sections, in
    order:"), lower-cased: not a line of the material it was filled with ("Available hooks:"
    in a passage is the docs' own)."""
    material = "\n".join(evidence.material).lower()
    found = set()
    for text in evidence.instructions:
        for line in text.splitlines():
            head, colon, _ = line.partition(":")
            label = head.strip().lower() + ":"
            if colon and 2 <= len(head.split()) <= 8 and label not in material:
                found.add(label)
    return sorted(found)


def surveys(answer: str, evidence: Evidence) -> Verdict:
    """A body section that goes over the article's other sections ("1. Routing: This section
    provides... 2. Requests: ...") instead of writing its own (SmolLM2's "Responses")."""
    if not evidence.must_cite or len(evidence.others) < SURVEY_MIN:
        return ACCEPTED
    text = " ".join(WORD.findall(FENCED.sub(" ", answer).lower()))
    named = [t for t in evidence.others if _phrase(t) and f" {_phrase(t)} " in f" {text} "]
    if len(named) < max(SURVEY_MIN, SURVEY_SHARE * len(evidence.others)):
        return ACCEPTED
    return Verdict(
        False,
        "survey",
        f"it goes over {len(named)} of the article's other sections ({', '.join(named[:3])}, "
        "...) instead of writing this one; write only the section asked for",
    )


def _phrase(title: str) -> str:
    return " ".join(WORD.findall(title.lower()))


def no_prose(answer: str, evidence: Evidence) -> Verdict:
    """A prose part with hardly a sentence of its own: the passages' labels or the section
    titles copied back, a list of names, a timestamp (SmolLM2's petstore section and code
    explanations). The prompt's labels and titles are not counted as the answer's own words;
    a passage quoted is (copying the docs is grounded, if not elegant)."""
    if evidence.passages is None:
        return ACCEPTED
    own = prose_words(_without(answer, evidence.labels))
    needed = _prose_bar(evidence)
    if own >= needed:
        return ACCEPTED
    return Verdict(
        False,
        "no_prose",
        f"it has {own} words of prose of its own, not {needed} (the rest is labels, titles, "
        "names or code from the prompt); write the part in sentences",
    )


def _without(text: str, pieces: Iterable[str]) -> str:
    """`text` without the `pieces` (labels) in it, and without its lines that are a label
    reworded ("2. Placing an order" for the title "Place an order"; see `_relabels`)."""
    labels = sorted({p.strip() for p in pieces if len(p.strip()) >= 3}, key=len, reverse=True)
    for piece in labels:
        text = text.replace(piece, " ")
    stems = [_stems(label) for label in labels]
    return "\n".join(line for line in text.splitlines() if not _relabels(line, stems))


def _stems(text: str) -> set[str]:
    """Words by their first `LABEL_STEM` letters: "placing" and "place" meet as "plac"."""
    return {w[:LABEL_STEM] for w in WORD.findall(text.lower())}


def _relabels(line: str, labels: list[set[str]]) -> bool:
    """A short line whose words are (nearly) all one label's: a title listed back."""
    words = [w[:LABEL_STEM] for w in WORD.findall(line.lower()) if not w.isdigit()]
    if not words or len(words) > RELABEL_MAX_WORDS:
        return False
    return any(sum(w in label for w in words) >= RELABEL_SHARE * len(words) for label in labels)


def _prose_bar(evidence: Evidence) -> int:
    """The words of its own a part needs: `MIN_PROSE_WORDS` for a body section, unless its
    passages say less themselves (a docs page of one sentence and an example)."""
    if not evidence.must_cite:
        return MIN_SHORT_PROSE_WORDS
    given = MIN_PROSE_WORDS if evidence.passage_words is None else evidence.passage_words
    return min(MIN_PROSE_WORDS, max(MIN_SHORT_PROSE_WORDS, given))


def _repeated_line(prose: str) -> str | None:
    """A line of `LOOP_GRAM` words or more that comes twice, list markers aside (SmolLM2's
    introduction listed "1. Custom headers - If you'd like to add custom headers ..." and then
    the same line as item 3)."""
    seen: set[tuple[str, ...]] = set()
    for line in prose.splitlines():
        words = tuple(WORD.findall(_LIST_MARKER.sub("", line).lower()))
        if len(words) < LOOP_GRAM:
            continue
        if words in seen:
            return _LIST_MARKER.sub("", line).strip()
        seen.add(words)
    return None


def _in_material(line: str, evidence: Evidence) -> bool:
    """True when `line`'s words run in the material or the spec: a request body two
    operations share is listed under each."""
    words = " ".join(WORD.findall(line.lower()))
    texts = (*evidence.material, json.dumps(evidence.spec or {}, default=str))
    return any(words in " ".join(WORD.findall(text.lower())) for text in texts)


def loop(answer: str, evidence: Evidence) -> Verdict:
    """A model stuck in a loop: the same run of words said over and over, or the same line of
    `LOOP_GRAM` words or more written twice (code left out)."""
    prose = FENCED.sub(" ", answer)
    twice = _repeated_line(prose)
    if twice and not _in_material(twice, evidence):
        return Verdict(
            False, "loop", f'it writes the same line twice ("{twice[:80]}"); write the part once'
        )
    words = WORD.findall(prose.lower())
    seen: dict[tuple[str, ...], int] = {}
    for i in range(len(words) - LOOP_GRAM + 1):
        gram = tuple(words[i : i + LOOP_GRAM])
        seen[gram] = seen.get(gram, 0) + 1
    repeated = sum(n - 1 for n in seen.values() if n >= 3)
    if not words or repeated < LOOP_SHARE * len(words):
        return ACCEPTED
    gram = max(seen, key=lambda g: seen[g])
    return Verdict(
        False,
        "loop",
        f'it says the same thing over and over ("{" ".join(gram)}", {seen[gram]} times); '
        "write the part once",
    )
