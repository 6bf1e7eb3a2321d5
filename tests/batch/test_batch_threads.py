"""`ucop batch` on threads and processes against the loopback model server."""

from __future__ import annotations

import json

from tests.batch.conftest import (
    assert_complete,
    batch,
    expected_requests,
    ledger,
    make_briefs,
    max_overlap,
    openai_flags,
)
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder


def test_threads_write_every_article_and_the_batch_ledger(tmp_path, server):
    briefs = make_briefs(tmp_path / "briefs", 6)
    out = tmp_path / "out"
    result = batch(tmp_path / "briefs", "-o", out, *openai_flags(server), "--workers", "3")
    assert result.exit_code == 0, result.stderr
    for brief in briefs:
        assert_complete(out, brief)
    data = ledger(out)
    totals = data["totals"]
    assert (totals["briefs"], totals["done"], totals["failed"], totals["skipped"]) == (6, 6, 0, 0)
    assert totals["requests"] == server.count == sum(expected_requests(b) for b in briefs)
    assert totals["articles_per_minute"] > 0 and totals["elapsed_s"] > 0
    assert [e["name"] for e in data["articles"]] == [b.stem for b in briefs]
    for entry, brief in zip(data["articles"], briefs):
        assert entry["status"] == "ok" and entry["error"] is None
        assert entry["requests"] == expected_requests(brief)
        assert entry["tokens_out"] > 0 and entry["wall_s"] > 0
        assert entry["article"].startswith(str(out / brief.stem))
    # plain progress (stderr is not a terminal): one line per article, then the summary
    assert result.stderr.count("ok       article-") == 6
    assert "6 ok, 0 partial, 0 failed, 0 skipped" in result.stderr


def test_a_model_that_writes_nothing_usable_gives_offline_drafts_and_says_so(tmp_path):
    briefs = make_briefs(tmp_path / "briefs", 2)
    out = tmp_path / "out"
    with ModelServer(responder=article_responder, misbehave=["echo", "deep_json"]) as server:
        result = batch(tmp_path / "briefs", "-o", out, *openai_flags(server), "--retries", "1")
    assert result.exit_code == 0, result.stderr  # as the offline provider's article would
    data = ledger(out)
    assert [e["status"] for e in data["articles"]] == ["replaced", "replaced"]
    assert (data["totals"]["done"], data["totals"]["replaced"], data["totals"]["failed"]) == (
        2,
        2,
        0,
    )
    for brief in briefs:
        report = json.loads((out / brief.stem / "run.json").read_text())
        article = (out / brief.stem / report["article"]).read_text()
        assert "parts by the offline writer)" in article and "## Sources" in article
        assert "This part covers" not in article  # no word of the model's
    shown = " ".join(result.stderr.split())
    assert "2 ok (2 the offline draft: the model's answers were all rejected)" in shown


def test_a_broken_brief_fails_alone(tmp_path, server):
    briefs = make_briefs(tmp_path / "briefs", 4, broken=(3,))
    out = tmp_path / "out"
    result = batch(tmp_path / "briefs", "-o", out, *openai_flags(server), "--workers", "2")
    assert result.exit_code == 1
    entries = {e["name"]: e for e in ledger(out)["articles"]}
    assert entries["article-3"]["status"] == "failed"
    assert "article-3.md" in entries["article-3"]["error"]
    assert "front matter" in entries["article-3"]["error"]
    assert not (out / "article-3").exists()
    for brief in briefs:
        if brief.stem != "article-3":
            assert_complete(out, brief)
            assert entries[brief.stem]["status"] == "ok"
    assert ledger(out)["totals"]["done"] == 3 and ledger(out)["totals"]["failed"] == 1


