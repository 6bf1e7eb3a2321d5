"""What a model's answer is judged against: the `Evidence` a request was built from (its
prompt, the material it was filled with, the run's sources and spec) and the `Verdict`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

ECHO_GRAM = 6  # words in a row that count as copied


ECHO_TEMPLATE_WORDS = 4  # a copied run must hold this many of the template's own words


FENCED = re.compile(r"^[ \t]*(`{3,}|~{3,}).*?(?:^[ \t]*\1[^\n]*$|\Z)", re.M | re.S)


MASK = "xmaskx"  # stands for a piece of material in a masked text


MIN_MASKED_CHARS = 6  # shorter material ("GET", "id") would be cut out of ordinary words


WORD = re.compile(r"[a-z0-9]+")


NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# The fields of a prompt's variables that label things: titles, headings, sources, names
LABEL_FIELDS = frozenset(
    {"title", "heading", "source", "url", "others", "plan", "audience", "id", "method", "path",
     "summary", "name", "tags"}
)  # fmt: skip


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
        names = frozenset(w.lower() for text in texts for w in NAME.findall(text))
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
    others: tuple[str, ...] = ()  # a section's: the titles of the article's other sections
    sources: SourceIndex = EMPTY_SOURCES
    _index: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def names(self) -> frozenset[str]:
        """Every name-like word of the material and the sources, lower-cased."""
        if "names" not in self._index:
            words = {w.lower() for text in self.material for w in NAME.findall(text)}
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


def grams(text: str, n: int = ECHO_GRAM) -> Iterator[tuple[str, ...]]:
    words = WORD.findall(text.lower())
    return (tuple(words[i : i + n]) for i in range(len(words) - n + 1))


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
