"""Reading the brief: sentences, topics as whole phrases, detail, instructions, exclusions."""

from __future__ import annotations

import pytest

from ucop.content.reading import read_brief, split_items
from ucop.content.sentences import sentences


def titles(body: str) -> list[str]:
    return [t.title for t in read_brief(body).topics]


def test_a_sentence_ends_at_its_period_not_at_one_inside_code_brackets_or_e_g():
    text = (
        "Call `requests.get()` first (see the docs. They help). Use e.g. sessions. "
        'Say "Done. Next." then stop! Last one'
    )
    assert sentences(text) == [
        "Call `requests.get()` first (see the docs. They help).",
        "Use e.g. sessions.",
        'Say "Done. Next." then stop!',
        "Last one",
    ]


def test_a_parenthesised_list_is_detail_of_its_topic_not_topics():
    body = (
        "A tutorial covering Requests end to end: making a request, reading the response "
        "(text, encoding, binary and JSON content), authentication (basic, digest, OAuth) and "
        "event hooks."
    )
    topics = read_brief(body).topics
    assert [t.title for t in topics] == [
        "Making a request",
        "Reading the response",
        "Authentication",
        "Event hooks",
    ]
    assert topics[1].detail == ("text", "encoding", "binary", "JSON content")
    assert topics[2].detail == ("basic", "digest", "OAuth")


def test_items_that_start_with_how_keep_their_own_lists():
    body = (
        "A guide for people who use requests.get(): why a Session is faster, how to persist "
        "headers, cookies and auth across requests, how to set timeouts (connect and read), "
        "and how to stream a download with stream=True and iter_content."
    )
    assert titles(body) == [
        "Why a Session is faster",
        "Persist headers, cookies and auth across requests",
        "Set timeouts",
        "Stream a download with stream=True and iter_content",
    ]


def test_such_as_gives_detail_and_a_third_person_list_becomes_imperative():
    assert titles("Cover response classes such as JSONResponse and HTMLResponse.") == [
        "Response classes"
    ]
    body = "Explain, with code, how a shop adds a pet, updates it and finds pets by status or tags."
    assert titles(body) == ["Add a pet", "Update the pet", "Find pets by status or tags"]


@pytest.mark.parametrize(
    "request_about_form",
    [
        "Include short runnable examples.",
        "Readers know Python but not HTTP libraries.",
        "Every section should have a short runnable snippet.",
        "Use the spec's own examples where it has them.",
    ],
)
def test_requests_about_form_are_instructions_not_topics(request_about_form):
    asks = read_brief(f"Cover sessions and timeouts. {request_about_form}")
    assert [t.title for t in asks.topics] == ["Sessions", "Timeouts"]
    assert asks.instructions == (request_about_form,)


def test_code_is_asked_for_by_form_requests_too():
    assert read_brief("Cover sessions. Include short runnable examples.").code
    assert read_brief("Cover sessions. Every section should have a snippet.").code
    assert not read_brief("Cover sessions. Every code sample must be runnable.").code


def test_bullet_lists_and_front_matter_topics_are_topics_and_exclusions_are_read():
    body = (
        "What to cover:\n\n- Sessions: why they are faster\n- Timeouts\n\nLeave out proxies, SSL."
    )
    asks = read_brief(body, ("Event hooks",))
    assert [t.title for t in asks.topics] == ["Event hooks", "Sessions", "Timeouts"]
    assert asks.topics[1].detail == ("why they are faster",)
    assert asks.exclusions == ("proxies", "SSL")


def test_split_items_keeps_or_inside_an_item():
    assert split_items("finds pets by status or tags, reads the inventory") == [
        "finds pets by status or tags",
        "reads the inventory",
    ]


def test_an_and_between_the_objects_of_with_does_not_split_the_topic():
    body = "Show how to stream a large download with stream=True and iter_content."
    assert [t.phrase for t in read_brief(body).topics] == [
        "stream a large download with stream=True and iter_content"
    ]
    body = "Show how to find a pet with its tag and delete it."
    assert [t.phrase for t in read_brief(body).topics] == ["find a pet with its tag", "delete it"]
