"""The offline writer carries whole blocks of one passage, with the code that belongs to them."""

from __future__ import annotations

from ucop.content.carry import carry_over
from ucop.content.drafts import coverage_note, write_section
from ucop.content.excerpts import split_blocks

PASSAGE = {
    "n": 3,
    "id": "kb:docs/a.md#x",
    "kind": "kb",
    "markdown": """Call `accept()` first. The default timeout
is 20 seconds.

To greet the client, write:

```python
async def endpoint(socket):
    await socket.accept()
```

* one item
* two items

A closing remark with more words in it.

```python
routes = [
    ...
    Mount("/x", app=app)
]
```
""",
}


def test_blocks_are_copied_whole_in_order_with_their_code_and_one_citation():
    text = carry_over(PASSAGE, words=200, code=1)
    blocks = split_blocks(text)
    assert blocks[0] == "Call `accept()` first. The default timeout is 20 seconds. [3]"
    assert blocks[1] == "To greet the client, write:"
    assert blocks[2].startswith("```python\nasync def endpoint")
    assert blocks[3] == "* one item\n* two items"
    assert text.count("[3]") == 1
    # The second example does not compile ("..."): it is left out, and nothing after it.
    assert "Mount" not in text


def test_a_lead_in_without_its_code_is_dropped():
    text = carry_over(PASSAGE, words=200, code=0)
    assert "write:" not in text and "```" not in text
    assert text == "Call `accept()` first. The default timeout is 20 seconds. [3]"


def test_the_word_budget_stops_at_a_block_boundary_never_inside_a_paragraph():
    text = carry_over(PASSAGE, words=5, code=0)
    assert text == "Call `accept()` first. The default timeout is 20 seconds. [3]"


def test_a_fragment_is_shown_as_text_when_code_is_needed_and_none_compiles():
    passage = {**PASSAGE, "markdown": PASSAGE["markdown"].split("* one")[1]}
    passage["markdown"] = "Intro words for the example here.\n\n" + passage["markdown"]
    text = carry_over(passage, words=3, code=2, need_code=True)
    assert "```text\nroutes = [" in text  # shown, but not passed off as runnable Python
    assert "```python" not in text


def test_an_uncovered_section_gets_a_note_not_filler():
    section = {"title": "Store sessions in Redis", "coverage": "none", "missing": ["Redis"]}
    text = write_section({"section": section, "passages": [PASSAGE]})
    assert text == coverage_note(section)
    assert text.startswith("> **Not covered by the sources:**") and "Redis" in text
    assert "accept" not in text


def test_api_passages_are_introduced_in_the_brief_s_words():
    passage = {
        "n": 1,
        "id": "api:getOrder",
        "kind": "api",
        "text": "GET /store/order/{id} — Find purchase order by ID.\nParameter id (path, required)",
    }
    section = {"title": "Check the order", "coverage": "covered", "phrases": ["checking the order"]}
    text = write_section({"section": section, "passages": [passage], "operations": []})
    assert text.startswith(
        "Checking the order: call `GET /store/order/{id}` (find purchase order by ID). [1]"
    )
    assert "- Parameter id (path, required)" in text


def test_citation_numbers_never_touch_code():
    from ucop.agents.writers import keep_valid_citations
    from ucop.article.citations import Citations

    text = "Use `items[2]` here [1].\n\n```python\nprint(args[2], args[1])\n```\n\nMore [2]."
    cites = Citations({"a": {"source": "a.md"}, "b": {"source": "b.md"}})
    cites.renumber("first [1] second [2]", ["x", "a"])
    renumbered = cites.renumber(text, ["a", "b"])
    assert "print(args[2], args[1])" in renumbered and "`items[2]`" in renumbered
    assert renumbered.startswith("Use `items[2]` here [2].") and renumbered.endswith("More [3].")
    kept = keep_valid_citations(text, 1)
    assert "print(args[2], args[1])" in kept and "`items[2]`" in kept
    assert kept.endswith("More .")


def _kb(n: int, heading: str, text: str, source: str = "docs/a.md") -> dict:
    return {
        "n": n,
        "id": f"kb:{source}#{n}",
        "kind": "kb",
        "level": 2,
        "heading": heading,
        "title": f"Guide > {heading}",
        "source": source,
        "markdown": text,
        "text": text,
    }


def test_a_heading_split_over_two_passages_is_shown_once_and_each_named_topic_gets_its_own():
    section = {"title": "EchoResponse and PingResponse", "coverage": "covered", "phrases": []}
    passages = [
        _kb(1, "EchoResponse", "Returns the request body as the response body, unchanged."),
        _kb(2, "Writing echo handlers", "An echo handler reads the body and writes it back."),
        _kb(3, "Writing echo handlers", "A second part of the same docs section, continued."),
        _kb(4, "PingResponse", "Returns an empty response with a 204 status code."),
    ]
    text = write_section({"section": section, "passages": passages, "others": []})
    assert "### EchoResponse" not in text  # the title's first name: the section's own start
    assert text.count("### Writing echo handlers") == 1
    assert "(Guide)" not in text  # not twins on two pages: one heading, continued
    assert "### PingResponse" in text


