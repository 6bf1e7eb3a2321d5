"""The judge: whether a model's answer may go into the article, and if not, why.

A weak model echoes its prompt ("The article: ... Its sections, in order: 1. ..."), names
things no source has (`LUMESKI_RESTARTTRY`), cites passages it was not given, or writes code
that does not parse, calls operations the spec does not have or does harm. `judge` finds
each of these with pure functions over the answer and the `Evidence` the request was built
from; `ask_model` (agents/base.py) asks once more with the reason, then uses the offline
draft. Reasoning (`<think>...</think>`) is stripped before anything is judged.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

ECHO_GRAM = 6  # words in a row that count as copied
ECHO_MIN_WORDS = 10  # answer words inside copied runs that make an answer an echo
ECHO_TEMPLATE_WORDS = 4  # a copied run must hold this many of the template's own words
ECHO_SHARE = 0.5  # ... or copied runs make up this share of a shorter answer (plan only)
LOOP_GRAM = 8  # words in a row that, said three times over, make a loop
LOOP_SHARE = 0.3  # ... when the repeats make up this share of the prose
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
MIN_PROSE_WORDS = 15  # words of its own a body section needs (a passage label copied is none)
MIN_SHORT_PROSE_WORDS = 6  # ... and an introduction or a conclusion, which may be short
# The fields of a prompt's variables that label things: titles, headings, sources, names
LABEL_FIELDS = frozenset(
    {"title", "heading", "source", "url", "others", "plan", "audience", "id", "method", "path",
     "summary", "name", "tags"}
)  # fmt: skip
# A call named in prose: `POST /store/order/{orderId}`
_HTTP_CALL = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+`?(/[^\s`)\],;]*)")
MASK = "xmaskx"  # stands for a piece of material in a masked text
MIN_MASKED_CHARS = 6  # shorter material ("GET", "id") would be cut out of ordinary words
REASONING = re.compile(
    r"<(think|thinking|reasoning|reflection)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.IGNORECASE | re.DOTALL
)
_CLOSE_TAG = re.compile(r"</(?:think|thinking|reasoning|reflection)\s*>", re.IGNORECASE)
_CLOSE_ONLY = re.compile(r"^.*?</(?:think|thinking|reasoning)\s*>", re.IGNORECASE | re.DOTALL)
_WORD = re.compile(r"[a-z0-9]+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOTTED = r"[A-Za-z_][A-Za-z0-9_]+(?:\.[A-Za-z_][A-Za-z0-9_]+)+"
_CODE_SHAPED = re.compile(
    rf"\b{_DOTTED}(?=\()"  # a dotted call: client.tasks.create(
    r"|\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"  # snake_case
    r"|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b"  # ALL_CAPS_WITH_UNDERSCORES
    r"|\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+){2,}\b"  # Mixed_Case_Snake (PetStore_Sales_Draft)
    r"|\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+){2,}\b"  # CamelCase with three humps
    r"|\b[a-z]{2,}[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*\b"  # lowerCamel (not iOS, macOS)
)
_SPAN = re.compile(r"`([^`\n]+)`")
_SHOUTED = re.compile(r"\b[A-Z]{4,}\b")  # LUMES: a name garbled in capitals
NEAR_MISS_MIN = 4  # letters a source's name needs before a near miss of it counts
NEAR_MISS_EDITS = 2  # letters off that make a near miss
_CITE = re.compile(r"\[(\d{1,4})\](?!\()")
_FENCED = re.compile(r"^[ \t]*(`{3,}|~{3,}).*?(?:^[ \t]*\1[^\n]*$|\Z)", re.M | re.S)
_URL = re.compile(r"\]\([^)]*\)|<?https?://[^\s)>\]]+>?|\b[\w.-]+@[\w.-]+\.\w+")


@dataclass(frozen=True)
class Verdict:
    """The judge's answer: `ok`, or the `problem` kind and a `reason` a person can read."""

    ok: bool
    problem: str = ""  # empty | non_answer | loop | echo | identifiers | citations | code...
    reason: str = ""


ACCEPTED = Verdict(True)


@dataclass(frozen=True)
class SourceIndex:
    """The run's sources, indexed once per run: their names and their code, as plain lines."""

    names: frozenset[str]
    plain: str

    @classmethod
    def of(cls, texts: Iterable[str], code: Iterable[str]) -> SourceIndex:
        names = frozenset(w.lower() for text in texts for w in _NAME.findall(text))
        return cls(names, "\n\f\n".join(plain_lines(c) for c in code))


EMPTY_SOURCES = SourceIndex(frozenset(), "")


