"""Front matter splitting and safe text reading."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ucop.errors import SourceError
from ucop.sources.frontmatter import read_text_file, source_path, split_front_matter


def test_front_matter_is_split_from_body():
    meta, body = split_front_matter("---\ntitle: Hi\ntags: [a, b]\n---\n# Body\n", source="x.md")
    assert meta == {"title": "Hi", "tags": ["a", "b"]}
    assert body == "# Body\n"


def test_text_without_front_matter_is_returned_unchanged():
    text = "# Title\n\n---\n\nafter a rule\n"
    assert split_front_matter(text, source="x.md") == ({}, text)


def test_unclosed_front_matter_is_treated_as_body():
    text = "---\ntitle: never closed\n"
    assert split_front_matter(text, source="x.md") == ({}, text)


def test_empty_front_matter_gives_empty_mapping():
    assert split_front_matter("---\n---\nbody", source="x.md") == ({}, "body")


def test_dates_become_iso_strings():
    meta, _ = split_front_matter("---\ndate: 2024-02-20\n2024-01-01: x\n---\n", source="x.md")
    assert meta == {"date": "2024-02-20", "2024-01-01": "x"}


def test_malformed_yaml_names_file_and_line():
    text = "---\ntitle: ok\ntags: [unclosed\n---\nbody\n"
    with pytest.raises(SourceError) as info:
        split_front_matter(text, source="brief.md")
    message = str(info.value)
    assert message.startswith("brief.md: front matter is not valid YAML (line ")
    assert "fix the block between the --- lines" in message
    assert info.value.path == "brief.md"


def test_yaml_error_line_counts_from_the_file_start():
    text = "---\ntitle: ok\nsummary: : bad\n---\n"
    with pytest.raises(SourceError, match=r"\(line 3: "):
        split_front_matter(text, source="p.md")


def test_front_matter_that_is_not_a_mapping_is_rejected():
    with pytest.raises(SourceError, match="front matter is a list, not a mapping"):
        split_front_matter("---\n- a\n- b\n---\nbody", source="p.md")


def test_self_referencing_alias_is_rejected():
    with pytest.raises(SourceError, match="refers to itself"):
        split_front_matter("---\na: &x [*x]\n---\n", source="p.md")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_random_front_matter_returns_or_raises_source_error(body):
    for text in (body, f"---\n{body}\n---\nrest"):
        try:
            meta, rest = split_front_matter(text, source="fuzz.md")
        except SourceError as exc:
            assert str(exc).startswith("fuzz.md: ")
        else:
            assert isinstance(meta, dict)
            assert isinstance(rest, str)


def test_read_text_file_strips_bom_and_normalises_newlines(tmp_path):
    path = tmp_path / "doc.md"
    path.write_bytes(b"\xef\xbb\xbf# Title\r\nline\r\n")
    assert read_text_file(path) == "# Title\nline\n"


def test_read_text_file_rejects_missing_file(tmp_path):
    with pytest.raises(SourceError, match="file not found"):
        read_text_file(tmp_path / "nope.md")


def test_read_text_file_rejects_binary(tmp_path):
    path = tmp_path / "image.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(SourceError, match="looks binary"):
        read_text_file(path)


def test_read_text_file_rejects_non_utf8_with_line(tmp_path):
    path = tmp_path / "latin1.md"
    path.write_bytes("first\nsecond caf\xe9\n".encode("latin-1"))
    with pytest.raises(SourceError, match="line 2 is not valid UTF-8"):
        read_text_file(path)


def test_read_text_file_rejects_folder(tmp_path):
    with pytest.raises(SourceError, match="is a folder"):
        read_text_file(tmp_path)


def test_source_path_is_relative_to_base_inside_and_outside_it(tmp_path):
    base = tmp_path / "brief"
    inside = base / "kb" / "a.md"
    outside = tmp_path / "other" / "b.md"
    assert source_path(inside, base) == "kb/a.md"
    assert source_path(outside, base) == "../other/b.md"  # never the author's machine path