def test_resume_skips_finished_articles_without_a_request(tmp_path, server):
    briefs = make_briefs(tmp_path / "briefs", 4, broken=(2,))
    out = tmp_path / "out"
    first = batch(tmp_path / "briefs", "-o", out, *openai_flags(server))
    assert first.exit_code == 1
    make_briefs(tmp_path / "briefs", 4)  # the broken brief is fixed
    server.reset_stats()
    second = batch(tmp_path / "briefs", "-o", out, *openai_flags(server), "--resume")
    assert second.exit_code == 0, second.stderr
    data = ledger(out)
    # only article-2 ran (its shared code explanations may come from the resume cache)
    assert 0 < server.count <= expected_requests(briefs[1])
    assert data["articles"][1]["requests"] == server.count
    prompts = " ".join(json.dumps(r.body) for r in server.requests)
    assert "part 2" in prompts
    assert not any(f"part {n}" in prompts for n in (1, 3, 4))
    assert data["totals"]["skipped"] == 3 and data["totals"]["done"] == 1
    assert [e["status"] for e in data["articles"]] == ["skipped", "ok"] + ["skipped"] * 2
    for brief in briefs:
        assert_complete(out, brief)


def test_the_request_cap_holds_across_articles_running_at_once(tmp_path, slow_server):
    make_briefs(tmp_path / "briefs", 6)
    capped, free = tmp_path / "capped", tmp_path / "free"
    flags = [*openai_flags(slow_server), "--workers", "3"]
    result = batch(tmp_path / "briefs", "-o", capped, *flags, "--max-requests", "2")
    assert result.exit_code == 0, result.stderr
    assert slow_server.peak_concurrency <= 2
    assert max_overlap(ledger(capped)["articles"]) >= 2  # several articles at once
    assert ledger(capped)["max_requests"] == 2

    slow_server.reset_stats()
    # --no-pacing: only the cap, not what the adaptive limit learns of a loaded machine
    result = batch(tmp_path / "briefs", "-o", free, *flags, "--no-pacing")
    assert result.exit_code == 0, result.stderr
    assert slow_server.peak_concurrency > 2


def test_processes_write_every_article(tmp_path, server):
    briefs = make_briefs(tmp_path / "briefs", 6)
    out = tmp_path / "out"
    result = batch(
        tmp_path / "briefs",
        "-o",
        out,
        *openai_flags(server),
        "--executor",
        "processes",
        "--workers",
        "2",
        "--max-requests",
        "3",
        "--json",
        "--quiet",
    )
    assert result.exit_code == 0, result.stderr
    for brief in briefs:
        assert_complete(out, brief)
    printed = json.loads(result.stdout)
    assert printed == ledger(out)
    assert printed["totals"]["done"] == 6
    assert len({e["worker"] for e in printed["articles"]}) == 2  # two worker processes
    assert server.peak_concurrency <= 3
    assert result.stderr == ""  # --quiet, as for generate: only errors (there are none)


def test_existing_articles_need_resume_or_force(tmp_path, server):
    briefs = make_briefs(tmp_path / "briefs", 2)
    out = tmp_path / "out"
    assert batch(tmp_path / "briefs", "-o", out, *openai_flags(server), "-q").exit_code == 0
    server.reset_stats()
    refused = batch(tmp_path / "briefs", "-o", out, *openai_flags(server))
    assert refused.exit_code == 2
    assert "--resume" in refused.stderr and "--force" in refused.stderr
    assert server.count == 0
    forced = batch(tmp_path / "briefs", "-o", out, *openai_flags(server), "--force", "-q")
    assert forced.exit_code == 0
    assert ledger(out)["totals"]["done"] == 2  # every article ran again, none was skipped
    assert server.count == sum(expected_requests(b) for b in briefs)


def test_a_custom_base_url_without_a_model_asks_the_server_once_for_the_whole_batch(tmp_path):
    briefs = make_briefs(tmp_path / "briefs", 3)
    out = tmp_path / "out"
    with ModelServer(latency_s=0.02, responder=article_responder, models=["only-one"]) as server:
        flags = ["--provider", "openai", "--base-url", server.base_url]  # no --model
        result = batch(tmp_path / "briefs", "-o", out, *flags, "--workers", "3")
        counts = server.counts
        models_asked = {r.body.get("model") for r in server.requests if r.kind == "openai"}
    assert result.exit_code == 0, result.stderr
    assert counts["models"] == 1  # once, before the articles start
    assert counts["openai"] == sum(expected_requests(b) for b in briefs)
    assert models_asked == {"only-one"}
    for brief in briefs:
        assert json.loads((out / brief.stem / "run.json").read_text())["model"] == "only-one"
