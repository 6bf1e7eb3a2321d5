"""Carrying a passage whole: every code block in order, with its lead-in and what it needs."""

from __future__ import annotations

from ucop.content.carry import carry_over, page_imports

PAGE = """Streaming downloads keep memory flat. A long paragraph about why streaming matters,
how the connection stays open until the body is read, and what to watch for when you do it.

To stream a download, pass stream=True:

```python
r = requests.get(URL, stream=True)
```

Then read the body in chunks:

```python
with open(path, "wb") as fd:
    for chunk in r.iter_content(chunk_size=128):
        fd.write(chunk)
```

In a session, interactively:

```python
>>> s = requests.Session()
>>> s.get(URL)
```
"""


def passage(markdown: str, **extra):
    return {"n": 1, "id": "kb:p", "kind": "kb", "text": markdown, "markdown": markdown, **extra}


def test_every_code_block_comes_in_order_with_its_lead_in_past_the_prose_budget():
    text = carry_over(passage(PAGE), words=20, code=4)
    order = [text.index(s) for s in ("stream=True:", "stream=True)", "in chunks:", "iter_content")]
    assert order == sorted(order)
    assert text.count("```") == 6  # three blocks, none dropped
    assert "what to watch for" in text  # the first paragraph, whole


def test_a_code_budget_ends_the_excerpt_before_a_lead_in_dangles():
    text = carry_over(passage(PAGE), words=200, code=1)
    assert "stream=True)" in text and "iter_content" not in text
    assert "in chunks:" not in text  # its code is not carried, so neither is the lead-in


def test_a_snippet_opens_with_the_page_imports_it_needs_and_names_what_it_lacks():
    imports = page_imports(
        [{"source": "a.md", "code_blocks": [{"code": "import requests\nimport os\n"}]}], "a.md"
    )
    assert imports == ["import requests", "import os"]
    text = carry_over(passage(PAGE, imports=imports), words=200, code=1)
    assert "```python\nimport requests\n\nr = requests.get(URL, stream=True)\n```" in text
    assert "*It uses `URL` from an earlier example in the docs.*" in text
    assert "import os" not in text and "same page" not in text


def test_a_prompt_session_is_fenced_as_pycon():
    session = "In a session:\n\n```python\n>>> s = requests.Session()\n>>> s.get('x')\n```\n"
    assert "```pycon\n>>> s = requests.Session()" in carry_over(passage(session), words=50, code=2)


def test_what_an_earlier_snippet_of_the_excerpt_gives_is_neither_repeated_nor_noted():
    page = (
        "Make a session first:\n\n```python\ns = requests.Session()\n```\n\n"
        "Then give it credentials:\n\n"
        "```python\ns.auth = ('user', 'pass')\ns2 = requests.Session()\n```\n"
    )
    text = carry_over(passage(page, imports=["import requests"]), words=50, code=2)
    assert text.count("import requests") == 1  # at the top of the first snippet only
    assert "*" not in text.replace("**", "")  # no note at all: `s` is defined just above


def test_a_name_an_example_below_defines_is_said_to_be_below():
    page = (
        "Register a hook:\n\n```python\nhooks = {'response': log_url}\n```\n\n"
        "The hook itself:\n\n```python\ndef log_url(r, *args, **kwargs):\n    print(r.url)\n```\n"
    )
    text = carry_over(passage(page), words=50, code=2)
    assert "*`log_url` is defined just below.*" in text
    assert "earlier example" not in text


NAVIGATION = """Sessions keep cookies across requests, so a login sticks for later calls.

For uploading several files at once refer to the advanced section.

- A session reuses its connection pool. Check details in the advanced section.
- A session sends its default headers with every request.

Path parameters work the same as for plain routes, which can be found in the routing section above.

You should read [the adapters' documentation](https://example.org/adapters) for more details.

You can see that the cookie was sent by printing the response:

```python
print(r.text)
```

Ready for more? Check out the advanced section.
"""


def test_sentences_that_only_point_elsewhere_in_the_docs_are_dropped():
    text = carry_over(passage(NAVIGATION), words=200, code=1)
    assert "refer to the advanced section" not in text
    assert "Check details" not in text and "Ready for more" not in text
    assert "Check out" not in text
    # what has content stays, and so does a pointer the reader can follow (a link)
    assert "- A session reuses its connection pool.\n- A session sends" in text
    assert "[the adapters' documentation](https://example.org/adapters)" in text
    assert "You can see that the cookie was sent by printing the response" in text
    assert "print(r.text)" in text
    assert "Path parameters work the same as for plain routes." in text
    assert "routing section above" not in text


def test_a_name_the_page_never_defines_is_the_reader_s_or_the_library_s_not_an_earlier_one():
    page = "Save the body to a file:\n\n```python\nrouter = Mount(path)\nsave(r, filename)\n```\n"
    text = carry_over(passage(page, defined=["r", "save", "other"]), words=50, code=1)
    assert "*It uses `save`, `r` from an earlier example in the docs; `Mount`" in text
    assert "`Mount` is imported in none of the docs' examples" in text
    assert "`path`, `filename` are left to you: the docs do not define them" in text


def test_a_passage_two_sections_share_is_carried_in_two_parts():
    opening = carry_over(passage(PAGE, portion="opening"), words=200, code=4)
    assert opening.startswith("Streaming downloads keep memory flat.")
    assert opening.endswith("what to watch for when you do it. [1]")  # one paragraph, no code
    rest = carry_over(passage(PAGE, portion="rest"), words=200, code=4)
    assert rest.startswith("To stream a download, pass stream=True [1]:")
    assert "Streaming downloads keep memory flat" not in rest and rest.count("```") == 6


def test_an_example_shown_as_a_fragment_does_not_repeat_its_lead_in():
    page = (
        "Mount the files under a prefix, next to the other routes of the application.\n\n"
        "```python\nroutes = [\n    ...\n    Mount('/static', app=files)\n]\n```\n"
    )
    text = carry_over(passage(page), words=200, code=2, need_code=True)
    assert text.count("Mount the files under a prefix") == 1
    assert "```text\nroutes = [" in text


def test_a_short_lead_in_stays_with_its_list_and_a_stray_label_goes():
    page = (
        "A hook system lets you act on parts of the request process as they happen.\n\n"
        "Available hooks:\n\n- **`response`**: the response made from a request.\n\n"
        "More\n\nYou register a hook per request with the hooks parameter of any call."
    )
    text = carry_over(passage(page), words=200, code=0)
    assert "Available hooks:\n\n- **`response`**" in text
    assert "\n\nMore\n\n" not in text


def test_an_aside_pointing_further_down_the_docs_goes_and_its_sentence_stays():
    page = (
        "- `receive` and `send` exchange event messages with the server — more on this below.\n"
        "- `scope` holds what the server knows about the connection (see below).\n\n"
        "A class is the most common way to write one; more on that later."
    )
    text = carry_over(passage(page), words=200, code=0)
    assert "- `receive` and `send` exchange event messages with the server." in text
    assert "- `scope` holds what the server knows about the connection." in text
    assert "A class is the most common way to write one. [1]" in text
    assert "below" not in text and "later" not in text
