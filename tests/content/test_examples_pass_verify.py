"""The bundled example and the one `ucop init` writes give articles that pass their own verify.

Both ask for a number of sections the sources support, with required sections whose topic
the docs name in other words ("Authenticate" over a page headed "Authentication").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import BRIEF, run_cli
from ucop.article.check import check_article

INIT_BRIEF = Path(__file__).parents[2] / "config" / "example" / "brief.md"


@pytest.mark.parametrize("brief", [BRIEF, INIT_BRIEF], ids=["lumen", "init"])
def test_the_example_article_passes_its_own_verify(tmp_path, brief):
    out = tmp_path / "out"
    result = run_cli("generate", "-i", brief, "-o", out, "--quiet")
    assert result.exit_code == 0, result.stderr
    failing = [(name, detail) for name, ok, detail in check_article(out) if not ok]
    assert failing == []
    body = next(out.glob("*.md")).read_text()
    front = brief.read_text().split("---\n")[1]
    asked = int(next(ln for ln in front.splitlines() if ln.startswith("sections:")).split()[1])
    assert body.count("\n## ") - 2 == asked  # less "Wrapping up" and "Sources"
