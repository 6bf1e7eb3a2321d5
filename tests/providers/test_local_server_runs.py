"""Whole runs against the loopback server playing a local model server: a one-slot queue,
reported slots, llama-cpp-python's refusals, junk usage figures and limit resets.

Timing claims are ratios with wide margins, never absolute times.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.e2e import brief_with_sections, loopback_job
from tests.helpers import generate_over
from ucop.commands.bench import compare
from ucop.providers.base import CompletionRequest, Message, ProviderSettings
from ucop.providers.limiter import PacedProvider
from ucop.providers.openai import OpenAIProvider
from ucop.providers.pacer import Pacer, PacingLimits
from ucop.run.execute import execute
from ucop.testing.model_server import Fault, ModelServer
from ucop.testing.responders import article_responder

SECTIONS = 6


@pytest.fixture
def brief(tmp_path: Path) -> Path:
    return brief_with_sections(SECTIONS, tmp_path)


def _one_slot() -> ModelServer:
    # a slot generates 150 words/s after 100 ms: latency grows with the queue, words/s do not;
    # like llama-cpp-python, it does not report its slot: the limiter has to find the queue.
    # Slow enough that the server's time outweighs ucop's own: the limiter times each answer
    # on the client, and on a loaded machine the client's delays (tens of ms a call) made a
    # 400 words/s slot look like 1.2-1.4 slots (0.96-1.04 at 150 words/s, same load).
    return ModelServer(
        slots=1, token_rate=150, latency_s=0.1, responder=article_responder, report_slots=False
    )


def test_one_slot_server_limit_settles_at_one_and_the_speedup_matches_the_ab(brief) -> None:
    with _one_slot() as server:
        job = loopback_job(brief, server.base_url, max_requests=5)
        sequential, parallel = compare(job, server)
    assert sequential["status"] == parallel["status"] == "ok"
    assert sequential["requests"] == parallel["requests"] == SECTIONS + 4
    assert parallel["server_parallelism"] < 1.5  # nearer one request at a time than two
    # the summary's estimate is near the measured A/B; agent time / wall time was not
    assert 0.7 < parallel["speedup"] / parallel["ab_speedup"] < 1.43
    naive = parallel["agent_time_s"] / parallel["wall_s"]
    assert naive > 1.3 * parallel["speedup"]
    assert "queued for the model" in parallel["speedup_basis"]


def test_the_limiter_finds_the_queue_and_stops_sending_more_than_it_serves(brief) -> None:
    with _one_slot() as server:
        job = loopback_job(brief, server.base_url, max_requests=5)
        outcome = execute(job, max_parallel=5, cache=None)
        peak = server.peak_concurrency
    concurrency = outcome.report["usage"]["concurrency"]
    assert outcome.status == "ok"
    assert concurrency["server_slots"] is None  # found, not reported
    # ~1 (timing noise on a loaded machine can leave one more probe open); never the cap of 5
    assert concurrency["limit"] <= 2 and peak < 5
    assert concurrency["server_parallelism"] < 1.5  # nearer one request at a time than two


def test_reported_slots_cap_the_requests_in_flight(brief) -> None:
    with ModelServer(slots=2, latency_s=0.05, responder=article_responder) as server:
        job = loopback_job(brief, server.base_url, max_requests=5)
        outcome = execute(job, max_parallel=5, cache=None)
        peak, probes = server.peak_concurrency, server.probes
    assert outcome.status == "ok"
    assert outcome.report["usage"]["concurrency"]["server_slots"] == 2
    assert probes >= 1 and peak == 2  # reached, and never more


def test_run_json_names_the_form_a_llama_cpp_python_server_took(brief) -> None:
    with ModelServer(responder=article_responder, persona="llama-cpp-python") as server:
        job = loopback_job(brief, server.base_url)
        outcome = execute(job, max_parallel=3, cache=None)
        refused = [r for r in server.requests if r.rejected]
    assert outcome.status == "ok"
    assert outcome.report["usage"]["structured_output"] == {
        "accepted": "json_object_schema",
        "refused": ["json_schema"],
    }
    assert 1 <= len(refused) <= 3  # at most the requests already in flight; never retried


def _ask() -> CompletionRequest:
    return CompletionRequest(messages=(Message("user", "Say something short."),), timeout_s=5)


def _paced(server: ModelServer, pacer: Pacer | None = None) -> PacedProvider:
    inner = OpenAIProvider(ProviderSettings("openai", "m", server.base_url))
    return PacedProvider(inner, pacer or Pacer(PacingLimits(2)))


@pytest.mark.parametrize(
    "usage",
    [
        {"completion_tokens": 10**12},
        {"prompt_tokens": 5 * 10**9},
        {"completion_tokens": -7},
        {"completion_tokens": 12.5},
        {"prompt_tokens": "many"},
    ],
)
def test_absurd_usage_figures_are_ignored_with_a_warning_and_estimated(usage) -> None:
    with ModelServer(usage=usage) as server:
        provider = _paced(server)
        completion = provider.complete(_ask())
        report = provider.usage.as_dict()
    assert 0 < completion.output_tokens < 200 and 0 < completion.input_tokens < 200
    assert report["usage_ignored"] == 1 and report["tokens_out"] == completion.output_tokens
    [warning] = report["usage_warnings"]
    assert "usage ignored, estimates used" in warning


def test_sane_usage_figures_are_taken_as_reported() -> None:
    with ModelServer() as server:
        provider = _paced(server)
        completion = provider.complete(_ask())
        report = provider.usage.as_dict()
        [record] = server.requests
    assert completion.input_tokens == len(record.body["messages"][0]["content"].split())
    assert "usage_ignored" not in report


YEAR_RESET = [
    ("x-ratelimit-limit-requests", "100"),
    ("x-ratelimit-remaining-requests", "0"),
    ("x-ratelimit-reset-requests", "8760h"),
]


def test_a_limit_reset_a_year_away_waits_no_longer_than_the_cap() -> None:
    with ModelServer(headers=YEAR_RESET) as server:
        pacer = Pacer(PacingLimits(2, max_wait_s=30.0))
        _paced(server, pacer).complete(_ask())
    grant = pacer.acquire(timeout=1000.0)
    assert not grant.refused and 25.0 < grant.delay_s <= 30.0


def test_a_retry_after_of_a_year_holds_the_pacer_no_longer_than_the_cap() -> None:
    with ModelServer() as server:
        server.enqueue(Fault.rate_limit(retry_after=str(365 * 24 * 3600)))
        pacer = Pacer(PacingLimits(2, max_wait_s=30.0))
        with pytest.raises(Exception, match="rate limited"):
            _paced(server, pacer).complete(_ask())
    grant = pacer.acquire(timeout=1000.0)
    assert not grant.refused and 25.0 < grant.delay_s <= 30.0


def test_a_model_named_by_its_file_path_is_published_by_its_file_name(tmp_path: Path) -> None:
    """llama-cpp-python lists its model as the weights' path: the article names the file, not
    the writer's folders (run.json, the run's own record, keeps the id as served)."""
    weights = "/home/writer/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    with ModelServer(responder=article_responder, models=(weights,)) as server:
        result = generate_over(server.base_url, tmp_path / "out", "-q")
    assert result.exit_code == 0, result.stderr
    article = Path(result.stdout.strip()).read_text()
    stamp = next(line for line in article.splitlines() if line.startswith("generated_by:"))
    assert "SmolLM2-135M-Instruct.Q4_1.gguf" in stamp and "/home/writer" not in article
    assert "/home/writer" not in (tmp_path / "out" / "timeline.svg").read_text()
