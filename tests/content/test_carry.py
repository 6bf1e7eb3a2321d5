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


def test_the_page_imports_a_snippet_needs_are_named_and_names_from_before_too():
    imports = page_imports(
        [{"source": "a.md", "code_blocks": [{"code": "import requests\nimport os\n"}]}], "a.md"
    )
    assert imports == ["import requests", "import os"]
    text = carry_over(passage(PAGE, imports=imports), words=200, code=1)
    assert (
        "*It needs `import requests` from the same page; `URL` comes from an earlier example.*"
        in text
    )
    assert "import os" not in text


def test_a_prompt_session_is_fenced_as_pycon():
    session = "In a session:\n\n```python\n>>> s = requests.Session()\n>>> s.get('x')\n```\n"
    assert "```pycon\n>>> s = requests.Session()" in carry_over(passage(session), words=50, code=2)


def test_what_a_note_named_once_is_not_named_again_in_the_same_excerpt():
    page = (
        "First:\n\n```python\ns = requests.Session()\n```\n\n"
        "Then:\n\n```python\ns2 = requests.Session()\n```\n"
    )
    text = carry_over(passage(page, imports=["import requests"]), words=50, code=2)
    assert text.count("`import requests`") == 1
