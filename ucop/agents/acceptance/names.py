"""Rules on what an answer names and cites: identifiers no source has, calls the spec does not
have, passages it was not given, a body section that cites none of its own."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ucop.agents.acceptance.evidence import (
    ACCEPTED,
    FENCED,
    NAME,
    Evidence,
    Verdict,
)

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


_URL = re.compile(r"\]\([^)]*\)|<?https?://[^\s)>\]]+>?|\b[\w.-]+@[\w.-]+\.\w+")


# A call named in prose: `POST /store/order/{orderId}`
_HTTP_CALL = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+`?(/[^\s`)\],;]*)")


_CITE = re.compile(r"\[(\d{1,4})\](?!\()")


def code_shaped_names(answer: str) -> list[str]:
    """Identifiers an answer's prose names: code-shaped words and backticked names."""
    text = _URL.sub(" ", FENCED.sub(" ", answer))
    found: list[str] = []
    for span in _SPAN.findall(text):
        found += re.findall(_DOTTED, span) or [w for w in NAME.findall(span) if not w.isdigit()]
    found += _CODE_SHAPED.findall(_SPAN.sub(" ", text))
    return list(dict.fromkeys(found))


def near_miss_names(answer: str, known: frozenset[str]) -> list[str]:
    """Words in capitals in the prose that no source has but that are one or two letters off
    a name the sources do have (`LUMES` where the docs say Lumen): a weak model's garbled
    product names (ordinary capitalised words are left alone: too many are near another).
    Another form of a known word (same stem) is not a miss."""
    from ucop.sources.words import stem

    text = _URL.sub(" ", FENCED.sub(" ", answer))
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


def identifiers(answer: str, evidence: Evidence) -> Verdict:
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


def operations(answer: str, evidence: Evidence) -> Verdict:
    """An API call named in prose (`POST /store/order/{orderId}`) that the spec does not have."""
    spec = evidence.spec
    if not spec or not spec.get("operations"):
        return ACCEPTED
    for method, path in calls_named(answer):
        if not any(is_call(method, path, op) for op in spec["operations"]):
            return Verdict(
                False,
                "operations",
                f"it names `{method} {path}`, a call the spec does not have; name only the "
                "spec's operations",
            )
    return ACCEPTED


def calls_named(text: str) -> list[tuple[str, str]]:
    """The API calls `text` names in its prose, as (METHOD, path with `{}` for parameters)."""
    found = _HTTP_CALL.findall(FENCED.sub(" ", text))
    return [(method, _template(path.split("?")[0].rstrip(".:"))) for method, path in found]


def without_calls(text: str) -> str:
    """`text` with each API call it names (`GET /tasks/{id}`) taken out."""
    return _HTTP_CALL.sub(" ", text)


def is_call(method: str, path: str, op: Mapping[str, Any]) -> bool:
    """A named call is `op`: its method and path, maybe under a server prefix (/api/v3/...)."""
    own = _template(str(op.get("path", "")))
    return method == str(op.get("method", "")).upper() and (path == own or path.endswith(own))


def _template(path: str) -> str:
    """`/store/order/{orderId}` and `/store/order/{id}` alike: parameters as `{}`."""
    return re.sub(r"\{[^}/]*\}|<[^>/]*>|:[A-Za-z_]\w*", "{}", path.rstrip("/") or "/")


def citations(answer: str, evidence: Evidence) -> Verdict:
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


def uncited(answer: str, evidence: Evidence) -> Verdict:
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