@dataclass(frozen=True)
class Evidence:
    """What an answer may draw on: the prompt it answers and the material behind it.

    `instructions` are the prompt's texts as sent; `material` the strings the prompt was
    filled with (copying those is not an echo, and names in them are not invented), and
    `sources` the run's passages, spec and brief. `passages` is how many [n] the answer may
    cite (None: citations are not checked). `spec` is the API the code must call.
    """

    instructions: tuple[str, ...]
    material: tuple[str, ...]
    passages: int | None = None
    spec: Mapping[str, Any] | None = None
    must_cite: bool = False  # a body section: given passages, it must cite one at least
    labels: tuple[str, ...] = ()  # the material's titles, headings and sources
    passage_words: int | None = None  # words of prose the passages given have (None: unknown)
    sources: SourceIndex = EMPTY_SOURCES
    _index: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def names(self) -> frozenset[str]:
        """Every name-like word of the material and the sources, lower-cased."""
        if "names" not in self._index:
            words = {w.lower() for text in self.material for w in _NAME.findall(text)}
            self._index["names"] = frozenset(words) | self.sources.names | COMMON_NAMES
        return self._index["names"]

    def mask(self, text: str) -> str:
        """`text` with every piece of material in it replaced by one `MASK` word."""
        if "masked" not in self._index:
            pieces = {m.strip() for m in self.material if len(m.strip()) >= MIN_MASKED_CHARS}
            self._index["masked"] = sorted(pieces, key=len, reverse=True)
        for piece in self._index["masked"]:
            if piece in text:
                text = text.replace(piece, f" {MASK} ")
        return text

    def template_grams(self) -> frozenset[tuple[str, ...]]:
        """Runs of the prompt's words with its material masked, holding enough template words."""
        if "grams" not in self._index:
            found = set()
            for text in self.instructions:
                for gram in grams(self.mask(text)):
                    own = sum(1 for w in gram if w != MASK and not w.isdigit())
                    if own >= ECHO_TEMPLATE_WORDS:
                        found.add(gram)
            self._index["grams"] = frozenset(found)
        return self._index["grams"]

    def plain_material(self) -> str:
        if "plain" not in self._index:
            own = "\n".join(plain_lines(t) for t in self.material)
            self._index["plain"] = own + "\n\f\n" + self.sources.plain
        return self._index["plain"]


# Words any technical article may put in backticks without a source naming them.
COMMON_NAMES = frozenset(
    {
        "true", "false", "null", "none", "nil", "undefined", "ok", "json", "yaml", "toml",
        "xml", "html", "http", "https", "get", "post", "put", "patch", "delete", "head",
        "options", "id", "url", "uri", "api", "cli", "sdk", "env", "utf8", "pip", "install",
        "python", "python3", "bash", "sh", "curl", "localhost",
    }
)  # fmt: skip
# Names the code examples ucop adds itself use (`ucop/codegen/examples.py`): prose may name them.
GENERATED_NAMES = (
    "httpx curl os os.environ BASE_URL response response.json() response.raise_for_status() "
    "response.status_code print export Authorization Bearer"
)


def generated_names(spec: Mapping[str, Any] | None) -> str:
    """The names of the generated examples, the credential variables for `spec` included."""
    if not spec:
        return GENERATED_NAMES
    from ucop.codegen.examples import credential_vars

    names = {v for scheme in spec.get("auth") or () for v in credential_vars(scheme, dict(spec))}
    return " ".join([GENERATED_NAMES, *sorted(names)])


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


def judge(answer: str, evidence: Evidence) -> Verdict:
    """The first problem found in `answer` (already stripped of reasoning), else ACCEPTED."""
    if not answer.strip():
        return Verdict(False, "empty", "the answer was empty once its reasoning was removed")
    checks = (
        _non_answer, _announces, _loop, _code, _dangerous_code, _citations, _echo,
        _identifiers, _operations, _uncited, _no_prose,
    )  # fmt: skip
    for check in checks:
        verdict = check(answer, evidence)
        if not verdict.ok:
            return verdict
    return ACCEPTED


