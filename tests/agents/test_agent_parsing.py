"""Robust parsing of model answers, citations and front matter mapping."""

from __future__ import annotations

import datetime as dt

import pytest

from ucop.agents.code import parse_explanations
from ucop.agents.outline import parse_outline
from ucop.agents.writers import keep_valid_citations, parse_prose
from ucop.article.citations import Citations
from ucop.article.frontmatter import article_filename, front_matter
from ucop.brief import slugify
from ucop.errors import OutputError, UnusableOutput
from ucop.files import inside

REQUIRED = [{"title": "Verify signatures", "notes": "HMAC"}]


def test_outline_from_a_json_list_of_objects_keeps_required_first():
    text = (
        'Sure! ```json\n[{"title": "Events", "scope": "Which events"}, {"title": "Payload"}]\n```'
    )
    plan = parse_outline(text, 3, REQUIRED)
    assert [p["title"] for p in plan] == ["Verify signatures", "Events", "Payload"]
    assert plan[1]["scope"] == "Which events" and plan[0]["required"] and not plan[1]["required"]


def test_outline_from_a_json_list_of_strings_and_from_markdown():
    assert [p["title"] for p in parse_outline('["A", "B"]', 5, [])] == ["A", "B"]
    markdown = "Here is the plan:\n1. **Events** - which events exist\n2. Payload\n- Testing\n"
    plan = parse_outline(markdown, 5, [])
    assert [p["title"] for p in plan] == ["Events", "Payload", "Testing"]
    assert plan[0]["scope"] == "which events exist"


def test_outline_respects_the_count_and_drops_duplicates_of_required_titles():
    plan = parse_outline('["verify signatures", "A", "B", "C"]', 3, REQUIRED)
    assert [p["title"] for p in plan] == ["Verify signatures", "A", "B"]


def test_an_outline_with_no_titles_is_unusable_and_retried():
    with pytest.raises(UnusableOutput):
        parse_outline("I cannot help with that.", 3, [])


def test_prose_strips_fences_and_headings_and_rejects_scraps():
    assert parse_prose("```markdown\n## Title\n\nSome real text with enough words in it.\n```") == (
        "Some real text with enough words in it."
    )
    with pytest.raises(UnusableOutput):
        parse_prose("OK.")


def test_invented_citations_are_dropped():
    assert keep_valid_citations("A [1] B [7] C [2]", 2) == "A [1] B  C [2]"


def test_explanations_parser_keeps_only_requested_ids():
    parse = parse_explanations(["listTasks"])
    assert parse('{"listTasks": "Lists the tasks.", "other": "x"}') == {
        "listTasks": "Lists the tasks."
    }
    with pytest.raises(UnusableOutput):
        parse('{"listTasks": 1}')  # a number explains nothing
    with pytest.raises(UnusableOutput):
        parse("not json")
    with pytest.raises(UnusableOutput):
        parse('{"other": "x"}')


def test_citations_are_numbered_once_across_parts(tmp_path):
    chunks = {
        "kb:a#x": {"source": "kb/a.md", "title": "A > X"},
        "kb:b#y": {"source": "kb/b.md", "title": "B > Y", "url": "https://docs.example/b/#y"},
    }
    cites = Citations(chunks)
    first = cites.renumber("one [1] two [2]", ["kb:b#y", "kb:a#x"])
    second = cites.renumber("again [1] and [3] and [link](x)", ["kb:a#x"])
    assert first == "one [1] two [2]" and second == "again [2] and [3] and [link](x)"
    assert cites.order == ["kb:b#y", "kb:a#x"]
    assert cites.source_files() == ["kb/b.md", "kb/a.md"]
    listing = cites.render().splitlines()
    assert listing == ["1. [B > Y](https://docs.example/b/#y)", "2. A > X (`kb/a.md`)"]


def test_passages_of_one_source_section_share_one_entry_and_number():
    # A long heading is split into passages (`#timeouts`, `#timeouts-2`): one entry, one number.
    chunks = {
        "kb:a#s": {"source": "kb/a.md", "title": "A > Sessions"},
        "kb:a#s-2": {"source": "kb/a.md", "title": "A > Sessions"},
        "kb:a#t": {"source": "kb/a.md", "title": "A > Timeouts"},
        "kb:a#t-2": {"source": "kb/a.md", "title": "A > Timeouts"},
        "kb:b#t": {"source": "kb/b.md", "title": "B > Timeouts"},
    }
    cites = Citations(chunks)
    first = cites.renumber("s [1], more [2] and [2] [1]", ["kb:a#s-2", "kb:a#s"])
    second = cites.renumber(
        "t [1] and [2], then [3] and [4]", ["kb:a#t", "kb:a#t-2", "kb:b#t", "kb:a#s"]
    )
    assert first == "s [1], more [1] and [1]"  # side by side, one entry is cited once
    assert second == "t [2] and [2], then [3] and [1]"
    assert cites.order == ["kb:a#s-2", "kb:a#t", "kb:b#t"]
    # In a section, the next paragraph from the same heading is not cited again.
    body = "t [1]\n\nmore `x[2]` [2]:\n\nb [3]\n\nt again [2]."
    once = cites.renumber(body, ["kb:a#t", "kb:a#t-2", "kb:b#t"], again=False)
    assert once == "t [2]\n\nmore `x[2]`:\n\nb [3]\n\nt again [2]."
    assert cites.render().splitlines() == [
        "1. A > Sessions (`kb/a.md`)",
        "2. A > Timeouts (`kb/a.md`)",
        "3. B > Timeouts (`kb/b.md`)",
    ]


def test_front_matter_partial_marks_and_jekyll_names():
    day = dt.date(2026, 1, 2)
    data = front_matter(
        title="T",
        description="D",
        day=day,
        tags=["a"],
        slug="t",
        sources=["x"],
        site=None,
        failed_parts=["section_writer[2] (B)"],
    )
    assert data["status"] == "partial" and data["failed_parts"] == ["section_writer[2] (B)"]
    assert data["draft"] is True and data["date"] == day
    assert article_filename("t", day, "jekyll") == "2026-01-02-t.md"
    assert article_filename("t", day, "hugo") == "t.md"


@pytest.mark.parametrize(
    "title", ["../../etc/passwd", "..", "/abs/path", "a/b\\c", "", "   ", "日本語"]
)
def test_slugs_cannot_escape_the_output_folder(tmp_path, title):
    slug = slugify(title)
    assert "/" not in slug and "\\" not in slug and slug not in ("", ".", "..")
    assert inside(tmp_path, slug + ".md").parent == tmp_path.resolve()


def test_inside_refuses_names_outside_the_folder(tmp_path):
    for name in ("../x.md", "/etc/x.md", "..", "a/../../x"):
        with pytest.raises(OutputError):
            inside(tmp_path, name)
