"""Reading the brief: topics in order, pronouns resolved, exclusions, code asked for."""

from __future__ import annotations

from ucop.content.planning import merge_to_fit, plan_topics
from ucop.content.reading import read_exclusions, read_topics, wants_code


def test_topics_in_the_order_the_brief_names_them_with_pronouns_resolved():
    body = (
        "Some context first. Show how to accept a WebSocket connection, exchange messages, "
        "close it cleanly, route it, and test it. Leave out deployment and authentication."
    )
    assert [t.title for t in read_topics(body)] == [
        "Accept a WebSocket connection",
        "Exchange messages",
        "Close the WebSocket connection cleanly",
        "Route the WebSocket connection",
        "Test the WebSocket connection",
    ]
    assert read_exclusions(body) == ["deployment", "authentication"]


def test_a_list_of_subjects_with_a_trailing_qualifier():
    body = "Cover routing, requests, the test client and the thread pool, each with an example."
    titles = [t.title for t in read_topics(body)]
    assert titles == ["Routing", "Requests", "The test client", "The thread pool"]
    assert wants_code(body)


def test_a_flow_keeps_its_objects():
    body = "Walk through finding an available pet, placing an order for it and cancelling it."
    assert [t.resolved for t in read_topics(body)] == [
        "finding an available pet",
        "placing an order for the available pet",
        "cancelling the order",
    ]


def test_code_is_asked_for_only_by_an_ask():
    assert wants_code("How to test the endpoint, with code.")
    assert not wants_code("Every code sample must be runnable Python.")
    assert not wants_code("Explain where rate limiting fits.")


def test_topics_join_the_required_section_that_covers_them_and_follow_the_brief():
    topics = read_topics("Show how to accept a connection, close it and test it.")
    required = [
        {"title": "Test with the client", "notes": "How to test the endpoint."},
        {"title": "Accept and send", "notes": "How an endpoint starts and writes messages."},
    ]
    drafts = plan_topics(topics, required, 3)
    assert [d["title"] for d in drafts] == [
        "Accept and send",
        "Close the connection",
        "Test with the client",
    ]


def test_too_many_topics_merge_where_they_share_a_call():
    order = {"path": "/store/order/{id}"}
    drafts = [
        {
            "title": "Find a pet",
            "raw": ["find a pet"],
            "required": False,
            "phrases": ["a"],
            "operations": [{"path": "/pet"}],
        },
        {
            "title": "Check the order",
            "raw": ["check the order"],
            "required": False,
            "phrases": ["b"],
            "operations": [order],
        },
        {
            "title": "Cancel the order",
            "raw": ["cancel it"],
            "required": False,
            "phrases": ["c"],
            "operations": [order],
        },
    ]
    merged = merge_to_fit(drafts, 2)
    assert [d["title"] for d in merged] == ["Find a pet", "Check the order and cancel it"]
    assert merged[1]["phrases"] == ["b", "c"]
