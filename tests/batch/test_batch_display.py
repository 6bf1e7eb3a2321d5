"""What `ucop batch` shows on stderr: a live bar on a terminal, the summary table always."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from tests.batch.conftest import failures, make_briefs
from ucop.commands.batch import run_batch
from ucop.ui.batch import line


def run(tmp_path, server, *, terminal: bool, quiet: bool = False) -> tuple[int, str]:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=terminal, width=120, color_system=None)
    code = run_batch(
        tmp_path / "briefs",
        tmp_path / "out",
        executor="threads",
        scheduler=None,
        workers=2,
        max_requests=None,
        config=None,
        flags={"provider": "openai", "base_url": server.base_url, "model": "m"},
        resume=False,
        force=False,
        quiet=quiet,
        json_out=False,
        console=console,
    )
    return code, buffer.getvalue()


def test_a_terminal_gets_a_live_bar_with_counts_and_the_summary(tmp_path, server):
    make_briefs(tmp_path / "briefs", 3, broken=(2,))
    code, text = run(tmp_path, server, terminal=True)
    assert code == 1
    assert "articles" in text and "model calls" in text
    assert "3/3" in text  # the bar reached the end
    assert "1 failed" in text
    assert "2 ok, 0 partial, 1 failed, 0 skipped" in text
    assert "article-1/lumen-webhooks-part-1.md" in text


def test_quiet_shows_only_errors_and_the_paths(tmp_path, server, capsys):
    make_briefs(tmp_path / "briefs", 3, broken=(2,))
    code, text = run(tmp_path, server, terminal=True, quiet=True)
    assert code == 1
    assert "model calls" not in text and "[1/3]" not in text and "Batch" not in text
    assert text.startswith("failed: article-2: ") and text.count("\n") == 1
    paths = capsys.readouterr().out.splitlines()
    assert [Path(p).parent.name for p in paths] == ["article-1", "article-3"]


def test_quiet_is_silent_when_every_article_is_written(tmp_path, server, capsys):
    make_briefs(tmp_path / "briefs", 2)
    code, text = run(tmp_path, server, terminal=True, quiet=True)
    assert code == 0, failures(tmp_path / "out")
    assert text == ""
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_one_line_per_article():
    entry = {"status": "ok", "name": "a", "wall_s": 1.25, "requests": 8, "article": "out/a/x.md"}
    assert line(entry) == "ok       a  1.2s  8 calls  out/a/x.md"
    failed = {"status": "failed", "name": "b", "wall_s": None, "requests": 0, "error": "bad"}
    assert line(failed) == "failed   b  -  0 calls  bad"


def test_the_live_bar_counts_calls_as_they_start_not_when_articles_finish(tmp_path):
    from ucop.batch.ledger import Ledger
    from ucop.ui.batch import make_display

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120, color_system=None)
    briefs = [tmp_path / "a.md", tmp_path / "b.md"]
    ledger = Ledger(tmp_path / "out", briefs, executor="threads", max_requests=None)
    started = [0]
    with make_display(console, "live", ledger, 2, calls=lambda: started[0]) as display:
        started[0] = 5  # five calls under way, no article finished yet
        display.tick(2)
    assert "5 model calls" in buffer.getvalue()
