"""Planning: exactly the sections asked, from the brief's topics, with passages assigned as a whole.

A small knowledge base of real Markdown files, loaded and indexed as a run does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ucop.content.plan import plan_sections
from ucop.content.reading import read_brief
from ucop.sources import Retriever, load_kb

SESSIONS = """# Sessions

## Session objects

A Session object keeps cookies across requests and reuses pooled connections, so a
script that calls one API many times gets faster with a Session object.

```python
import requests

session = requests.Session()
session.get("https://example.org/")
```

## Keep-alive connections

Keep-alive connections stay open between requests of a session: the pool hands the
same keep-alive connection to the next request, with no new handshake.

## Session cookies

Cookies set by a server are stored on the session and sent again with later requests.
"""

TIMEOUTS = """# Timeouts

## Connect and read timeouts

A timeout is given as one number or as a tuple of the connect timeout and the read
timeout. Without a timeout a request may wait forever for a slow server.
"""

RESPONSES = """# Responses

## PlainTextResponse

The PlainTextResponse class returns plain text to the client, with a text content type.

## HTMLResponse

The HTMLResponse class returns an HTML page to the client, with an HTML content type.
"""


@pytest.fixture
def retriever(tmp_path: Path) -> Retriever:
    kb = tmp_path / "kb"
    kb.mkdir()
    for name, text in (("sessions", SESSIONS), ("timeouts", TIMEOUTS), ("responses", RESPONSES)):
        (kb / f"{name}.md").write_text(text)
    return Retriever(load_kb(kb, tmp_path))


def plan(retriever, body: str, count: int, required=()):
    warnings: list[dict[str, str]] = []
    subject = f"Sessions, keep-alive connections and timeouts. {body}"
    drafts = plan_sections(
        read_brief(body), list(required), count, retriever, None, subject, warnings
    )
    return drafts, warnings


def ids(draft) -> list[str]:
    return [chunk["id"].split("#")[1] for chunk, _ in draft["passages"]]


def test_more_topics_than_asked_merge_into_exactly_that_many(retriever):
    body = "Cover session objects, keep-alive connections and timeouts."
    drafts, warnings = plan(retriever, body, 2)
    assert [d["title"] for d in drafts] == [
        "Session objects and keep-alive connections",
        "Timeouts",
    ]
    assert warnings == []


def test_a_topic_whose_detail_names_things_opens_into_one_section_each(retriever):
    body = "Cover the response classes (PlainTextResponse, HTMLResponse) and timeouts."
    drafts, _ = plan(retriever, body, 3)
    assert [d["title"] for d in drafts] == ["PlainTextResponse", "HTMLResponse", "Timeouts"]
    assert ids(drafts[0]) == ["plaintextresponse"] and ids(drafts[1]) == ["htmlresponse"]


def test_fewer_topics_are_topped_up_from_their_own_pages_then_a_warning(retriever):
    drafts, warnings = plan(retriever, "Cover session objects.", 2)
    assert [d["title"] for d in drafts] == ["Session objects", "Keep-alive connections"]
    assert warnings == []
    assert all(c["source"].endswith("sessions.md") for d in drafts for c, _ in d["passages"])
    drafts, warnings = plan(retriever, "Cover session objects.", 9)
    assert len(drafts) < 9
    assert [w["kind"] for w in warnings] == ["sections_short"]


def test_a_passage_goes_to_the_section_it_is_about_whatever_the_order(retriever):
    # Planned first, "Sessions" would take every passage about sessions if claimed greedily.
    body = "Cover sessions, keep-alive connections and session cookies."
    drafts, _ = plan(retriever, body, 3)
    assert [d["title"] for d in drafts] == ["Sessions", "Keep-alive connections", "Session cookies"]
    assert ids(drafts[1]) == ["keep-alive-connections"]
    assert ids(drafts[2]) == ["session-cookies"]
    assert "keep-alive-connections" not in ids(drafts[0])
    assert "session-cookies" not in ids(drafts[0])


def test_a_topic_no_source_explains_is_a_warning_not_a_section(retriever):
    drafts, warnings = plan(retriever, "Cover session objects and Redis clusters.", 1)
    assert [d["title"] for d in drafts] == ["Session objects"]
    assert [(w["kind"], w.get("topic")) for w in warnings] == [
        ("uncovered_topic", "Redis clusters")
    ]


def test_a_passage_two_sections_hold_stays_with_the_one_that_has_least_else():
    from ucop.content.assign import unshare

    def chunk(name):
        return {"id": f"kb:a.md#{name}", "source": "a.md", "title": "", "heading": name, "text": ""}

    objects, pooling, keepalive = chunk("objects"), chunk("pooling"), chunk("keep-alive")
    reuse = {"title": "Reuse", "passages": [(objects, 1.0), (pooling, 1.0), (keepalive, 1.0)]}
    persist = {"title": "Persist", "passages": [(objects, 1.0)]}
    lone = {"title": "Lone", "passages": [(keepalive, 1.0)]}
    unshare([reuse, persist, lone])
    assert [c["heading"] for c, _ in persist["passages"]] == ["objects"]
    assert [c["heading"] for c, _ in lone["passages"]] == ["keep-alive"]
    # the first share leaves Reuse two passages; the second would leave it one: it stays
    assert [c["heading"] for c, _ in reuse["passages"]] == ["pooling", "keep-alive"]
    assert "portions" not in reuse and "portions" not in persist


def test_a_heading_s_opening_is_not_taken_from_the_section_that_holds_its_continuation():
    from ucop.content.assign import unshare

    def chunk(anchor, heading):
        title = f"Advanced > {heading}"
        return {"id": f"kb:a.md#{anchor}", "source": "a.md", "title": title, "heading": heading}

    objects, rest = chunk("objects", "Objects"), chunk("objects-2", "Objects")
    keepalive = chunk("keep-alive", "Keep-Alive")
    reuse = {"title": "Reuse", "passages": [(objects, 1.0), (rest, 1.0), (keepalive, 1.0)]}
    persist = {"title": "Persist", "passages": [(objects, 1.0)]}
    unshare([reuse, persist])
    # Reuse would open mid-heading with `objects-2`: both keep `objects`, Reuse its opening
    # paragraph, Persist the rest of it.
    assert [c["id"] for c, _ in reuse["passages"]] == [objects["id"], rest["id"], keepalive["id"]]
    assert [c["id"] for c, _ in persist["passages"]] == [objects["id"]]
    assert reuse["portions"] == {objects["id"]: "opening"}
    assert persist["portions"] == {objects["id"]: "rest"}
