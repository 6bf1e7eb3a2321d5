"""Reading JSON out of sloppy answers: fences, prose around it, citations, object wrappers."""

from __future__ import annotations

import json

import pytest

from ucop.agents.code import parse_explanations
from ucop.agents.json_answer import find_json, sections_list
from ucop.agents.outline import parse_outline
from ucop.errors import UnusableOutput

PLAN = [{"title": "Signing", "scope": "HMAC."}, {"title": "Retries", "scope": "Backoff."}]


@pytest.mark.parametrize(
    "answer",
    [
        json.dumps(PLAN),
        f"Sure! Here it is:\n```json\n{json.dumps(PLAN)}\n```\nAsk about item [1] anytime.",
        f"See [1] and [2] first. {json.dumps(PLAN)} Hope this helps [3].",
        json.dumps({"sections": PLAN}),
        f"```\n{json.dumps({'sections': PLAN}, indent=2)}\n```",
    ],
)
def test_outline_is_read_from_every_wrapping(answer: str) -> None:
    plan = parse_outline(answer, 4, [])
    assert [(p["title"], p["scope"]) for p in plan] == [
        ("Signing", "HMAC."),
        ("Retries", "Backoff."),
    ]


def test_outline_keeps_required_sections_first_and_cuts_at_the_count() -> None:
    required = [{"title": "Retries", "notes": ""}]
    answer = json.dumps(PLAN + [{"title": "Extra", "scope": ""}, {"title": "Cut", "scope": ""}])
    plan = parse_outline(answer, 3, required)
    assert [p["title"] for p in plan] == ["Retries", "Signing", "Extra"]
    assert plan[0]["scope"] == "Backoff." and plan[0]["required"]


def test_prose_without_a_list_is_unusable_unless_sections_are_required() -> None:
    with pytest.raises(UnusableOutput):
        parse_outline("I would write about signing and retries.", 3, [])
    plan = parse_outline("I would write about signing.", 3, [{"title": "A", "notes": ""}])
    assert [p["title"] for p in plan] == ["A"]


def test_explanations_skip_unrelated_objects_before_the_answer() -> None:
    parse = parse_explanations(["listTasks", "getTask"])
    answer = 'Example body: {"name": "x"}. Answer:\n```json\n{"listTasks": "Lists them."}\n```'
    assert parse(answer) == {"listTasks": "Lists them."}
    with pytest.raises(UnusableOutput):
        parse("Both requests fetch tasks.")


def test_an_explanation_must_be_words_about_its_own_call() -> None:
    """SmolLM2 explained the bundled example's test delivery with "POST /tasks"."""
    ops = [
        {"id": "sendTest", "method": "POST", "path": "/webhooks/{webhook_id}/test"},
        {"id": "getTask", "method": "GET", "path": "/tasks/{task_id}"},
    ]
    parse = parse_explanations(["sendTest", "getTask"], ops)
    answer = {
        "sendTest": "POST /tasks",  # no words, and another call
        "getTask": "Reads one task back with `GET /tasks/{id}` to see its status.",
    }
    assert parse(json.dumps(answer)) == {"getTask": answer["getTask"]}
    wrong = {"sendTest": "Creates a task with POST /tasks so the hook fires."}
    with pytest.raises(UnusableOutput, match="explained none"):
        parse(json.dumps(wrong))


def test_an_explanation_names_only_its_own_operation_s_things() -> None:
    """SmolLM2 explained the bundled example's POST /tasks with the test delivery's words."""
    ops = [
        {
            "id": "createTask",
            "method": "POST",
            "path": "/tasks",
            "summary": "Create a task",
            "parameters": [{"name": "Idempotency-Key", "in": "header"}],
        },
        {
            "id": "getWebhook",
            "method": "GET",
            "path": "/webhooks/{webhook_id}",
            "parameters": [{"name": "webhook_id", "in": "path"}],
        },
    ]
    parse = parse_explanations(["createTask", "getWebhook"], ops)
    borrowed = (
        "Create a task with an id of {id} that is sent by the server to the specified "
        "webhooks service. The response includes a `ping` event to the provided URL."
    )
    own = "Reads one subscription back by its `webhook_id` with `GET /webhooks/{id}`."
    assert parse(json.dumps({"createTask": borrowed, "getWebhook": own})) == {"getWebhook": own}
    for quoted in ("a `ping` event", "the task {id}"):
        with pytest.raises(UnusableOutput, match="explained none"):
            parse(json.dumps({"createTask": f"Creates a task from {quoted} you send."}))
    keyed = "`POST /tasks`: create a task; send an `Idempotency-Key` to make a retry safe."
    assert parse(json.dumps({"createTask": keyed})) == {"createTask": keyed}


def test_find_json_and_sections_list_edges() -> None:
    assert find_json("no json here", lambda v: True) is None
    assert find_json("[1] then {broken", lambda v: isinstance(v, dict)) is None
    assert sections_list({"a": [1], "b": [2]}) is None
    assert sections_list({"items": [1]}) == [1]


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        ("[" * 50_000 + "]" * 50_000, "nested 50,000 levels deep"),
        ('{"a": ' * 40 + "1" + "}" * 40, "nested 40 levels deep"),
        ("[" + ", ".join(['"x"'] * 200_000) + "]", "characters; a JSON answer may have"),
    ],
)
def test_json_too_deep_or_too_big_is_unusable_not_a_crash(answer: str, named: str) -> None:
    with pytest.raises(UnusableOutput, match=named):
        parse_outline(answer, 4, [])
    with pytest.raises(UnusableOutput, match=named):
        parse_explanations(["a"])(answer)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    title = "[" * 100 + "]" * 100
    plan = parse_outline(json.dumps([{"title": title, "scope": "x"}]), 4, [])
    assert plan[0]["title"] == title[:120]