def test_a_name_an_earlier_passage_of_the_section_defines_needs_no_note():
    section = {"title": "Routing", "coverage": "covered", "phrases": []}
    passages = [
        _kb(
            1,
            "Routes",
            "Each route maps a path to an endpoint:\n\n```python\n"
            "async def home(request):\n    return 'home'\n```\n",
        ),
        _kb(
            2,
            "Route lists",
            "A list of routes is handed to the app:\n\n```python\n"
            "routes = [Route('/', home), Route('/about', about)]\n```\n",
        ),
    ]
    text = write_section({"section": section, "passages": passages, "others": []})
    assert "*It uses `Route`, `about` from an earlier example in the docs.*" in text
    assert "`home`" not in text  # defined in the section's first snippet, just above


def test_a_lead_in_to_an_example_left_out_loses_only_its_own_sentence():
    page = (
        "Mounting splits a large routing table by prefix. You can also mount whole "
        "applications. For example...\n\n```python\nroutes = [Mount('/a', app=a)]\n```\n\n"
        "A second paragraph that stays, with enough words to count.\n"
    )
    text = carry_over({"n": 1, "id": "kb:m", "kind": "kb", "markdown": page}, words=80, code=0)
    assert "Mounting splits a large routing table by prefix." in text
    assert "You can also mount whole applications." in text
    assert "For example" not in text


def test_with_little_room_left_only_a_passage_named_for_the_topic_is_started():
    long = " ".join(["A call sends one request and waits for its reply."] * 12)
    section = {"title": "Making calls", "coverage": "covered", "phrases": []}
    passages = [
        _kb(1, "Making calls", long),
        _kb(2, "Body workflow", "The body is read lazily when the reply is streamed."),
        _kb(3, "Calls in bulk", "Several calls share one pool of connections."),
    ]
    # a tour of eight sections: 140 words each, 120 of them taken by the first passage
    text = write_section({"section": section, "passages": passages, "others": [{}] * 7})
    assert "read lazily" not in text  # its heading names nothing the section is about
    assert "### Calls in bulk" in text and "share one pool" in text


def test_the_introduction_opens_with_a_docs_paragraph_only_when_it_reads_as_one():
    from ucop.content.drafts import write_introduction

    base = {"title": "Replies in Tern", "audience": "Python developers", "sections": []}
    for first, shown in (
        ("Signature: `Reply(content, status_code=200)`", False),
        ("Tern is ready for today's web.", False),
        ("A reply carries a body, a status code and headers; every endpoint returns one.", True),
    ):
        text = write_introduction({**base, "passages": [_kb(1, "Reply", first)]})
        assert (first.rstrip(".") in text) is shown, first


def test_the_introduction_counts_the_steps_in_one_style():
    from ucop.content.drafts import write_introduction

    def steps(n: int) -> str:
        sections = [{"title": f"Part {i}", "scope": ""} for i in range(n)]
        text = write_introduction({"title": "Tern", "audience": "Developers", "sections": sections})
        return text.split("You will work through ")[1].split(":")[0]

    assert [steps(n) for n in (1, 5, 6, 9, 12)] == [
        "one step",
        "five steps",
        "six steps",
        "nine steps",
        "12 steps",
    ]


def test_an_operation_whose_description_repeats_its_summary_says_it_once():
    import json

    from ucop.content.drafts import write_code_explanations
    from ucop.content.excerpts import operation_text

    op = {"n": 1, "text": "DELETE /pet/{petId} — Deletes a pet\nDelete a pet.\nResponse 200: ok"}
    text = operation_text(op, "Delete a pet that was sold")
    assert text.startswith(
        "Delete a pet that was sold: call `DELETE /pet/{petId}` (deletes a pet). [1]"
    )
    assert text.lower().count("delete a pet.") == 0 and "- Response 200: ok" in text
    spec = {"id": "deletePet", "method": "DELETE", "path": "/pet/{petId}"}
    said = json.loads(
        write_code_explanations(
            {
                "operations": [
                    {**spec, "summary": "Deletes a pet", "description": "Delete a pet."},
                    {
                        **spec,
                        "id": "other",
                        "summary": "Deletes a pet",
                        "description": "The pet leaves the store for good.",
                    },
                ]
            }
        )
    )
    assert said == {
        "deletePet": "`DELETE /pet/{petId}`: deletes a pet.",
        "other": "`DELETE /pet/{petId}`: deletes a pet. The pet leaves the store for good.",
    }


def test_a_passage_named_like_its_section_keeps_its_heading_after_another_one():
    section = {"title": "Background tasks", "coverage": "covered", "wants_code": False}
    passages = [
        _kb(1, "Background", "Tern includes a class for in-process background work of all kinds."),
        _kb(2, "Background Task", "Used to add a single background task to a response object."),
        _kb(3, "BackgroundTasks", "Used to add multiple background tasks to a response object."),
    ]
    text = write_section({"section": section, "passages": passages, "others": []})
    assert text.index("### Background Task\n") < text.index("### BackgroundTasks\n\nUsed to add m")
    alone = write_section({"section": section, "passages": passages[2:], "others": []})
    assert "###" not in alone  # first, it needs no heading: the section's title says it
