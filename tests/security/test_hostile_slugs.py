"""Titles and slugs that name a Windows device: the article's file must be creatable there.

Windows reserves CON, PRN, AUX, NUL, COM1-9 and LPT1-9 in any case and with any extension:
`con.md` cannot be created, and a repository holding one cannot be checked out.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import copy_example, run_cli
from ucop.sources.text import slugify

DEVICES = ["CON", "con", "Prn", "aUx", "NUL", "COM1", "com9", "LPT1", "lpt9"]


@pytest.mark.parametrize("title", DEVICES)
def test_a_device_name_gets_a_suffix(title):
    assert slugify(title) == f"{title.lower()}-article"
    assert slugify(title, "post") == f"{title.lower()}-post"


@pytest.mark.parametrize("title", ["Console", "com10", "lpt0", "CON.md", "nul md", "auxiliary"])
def test_names_that_only_look_like_a_device_are_kept(title):
    assert not slugify(title).endswith("-article")


@pytest.mark.parametrize("front", ['title: "CON"', 'slug: "Lpt1"'])
def test_an_article_titled_or_slugged_as_a_device_is_written_under_another_name(tmp_path, front):
    brief = copy_example(tmp_path)
    text = brief.read_text()
    key = front.split(":")[0]
    lines = [line for line in text.splitlines() if not line.startswith(f"{key}:")]
    lines.insert(1, front)
    brief.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    result = run_cli("generate", "-i", str(brief), "-o", str(out), "--provider", "offline", "-q")
    assert result.exit_code == 0, result.stderr
    article = json.loads((out / "run.json").read_text())["article"]
    device = front.split('"')[1].lower()
    assert article == f"{device}-article.md"
    assert (out / article).is_file() and not (out / f"{device}.md").exists()
