"""A newcomer's first run: `ucop init`, then `generate`, then `verify out/`, all green."""

from __future__ import annotations

import re

from tests.helpers import run_cli


def headings(article: str) -> list[str]:
    return re.findall(r"^## (.+)$", article, flags=re.MULTILINE)


def test_init_then_generate_then_verify_is_green(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_cli("init", ".").exit_code == 0
    generated = run_cli("generate", "-i", "brief.md", "-o", "out", "-q")
    assert generated.exit_code == 0, generated.stderr
    article = (tmp_path / generated.stdout.strip()).read_text()
    # the brief: "authenticate, create a note, then list notes page by page"
    order = [
        next(i for i, h in enumerate(headings(article)) if h.startswith(word))
        for word in ("Authenticate", "Creat", "List")
    ]
    assert order == sorted(order), headings(article)
    checked = run_cli("verify", "out")
    assert checked.exit_code == 0, checked.stdout
    assert "ALL CHECKS PASSED" in checked.stdout