def grams(text: str, n: int = ECHO_GRAM) -> Iterator[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return (tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def _echo(answer: str, evidence: Evidence) -> Verdict:
    """Runs of the prompt's own words (its instructions, its plan's frame) in the answer.

    The material the prompt was filled with is masked in both texts first, so quoting a
    passage or naming the sections is not an echo, but "The article: ... Its sections, in
    order: 1. ..." is: a run counts when it holds at least `ECHO_TEMPLATE_WORDS` template words.
    """
    prompt = evidence.template_grams()
    if not prompt:
        return ACCEPTED
    words = _WORD.findall(evidence.mask(answer).lower())
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


def _non_answer(answer: str, evidence: Evidence) -> Verdict:
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


def _announces(answer: str, evidence: Evidence) -> Verdict:
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
    prose = _SPAN_OR_URL.sub(" ", _FENCED.sub(" ", text))
    return sum(1 for token in prose.split() if _PROSE_WORD.match(token))


def _no_prose(answer: str, evidence: Evidence) -> Verdict:
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
    for piece in sorted({p.strip() for p in pieces if len(p.strip()) >= 3}, key=len, reverse=True):
        text = text.replace(piece, " ")
    return text


def _prose_bar(evidence: Evidence) -> int:
    """The words of its own a part needs: `MIN_PROSE_WORDS` for a body section, unless its
    passages say less themselves (a docs page of one sentence and an example)."""
    if not evidence.must_cite:
        return MIN_SHORT_PROSE_WORDS
    given = MIN_PROSE_WORDS if evidence.passage_words is None else evidence.passage_words
    return min(MIN_PROSE_WORDS, max(MIN_SHORT_PROSE_WORDS, given))


def _operations(answer: str, evidence: Evidence) -> Verdict:
    """An API call named in prose (`POST /store/order/{orderId}`) that the spec does not have."""
    spec = evidence.spec
    if not spec or not spec.get("operations"):
        return ACCEPTED
    known = {(str(op.get("method", "")).upper(), _template(str(op.get("path", ""))))
             for op in spec["operations"]}  # fmt: skip
    for method, path in _HTTP_CALL.findall(_FENCED.sub(" ", answer)):
        path = _template(path.split("?")[0].rstrip(".:"))
        # the path as the spec has it, or under a server prefix (/api/v3/store/order)
        if not any(m == method and (path == p or path.endswith(p)) for m, p in known):
            return Verdict(
                False,
                "operations",
                f"it names `{method} {path}`, a call the spec does not have; name only the "
                "spec's operations",
            )
    return ACCEPTED


def _template(path: str) -> str:
    """`/store/order/{orderId}` and `/store/order/{id}` alike: parameters as `{}`."""
    return re.sub(r"\{[^}/]*\}|<[^>/]*>|:[A-Za-z_]\w*", "{}", path.rstrip("/") or "/")


def _loop(answer: str, evidence: Evidence) -> Verdict:
    """A model stuck in a loop: the same run of words said over and over (code left out)."""
    words = _WORD.findall(_FENCED.sub(" ", answer).lower())
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


def code_shaped_names(answer: str) -> list[str]:
    """Identifiers an answer's prose names: code-shaped words and backticked names."""
    text = _URL.sub(" ", _FENCED.sub(" ", answer))
    found: list[str] = []
    for span in _SPAN.findall(text):
        found += re.findall(_DOTTED, span) or [w for w in _NAME.findall(span) if not w.isdigit()]
    found += _CODE_SHAPED.findall(_SPAN.sub(" ", text))
    return list(dict.fromkeys(found))


def near_miss_names(answer: str, known: frozenset[str]) -> list[str]:
    """Words in capitals in the prose that no source has but that are one or two letters off
    a name the sources do have (`LUMES` where the docs say Lumen): a weak model's garbled
    product names (ordinary capitalised words are left alone: too many are near another).
    Another form of a known word (same stem) is not a miss."""
    from ucop.sources.words import stem

    text = _URL.sub(" ", _FENCED.sub(" ", answer))
    by_head: dict[str, list[str]] = {}
    for name in known:
        if len(name) >= NEAR_MISS_MIN:
            by_head.setdefault(name[:3], []).append(name)
    found: list[str] = []
    for word in _SHOUTED.findall(text):
        low = word.lower()
        if low in known:
            continue
        near = [n for n in by_head.get(low[:3], ()) if _within(low, n, NEAR_MISS_EDITS)]
        if near and all(stem(n) != stem(low) for n in near):  # RETRIED is "retries"
            found.append(word)
    return list(dict.fromkeys(found))


def _within(a: str, b: str, edits: int) -> bool:
    """True when `a` becomes `b` with at most `edits` insertions, deletions or changes."""
    if abs(len(a) - len(b)) > edits:
        return False
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1] <= edits


def _identifiers(answer: str, evidence: Evidence) -> Verdict:
    known = evidence.names()
    invented = [n for n in code_shaped_names(answer) if not _known(n, known)]
    invented += near_miss_names(answer, known)
    if not invented:
        return ACCEPTED
    shown = ", ".join(f"`{n}`" for n in invented[:3])
    return Verdict(
        False,
        "identifiers",
        f"it names {shown}, which no passage, spec or brief contains; "
        "use only the names the passages give",
    )


def _known(name: str, known: frozenset[str]) -> bool:
    parts = [p for p in re.split(r"[.]", name) if p]
    return all(p.lower() in known for p in parts)


def _citations(answer: str, evidence: Evidence) -> Verdict:
    count = evidence.passages
    if count is None:
        return ACCEPTED
    from ucop.article.citations import outside_code

    cited: list[int] = []

    def collect(prose: str) -> str:
        cited.extend(int(n) for n in _CITE.findall(prose))
        return prose

    outside_code(answer, collect)
    bad = [n for n in cited if not 1 <= n <= count]
    if not bad:
        return ACCEPTED
    allowed = f"[1] to [{count}]" if count else "no passages"
    return Verdict(
        False,
        "citations",
        f"it cites [{bad[0]}], a passage it was not given (it may cite {allowed})",
    )


def _uncited(answer: str, evidence: Evidence) -> Verdict:
    """A body section given passages that cites none of them: nothing in it is grounded (a
    weak model's made-up block or "I wrote a response:" with a stub)."""
    count = evidence.passages
    if not (evidence.must_cite and count):
        return ACCEPTED
    from ucop.article.citations import outside_code

    cited: list[str] = []

    def collect(prose: str) -> str:
        cited.extend(_CITE.findall(prose))
        return prose

    outside_code(answer, collect)
    if cited:
        return ACCEPTED
    return Verdict(
        False,
        "uncited",
        f"it cites none of the {count} passages it was given, so nothing in it is grounded; "
        "write the part from the passages and cite them as [n]",
    )


def _model_blocks(answer: str, evidence: Evidence) -> Iterable[dict[str, Any]]:
    """The answer's code blocks, except those copied verbatim from the material."""
    from ucop.codegen.blocks import all_code_blocks
    from ucop.content.excerpts import below_page_imports

    plain = evidence.plain_material()
    for block in all_code_blocks(answer):
        # the page's import lines a carried snippet opens with are the docs' lines too
        copied = plain_lines(below_page_imports(block["code"], plain))
        if copied and copied in plain:
            continue
        yield block


def _dangerous_code(answer: str, evidence: Evidence) -> Verdict:
    from ucop.codegen.audit import block_problems, installed_packages
    from ucop.codegen.hazards import reach_of

    reach = reach_of(dict(evidence.spec) if evidence.spec else None)
    # a package the docs install may be installed by the answer too (`pip install ...`)
    docs = installed_packages(evidence.plain_material())
    reach = dataclasses.replace(reach, packages=reach.packages | docs)
    for block in _model_blocks(answer, evidence):
        problems = block_problems(block["lang"], block["code"], reach)
        if problems:
            name = block["lang"] or ("unlabelled" if block["form"] == "fence" else block["form"])
            return Verdict(
                False,
                "dangerous_code",
                f"its {name} block does what an article must not: {problems[0]}",
            )
    return ACCEPTED


def _code(answer: str, evidence: Evidence) -> Verdict:
    from ucop.codegen.validate import validate_block

    spec = dict(evidence.spec) if evidence.spec else None
    for block in _model_blocks(answer, evidence):
        for finding in validate_block(block, spec):
            if not finding["ok"]:
                return Verdict(
                    False,
                    "code",
                    f"its {block['lang'] or 'code'} block fails a check: {finding['message']}",
                )
        pretended = _pretended_operation(block, spec)
        if pretended:
            return Verdict(
                False,
                "code",
                f"its python block names the operation {pretended} but makes no request "
                "(an example must call the API, not return made-up data)",
            )
    return ACCEPTED


def _pretended_operation(block: Mapping[str, Any], spec: Mapping[str, Any] | None) -> str | None:
    """An operation a Python block names (its id, snake_case too) without any HTTP call."""
    from ucop.codegen.calls import python_calls
    from ucop.codegen.validate import PYTHON_LANGS

    if not spec or block["lang"] not in PYTHON_LANGS:
        return None
    try:
        if python_calls(block["code"]):
            return None
    except (SyntaxError, ValueError, RecursionError):
        return None
    words = set(_NAME.findall(block["code"]))
    for op in spec.get("operations") or ():
        op_id = str(op.get("id") or "")
        snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", op_id).lower()
        if op_id and (op_id in words or snake in words):
            return f"{op_id} ({op.get('method')} {op.get('path')})"
    return None


def plain_lines(text: str) -> str:
    """`text` with each line stripped: a copied block matches however it was indented."""
    return "\n".join(line.strip() for line in text.strip().splitlines())


def label_strings(variables: Mapping[str, Any]) -> list[str]:
    """The strings of a prompt's variables that label things (`LABEL_FIELDS`), any depth."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", variables)]
    while stack:
        key, item = stack.pop()
        if isinstance(item, str):
            if key in LABEL_FIELDS:
                found.append(item)
        elif isinstance(item, Mapping):
            stack.extend((str(k), v) for k, v in item.items())
        elif isinstance(item, (list, tuple)):
            stack.extend((key, v) for v in item)
    return found


def strings_in(value: Any, *, keys: bool = False, limit: int = 200_000) -> list[str]:
    """Every string value in JSON-like `value` (with `keys`, mapping keys too), up to `limit`."""
    found: list[str] = []
    stack = [value]
    while stack and len(found) < limit:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, Mapping):
            stack.extend(item.keys() if keys else ())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return found
