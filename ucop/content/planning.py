"""The plan behind the outline: sections for the brief's topics, and the sources for each.

Deterministic, so the offline writer and a model get the same plan. Each topic the brief asks
for becomes a section (merged into a required section that covers it), sections follow the
order the brief names them, and each section gets the passages and API operations that cover
its topic. Relevance is the rarity-weighted share of the title's words a passage contains
(`Retriever.coverage`): below LOW a passage does not count, so a topic the sources do not
cover gets no filler, only a note and a warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ucop.content.reading import Topic, headline

LOW = 0.5  # a passage must contain this share of the title's (weighted) words to be used
HIGH = 0.75  # at or above: the topic is covered; between LOW and HIGH: partly
API_LOW = 0.25  # operations: the spec names resources tersely ("available" is an enum value)
PASSAGES = 4  # passages a section may draw on (the writer stops at its word budget)
RARE = 3.0  # idf above which a name the passages lack is worth reporting (not "Starlette")
DISTINCT = 2.0  # mean idf of a topic's words rare enough that a passage using all explains it
THIN = 20  # words: passages this short, without code, only mention a topic
MERGE = 0.5  # a topic whose words are this much inside a required section joins it
ON_PAGE = 1.2  # rank boost, for a section no passage explains well, of the article's own pages
_METHOD_VERBS = {
    "GET": ("find", "get", "fetch", "check", "list", "read", "look", "retriev", "search", "view"),
    "POST": ("plac", "creat", "add", "submit", "send", "post", "make", "upload"),
    "PUT": ("updat", "chang", "edit", "replac", "modif"),
    "DELETE": ("cancel", "delet", "remov"),
}


def tokens(text: str) -> list[str]:
    from ucop.sources import tokenize

    return list(dict.fromkeys(tokenize(text)))


def plan_topics(
    topics: Sequence[Topic], required: Sequence[Mapping[str, str]], count: int
) -> list[dict[str, Any]]:
    """Section drafts from required sections and topics, in the order the brief names them."""
    drafts: list[dict[str, Any]] = [
        {
            "title": r["title"],
            "notes": r["notes"],
            "required": True,
            "phrases": [],
            "detail": [],
            "position": -1,
            "origin": "required",
        }
        for r in required
    ]
    for topic in topics:
        home = _required_home(topic, drafts)
        if home is not None:
            home["phrases"].append(topic.resolved)
            home["detail"] += topic.detail
            if home["position"] < 0:
                home["position"] = topic.position
            continue
        drafts.append(
            {
                "title": topic.title,
                "notes": "",
                "required": False,
                "phrases": [topic.resolved],
                "raw": [topic.phrase],
                "detail": list(topic.detail),
                "position": topic.position,
                "origin": "topic",
            }
        )
    last = -1
    for draft in drafts:  # unmatched required sections stay after the one before them
        if draft["required"]:
            draft["position"] = draft["position"] if draft["position"] >= 0 else last
            last = draft["position"]
    drafts.sort(key=lambda d: d["position"])
    return drafts


def words(text: str) -> set[str]:
    """One term per word (`WebSocket` -> `websocket`, not also `web` and `socket`)."""
    return set(topic_terms(text))


def topic_terms(text: str) -> list[str]:
    """The terms a title is judged by: one per word, hyphenated words by their parts.

    `WebSocket` counts once (not also as `web` and `socket`), and `rate-limiting` as
    `rate` and `limit`, the way prose writes it.
    """
    found: list[str] = []
    for word in re.findall(r"[\w-]+", text):
        if word.lower().endswith("ly") and len(word) > 4:
            continue  # "cleanly", "quickly": how, not what
        terms = tokens(word)
        if not terms:
            continue
        found += terms[1:] if re.search(r"[a-z]-[a-z]", word, re.I) else terms[:1]
    return list(dict.fromkeys(found))


def _required_home(topic: Topic, drafts: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    mine = words(topic.resolved)
    best, share = None, 0.0
    for draft in drafts:
        if not draft["required"]:
            continue
        theirs = words(f"{draft['title']} {draft['notes']}")
        inside = len(mine & theirs) / max(len(mine), 1)
        if inside >= MERGE and inside > share:
            best, share = draft, inside
    return best


def merge_to_fit(drafts: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """Join adjacent topic sections that share a source until at most `count` remain."""
    while len(drafts) > count:
        pairs = [
            (i, _kinship(drafts[i], drafts[i + 1]))
            for i in range(len(drafts) - 1)
            if not drafts[i + 1]["required"]
        ]
        if not pairs:
            break
        i, _ = max(pairs, key=lambda pair: (pair[1], -pair[0]))
        first, second = drafts[i], drafts.pop(i + 1)
        if not first["required"]:
            first["raw"] = [
                *first.get("raw", [first["title"]]),
                *second.get("raw", [second["title"]]),
            ]
            first["title"] = headline(_join(first["raw"]))
        first["phrases"] += second["phrases"]
        first["detail"] = first.get("detail", []) + second.get("detail", [])
        first["places"] = sorted([*first.get("places", []), *second.get("places", [])])
        first["operations"] = first.get("operations", []) + second.get("operations", [])
        seen = {c["id"] for c, _ in first.get("passages", [])}
        first["passages"] = first.get("passages", []) + [
            (c, sh) for c, sh in second.get("passages", []) if c["id"] not in seen
        ]
    return drafts


def _join(items: Sequence[str]) -> str:
    """ "a", "b", "c" -> "a, b and c"."""
    if len(items) == 1:
        return items[0]
    if " and " in items[-1]:  # "cookies, redirects and history"
        return ", ".join(items)
    last = ", and " if any(" and " in i for i in items[:-1]) else " and "
    return ", ".join(items[:-1]) + last + items[-1]


def _kinship(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    paths_a = {op["path"] for op in a.get("operations", ())}
    paths_b = {op["path"] for op in b.get("operations", ())}
    if paths_a & paths_b:
        return 1.0
    ids_a = {c["id"] for c, _ in a.get("passages", ())}
    if ids_a & {c["id"] for c, _ in b.get("passages", ())}:
        return 0.9
    words_a, words_b = set(tokens(a["title"])), set(tokens(b["title"]))
    pages_a = {c["source"] for c, _ in a.get("passages", ())}
    pages_b = {c["source"] for c, _ in b.get("passages", ())}
    pages = len(pages_a & pages_b) / max(len(pages_a | pages_b), 1)
    # Topics the docs explain side by side (form data, then multipart files) read well as one.
    places_a, places_b = a.get("places", ()), b.get("places", ())
    gap = min((abs(x - y) for x in places_a for y in places_b), default=99)
    near = 1.0 if gap <= 1 else 0.5 if gap <= 3 else 0.0
    # Two topics already merged weigh more: a section of four topics would read as a list.
    size = 0.15 * (len(a.get("raw", ())) + len(b.get("raw", ())) - 2)
    share = len(words_a & words_b) / max(len(words_a | words_b), 1)
    long = 0.03 * max(len(f"{a['title']} {b['title']}".split()) - 7, 0)
    if " and " in a["title"] and " and " in b["title"]:
        long += 0.2  # "JSON and multipart files and status codes and ..." reads as a list
    return 0.5 * share + 0.2 * pages + 0.3 * near - size - long


def excluded(chunk: Mapping[str, Any], exclusions: Sequence[str]) -> bool:
    """A chunk about something the brief says to leave out (by its title and heading)."""
    about = set(tokens(f"{chunk.get('title', '')} {chunk.get('heading', '')}"))
    return any(set(tokens(item)) and set(tokens(item)) <= about for item in exclusions)


def find_passages(
    retriever: Any,
    title: str,
    query: str,
    *,
    taken: set[str],
    exclusions: Sequence[str] = (),
    code: bool = False,
    pages: frozenset[str] = frozenset(),
) -> list[tuple[dict[str, Any], float]]:
    """Up to PASSAGES knowledge-base chunks that cover `title`, best first, with coverage.

    `pages`: the documents the rest of the article stands on; a passage there ranks a little
    higher than an equal one elsewhere (`Response` on responses.md, not the exceptions page,
    for "Set headers, cookies and the status code" in an article on responses)."""
    terms = topic_terms(title)
    ranked = []
    for chunk, score in retriever.search(query, k=20, kinds={"kb"}):
        if excluded(chunk, exclusions):
            continue
        share = retriever.coverage(terms, chunk)
        # A passage whose own heading names the topic explains it; others mention it.
        near = ON_PAGE if chunk["source"] in pages else 1.0
        ranked.append((near * score * (0.5 + _naming(title, terms, chunk)), chunk, share))
    ranked.sort(key=lambda item: (-item[0], item[1]["id"]))
    # Any passage of the page may lend this section its example, another section's too.
    anyone = [(chunk, share) for _, chunk, share in ranked]
    found = [(c, share) for c, share in anyone if c["id"] not in taken and share >= LOW]
    # Past the best passage, only those whose own heading names part of the topic.
    # When the best passage's document is about the topic (requests.md for "Requests"), the
    # rest come from that document too, not from pages that merely mention the word.
    home = found[0][0]["source"] if found and _about(title, terms, found[0][0]) else None
    found = found[:1] + [
        (c, sh)
        for c, sh in found[1:]
        if _explains(retriever, terms, c) and home in (None, c["source"])
    ]
    chosen = found[:PASSAGES]
    if code and found and not any(c.get("code_blocks") for c, _ in chosen):
        # The example may sit under another heading of the same page ("Configuration").
        same_page = [(c, sh) for c, sh in anyone if c["source"] == found[0][0]["source"]]
        same_page.sort(key=lambda pair: pair[0]["id"] in taken)  # a free one before a shared
        with_code = next(((c, sh) for c, sh in same_page if c.get("code_blocks")), None)
        if with_code is not None:
            chosen = [*chosen[: PASSAGES - 1], with_code]
    return in_reading_order(retriever, chosen)


def _explains(retriever: Any, terms: Sequence[str], chunk: Mapping[str, Any]) -> bool:
    """Whether a passage is about the topic, not only using it: its heading names the topic's
    rarer words, or its prose (not only its code) says the topic's words together, or all
    of them when they are rare ones ("accept", "receive", "send"; not "make a request")."""
    heading = set(tokens(str(chunk.get("heading", ""))))
    total = sum(retriever.idf(t) for t in terms) or 1.0
    if sum(retriever.idf(t) for t in terms if t in heading) / total >= LOW:
        return True
    words = re.findall(r"[\w-]+", str(chunk.get("text", "")))
    prose = [t for word in words for t in tokens(word)[:1]]
    width = len(terms)
    # Three words of a topic in one passage are no coincidence (a call in its code counts:
    # `websocket.accept()` is the passage using it); two must be rare and in its prose.
    code = " ".join(str(b.get("code", "")) for b in chunk.get("code_blocks") or ())
    called = {
        t for t in set(terms) - set(prose) if re.search(rf"(?<![a-z]){re.escape(t)}\w*\s*\(", code)
    }
    if width > 2 and set(terms) <= set(prose) | called:
        return True
    if width > 1 and set(terms) <= set(prose) and total / width >= DISTINCT:
        return True
    # One word ("Cookies") is named in passing by many pages: only a heading counts then.
    return width > 1 and any(
        prose[i : i + width] == list(terms) for i in range(len(prose) - width + 1)
    )


def claim_passages(
    retriever: Any,
    wanted: Sequence[tuple[str, str]],
    exclusions: Sequence[str] = (),
    candidates: Sequence[set[str]] | None = None,
) -> dict[str, int]:
    """chunk id -> the index of the (title, query) that names it best.

    A passage several sections could use ("WebSocket Routing" for "Close the WebSocket
    connection" and "Route the WebSocket connection") goes to the one it is about, not to
    whichever section was planned first. With `candidates` (the chunk ids each section would
    use), a passage goes only to a section that would use it, so none is left unused.
    """
    best: dict[str, tuple[float, float, int]] = {}
    for index, (title, query) in enumerate(wanted):
        terms = topic_terms(title)
        for chunk, _ in retriever.search(query, k=20, kinds={"kb"}):
            if candidates is not None and chunk["id"] not in candidates[index]:
                continue
            share = retriever.coverage(terms, chunk)
            if (share < LOW and candidates is None) or excluded(chunk, exclusions):
                continue
            # The heading decides before the page: "Sessions > Keep-alive connections" is
            # about keep-alive connections, though its page is about sessions.
            named = set(topic_terms(str(chunk.get("heading", ""))))
            heading = len(set(terms) & named) / max(len(set(terms) | named), 1)
            key = (heading + _naming(title, terms, chunk) + share, share, -index)
            if chunk["id"] not in best or key > best[chunk["id"]]:
                best[chunk["id"]] = key
    return {chunk_id: -key[2] for chunk_id, key in best.items()}


def in_reading_order(retriever: Any, chosen: list[tuple[Any, float]]) -> list[tuple[Any, float]]:
    """Passages of one document in the document's order, documents by their best passage."""
    first: dict[str, int] = {}
    for rank, (chunk, _) in enumerate(chosen):
        first.setdefault(chunk["source"], rank)
    # positions from the ids alone: enumerating `retriever.chunks` reads every chunk of the index
    return sorted(
        chosen, key=lambda p: (first[p[0]["source"]], max(retriever.position(p[0]["id"]), 0))
    )


def _about(title: str, terms: Sequence[str], chunk: Mapping[str, Any]) -> bool:
    """Whether the chunk's document is about `title` ("Static files" -> staticfiles.md)."""
    compact = _compact(title)
    document = _compact(str(chunk.get("title", "")).split(" > ")[0])
    # "Static files" ~ staticfiles.md, "Configuration" ~ config.md
    similar = compact in document or (len(document) >= 4 and compact.startswith(document))
    return bool(named_share(terms, chunk, doc=True)) or similar


def _naming(title: str, terms: Sequence[str], chunk: Mapping[str, Any]) -> float:
    """How much the chunk's heading names the title ("Testclient" names "The test client")."""
    if _compact(title) in _compact(str(chunk.get("heading", ""))):
        return 1.0
    return named_share(terms, chunk)


def _compact(text: str) -> str:
    """'The test client' -> 'testclient', to meet a page named `testclient.md`."""
    return re.sub(r"^the|\W|_", "", text.lower()) or "\0"


def named_share(terms: Sequence[str], chunk: Mapping[str, Any], doc: bool = False) -> float:
    """The share of `terms` in the chunk's heading and title (`doc`: the document's title)."""
    title = str(chunk.get("title", ""))
    about = set(tokens(title.split(" > ")[0] if doc else f"{title} {chunk.get('heading', '')}"))
    return len(set(terms) & about) / max(len(set(terms)), 1)


def find_operations(
    retriever: Any, phrases: Sequence[str], spec: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """The operation each phrase asks for ("cancelling the order" -> DELETE /store/order/{id})."""
    if not spec:
        return []
    by_id = {f"api:{op['id']}": op for op in spec["operations"]}
    chosen: list[dict[str, Any]] = []
    for phrase in phrases:
        verb = (phrase.split() or [""])[0].lower()
        method = next((m for m, stems in _METHOD_VERBS.items() if verb.startswith(stems)), None)
        # Words the spec never uses ("available" is only an enum value there) cannot count.
        terms = [
            t for t in tokens(phrase) if not verb.startswith(t[:4]) and t in retriever.vocabulary
        ]
        best, best_score = None, 0.0
        for chunk, score in retriever.search(phrase, k=12, kinds={"api"}):
            op = by_id.get(chunk["id"])
            if op is None or retriever.coverage(terms, chunk) < API_LOW:
                continue
            score *= 2.0 if method and op["method"] == method else 1.0
            if score > best_score:
                best, best_score = op, score
        if best is not None and best not in chosen:
            chosen.append(best)
    return chosen


def by_tag(spec: Mapping, count: int, per_section: int) -> list[dict[str, Any]]:
    """An API-only brief that names no flow: one section per tag, operations in spec order."""
    groups: dict[str, list[Mapping]] = {}
    for op in spec["operations"]:
        tag = (op.get("tags") or [op["path"].strip("/").split("/")[0] or "API"])[0]
        groups.setdefault(str(tag), []).append(op)
    return [
        {
            "title": f"The {tag} operations" if not tag[:1].isupper() else f"{tag} operations",
            "notes": "",
            "required": False,
            "phrases": [],
            "passages": [],
            "operations": ops[:per_section],
        }
        for tag, ops in list(groups.items())[:count]
    ]
