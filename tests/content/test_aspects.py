"""A topic that names several aspects gets a passage for each one the sources have, and the
draft shows each of them, not only the first ("binary and JSON content" of a response)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ucop.content.aspects import aspects, leads
from ucop.content.drafts import write_section
from ucop.content.plan import plan_sections
from ucop.content.reading import read_brief
from ucop.sources import Retriever, load_kb

GUIDE = """# Guide

## Query strings

Give the query string as a dictionary with the `params` keyword; the client encodes the
URL parameters for you and appends them after the question mark.

```python
reply = client.fetch("https://example.org/items", params={"page": 2})
```

A value may be a list: each item is sent under the same key, in order, so a filter on
several tags is one dictionary. A key whose value is None is left out of the URL, which
lets one dictionary serve calls with and without a filter. Keys and values are encoded as
UTF-8 and escaped, so spaces, slashes and non-ASCII letters arrive as the server expects
them. The parameters are merged with any query string the URL already has, never replaced,
and their order follows the dictionary's. When you need the exact URL that was sent, for a
log line or a cache key, read it back from the reply once the call returns; it shows the
parameters as the server received them, escaped and in order, with the path and the host.
Parameters may also be given as a list of pairs when a key repeats and order matters more
than the convenience of a dictionary, which some search services require.

## Response Content

Read the body of the server's reply as text with `reply.text`. The client guesses the
encoding from the headers, and you can change the encoding before you read the text.

```python
print(reply.text)
```

## Binary Response Content

For images and archives, read the body as bytes with `reply.content`; compressed
transfers are decoded for you before you see the bytes.

```python
data = reply.content
```

## JSON Response Content

The client decodes JSON bodies with `reply.json()`. When the body is not valid JSON the
call raises an exception, so check for errors before you decode the body.

```python
items = reply.json()
```

## Timeouts

Give every call a timeout in seconds; without one, a call to a server that never answers
waits forever, and the timeout raises an exception you can catch.

## Errors and Exceptions

A refused connection raises a connection error; every error the client raises is an
exception of one base class, so one `except` clause catches them all.
"""

BODY = (
    "A tutorial covering the client: passing URL parameters, reading the response (text, "
    "encoding, binary and JSON content), timeouts, errors and exceptions."
)


@pytest.fixture
def retriever(tmp_path: Path) -> Retriever:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "guide.md").write_text(GUIDE)
    return Retriever(load_kb(kb, tmp_path))


def headings(draft) -> list[str]:
    return [chunk["heading"] for chunk, _ in draft["passages"]]


def test_each_aspect_in_a_topic_s_detail_gets_the_passage_named_for_it(retriever):
    drafts = plan_sections(read_brief(BODY), [], 2, retriever, None, BODY, [])
    reading = next(d for d in drafts if "reading the response" in d["title"].lower())
    assert headings(reading)[-3:] == [
        "Response Content",
        "Binary Response Content",
        "JSON Response Content",
    ]
    others = [h for d in drafts if d is not reading for h in headings(d)]
    assert "JSON Response Content" not in others  # its heading names no word of theirs


def test_the_draft_shows_every_aspect_s_passage_past_the_word_budget(retriever):
    drafts = plan_sections(read_brief(BODY), [], 2, retriever, None, BODY, [])
    reading = next(d for d in drafts if "reading the response" in d["title"].lower())
    passages = [
        {**chunk, "n": n, "markdown": chunk.get("markdown") or chunk["text"]}
        for n, (chunk, _) in enumerate(reading["passages"], start=1)
    ]
    section = {**reading, "wants_code": True, "coverage": "covered"}
    assert [p["heading"] for p in leads(section, passages)] == [
        "Query strings",
        "Response Content",
        "Binary Response Content",
        "JSON Response Content",
    ]
    # a long tour (nine other sections): the budget is half a section, yet each aspect shows
    text = write_section({"section": section, "passages": passages, "others": [{}] * 9})
    for heading, code in (
        ("### Binary Response Content", "data = reply.content"),
        ("### JSON Response Content", "items = reply.json()"),
    ):
        assert heading in text and code in text
    assert text.index("reply.text") < text.index("reply.content") < text.index("reply.json()")


def test_aspects_are_the_items_of_the_phrases_and_their_detail():
    section = {"phrases": ["POSTing form data", "JSON and multipart files"], "detail": []}
    assert aspects(section) == [["post", "form", "data"], ["json"], ["multipart", "file"]]
    assert aspects({"phrases": ["sessions"], "detail": []}) == []  # one aspect: no leads


STREAMING = """# Client

## Streaming lines

Iterate over a large streaming download line by line with `iter_lines()` after asking for
a stream with `stream=True`; `iter_content()` and `iter_lines()` both take a decode flag,
and a long paragraph here explains the flag, the encoding fallback and keep-alive lines.

```python
reply = client.fetch(URL, stream=True)
for line in reply.iter_lines():
    print(line)
```

## Raw body

For a download, keep the body out of memory and write it in chunks as it streams:

```python
with open(path, "wb") as out:
    for chunk in reply.iter_content(chunk_size=128):
        out.write(chunk)
```

## Cookies

Cookies set by the server are kept on the reply and sent back on the next call.
"""


def test_a_call_the_brief_names_gets_the_passage_whose_example_makes_it(tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "client.md").write_text(STREAMING)
    retriever = Retriever(load_kb(kb, tmp_path))
    body = "Show how to stream a large download with stream=True and iter_content."
    drafts = plan_sections(read_brief(body), [], 1, retriever, None, body, [])
    assert headings(drafts[0]) == ["Streaming lines", "Raw body"]
    passages = [
        {**chunk, "n": n, "markdown": chunk.get("markdown") or chunk["text"]}
        for n, (chunk, _) in enumerate(drafts[0]["passages"], start=1)
    ]
    section = {**drafts[0], "wants_code": False, "coverage": "covered"}
    assert [p["heading"] for p in leads(section, passages)] == ["Streaming lines", "Raw body"]


ERRORS = """# Errors

An error handler returns a response with the status code and headers you choose, so a
missing page can set the status code to 404 and add headers that say why.
"""

COOKIES = """# Replies

## Set Cookie

A reply can set a cookie on the client with `set_cookie(key, value)`, with an optional
expiry and path.

## Streaming

A reply can stream its body from a generator.
"""


def test_each_item_of_a_listing_phrase_gets_the_passage_headed_by_it(tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "errors.md").write_text(ERRORS)
    (kb / "replies.md").write_text(COOKIES)
    retriever = Retriever(load_kb(kb, tmp_path))
    body = (
        "A guide covering replies: how to stream a reply, how to set headers, cookies and the"
        " status code, and how errors are handled."
    )
    drafts = plan_sections(read_brief(body), [], 3, retriever, None, body, [])
    (setting,) = [d for d in drafts if "how to set headers, cookies" in " ".join(d["phrases"])]
    assert "Set Cookie" in headings(setting)
