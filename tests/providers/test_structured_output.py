"""Structured output: asked for with a schema, dropped once per provider when rejected."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.providers.conftest import TEST_KEY
from ucop.agents.json_answer import explanations_schema, outline_schema
from ucop.errors import PermanentError
from ucop.providers.anthropic import AnthropicProvider
from ucop.providers.base import CompletionRequest, Message, ProviderSettings
from ucop.providers.openai import OpenAIProvider
from ucop.testing.model_server import Fault, ModelServer

SCHEMA = explanations_schema(["listTasks"])
ANSWER = {"listTasks": "Lists the tasks."}


def _json_request(schema=SCHEMA, task: str = "code_explanation") -> CompletionRequest:
    return CompletionRequest(
        messages=(Message("system", "Answer with JSON only."), Message("user", "Explain it.")),
        task=task,
        schema=schema,
        timeout_s=5,
    )


def _openai(server: ModelServer, **overrides) -> OpenAIProvider:
    """An OpenAI provider reaching `server` in process (its transport), unless overridden."""
    settings = {"name": "openai", "model": "m", "base_url": server.base_url, **overrides}
    return OpenAIProvider(ProviderSettings(transport=server.transport(), **settings))


def _answering(body) -> str:
    return json.dumps(ANSWER)


def test_openai_asks_for_the_json_schema_and_reads_the_answer() -> None:
    with ModelServer(responder=_answering) as server, _openai(server) as provider:
        completion = provider.complete(_json_request())
        [record] = server.requests
    fmt = record.body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"] == {"name": "code_explanation", "schema": SCHEMA, "strict": True}
    assert json.loads(completion.text) == ANSWER


def test_plain_requests_carry_no_response_format() -> None:
    with ModelServer() as server, _openai(server) as provider:
        provider.complete(CompletionRequest(messages=(Message("user", "hello"),), timeout_s=5))
        [record] = server.requests
    assert "response_format" not in record.body


def test_a_server_that_rejects_response_format_is_asked_once_then_never_again() -> None:
    with (
        ModelServer(responder=_answering, reject=["response_format"]) as server,
        _openai(server) as provider,
    ):
        answers = [provider.complete(_json_request()).text for _ in range(5)]
        counts = server.counts
        bodies = [r.body for r in server.requests]
    assert [json.loads(a) for a in answers] == [ANSWER] * 5
    assert counts["rejected"] == 1 and provider.structured.rejected == 1
    assert counts["openai"] == 6  # 1 rejected + 5 answered
    assert ["response_format" in b for b in bodies] == [True] + [False] * 5


def test_parallel_callers_see_at_most_one_rejection_each() -> None:
    with (
        ModelServer(responder=_answering, reject=["response_format"], latency_s=0.05) as server,
        _openai(server, max_concurrent_requests=4) as provider,
        ThreadPoolExecutor(4) as pool,
    ):
        texts = list(pool.map(lambda _: provider.complete(_json_request()).text, range(12)))
        rejected = server.counts["rejected"]
    assert len(texts) == 12
    assert 1 <= rejected <= 4  # only requests already in flight when the first came back


def test_json_schema_rejection_steps_down_to_json_mode() -> None:
    message = "Invalid parameter: 'response_format' of type 'json_schema' is not supported"
    with ModelServer(responder=_answering) as server, _openai(server) as provider:
        server.enqueue(Fault.client_error(400, message))
        provider.complete(_json_request())
        provider.complete(_json_request())
        formats = [r.body.get("response_format", {}).get("type") for r in server.requests]
    assert formats == ["json_schema", "json_object", "json_object"]


def test_other_400s_are_not_mistaken_for_a_rejection() -> None:
    with ModelServer(responder=_answering) as server, _openai(server) as provider:
        server.enqueue(Fault.client_error(400, "This model's maximum context length is 8192"))
        with pytest.raises(PermanentError, match="maximum context length"):
            provider.complete(_json_request())
        assert server.count == 1
        assert provider.structured.form == "json_schema"


def test_anthropic_asks_for_a_forced_tool_and_reads_its_input() -> None:
    with ModelServer(responder=_answering, api_key=TEST_KEY) as server:
        settings = ProviderSettings(
            "anthropic", "m", server.root_url, api_key=TEST_KEY, transport=server.transport()
        )
        with AnthropicProvider(settings) as provider:
            completion = provider.complete(_json_request(outline_schema(), task="outline"))
        [record] = server.requests
    assert record.body["tool_choice"] == {"type": "tool", "name": "answer"}
    assert record.body["tools"][0]["input_schema"] == outline_schema()
    assert json.loads(completion.text) == ANSWER
    assert completion.finish_reason == "tool_use"


def test_anthropic_server_without_tools_is_asked_again_in_plain_text() -> None:
    with ModelServer(responder=_answering, reject=["tools"]) as server:
        settings = ProviderSettings("anthropic", "m", server.root_url, transport=server.transport())
        with AnthropicProvider(settings) as provider:
            first = provider.complete(_json_request())
            provider.complete(_json_request())
        counts = server.counts
    assert json.loads(first.text) == ANSWER
    assert counts["rejected"] == 1 and counts["anthropic"] == 3
