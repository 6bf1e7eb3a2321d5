"""A section's takeaway: the sentence of its own text that states its point, with its citation."""

from __future__ import annotations

from ucop.content.drafts import write_conclusion
from ucop.content.takeaways import takeaway

TIMEOUTS = """Most calls to a remote server should carry a limit, in case it never answers. [1]
By default, calls do not time out unless a timeout value is set explicitly.

This means your code may hang for minutes.

```python
get(URL, timeout=5)
```

### Connect and read

The connect timeout is the number of seconds the client waits for a connection. [2]
"""


def test_the_sentence_that_says_most_of_the_title_is_the_point():
    point = takeaway({"title": "Set timeouts"}, TIMEOUTS, ["kb:a#t", "kb:a#c"])
    assert point == {
        "text": "By default, calls do not time out unless a timeout value is set explicitly.",
        "source": "kb:a#t",  # the marker of the paragraph it stands in
    }


def test_a_sentence_under_a_heading_cites_that_heading_s_passage():
    point = takeaway({"title": "Connect timeout seconds"}, TIMEOUTS, ["kb:a#t", "kb:a#c"])
    assert point is not None and point["source"] == "kb:a#c"
    assert point["text"].startswith("The connect timeout is the number of seconds")


def test_sentences_that_lean_on_another_or_point_at_code_are_not_taken():
    text = (
        "This means the session is closed for you at the end of the block. [1]\n\n"
        "However, sessions keep their cookies between the calls you make.\n\n"
        "Takes some text or bytes and returns a plain session response.\n\n"
        "You can open a session like this:\n\n```python\ns = Session()\n```\n\n"
        "A session keeps one connection open per host and reuses it."
    )
    point = takeaway({"title": "Sessions"}, text, ["kb:s"])
    assert point == {
        "text": "A session keeps one connection open per host and reuses it.",
        "source": "kb:s",
    }
    assert takeaway({"title": "Sessions"}, text, ["kb:s"], avoid=[point["text"]]) is None


def test_without_a_citable_sentence_there_is_no_takeaway():
    assert takeaway({"title": "Sessions"}, "A session keeps one connection open.", []) is None
    assert takeaway({"title": "Sessions"}, "```python\ns = Session()\n```", ["kb:s"]) is None


def test_the_conclusion_lists_points_not_titles():
    sections = [
        {"title": "Set timeouts", "takeaway": "Calls never time out by default. [1]"},
        {"title": "Persist cookies", "takeaway": "", "highlights": ["`Session.cookies`"]},
        {"title": "Redis", "coverage": "none", "takeaway": "Not said. [2]"},
    ]
    text = write_conclusion({"title": "Sessions with Requests", "sections": sections})
    lines = text.splitlines()
    assert lines[lines.index("What to take away:") + 2 :] == [
        "- Calls never time out by default. [1]",
        "",
        "Still to write: *Redis* (not in the sources).",
    ]
    assert "Persist cookies" not in text and "Session.cookies" not in text
