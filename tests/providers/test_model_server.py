"""The loopback model server itself: records, statistics, faults, shutdown and its CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from ucop.errors import TransientError
from ucop.providers.base import CompletionRequest, ProviderSettings
from ucop.providers.openai import OpenAIProvider
from ucop.testing.model_server import Fault, ModelServer, echo_responder, main

REPO = Path(__file__).resolve().parents[2]
CHAT = {"model": "m", "messages": [{"role": "user", "content": "count these four words"}]}


def test_urls() -> None:
    with ModelServer() as server:
        assert server.root_url == f"http://127.0.0.1:{server.port}"
        assert server.base_url == server.root_url + "/v1"


def test_lists_models_and_404s_unknown_paths() -> None:
    with ModelServer() as server:
        models = httpx.get(f"{server.base_url}/models").json()
        missing = httpx.post(f"{server.root_url}/nope", json=CHAT)
    assert models["data"][0]["id"] == "model-server"
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "Not found"


def test_records_each_request_with_times_and_without_keys() -> None:
    with ModelServer() as server:
        before = time.monotonic()
        httpx.post(
            f"{server.base_url}/chat/completions",
            json=CHAT,
            headers={"Authorization": "Bearer sk-never-recorded-0123456789"},
        )
        [record] = server.requests
    assert record.path == "/v1/chat/completions"
    assert record.body == CHAT
    assert record.has_authorization and not record.has_api_key
    assert record.finished is not None
    assert before <= record.arrived <= record.finished
    assert "sk-never-recorded" not in repr(record)


def test_usage_is_a_word_count() -> None:
    with ModelServer() as server:
        data = httpx.post(f"{server.base_url}/chat/completions", json=CHAT).json()
    assert data["usage"]["prompt_tokens"] == 4
    text = data["choices"][0]["message"]["content"]
    assert data["usage"]["completion_tokens"] == len(text.split())


def test_custom_responder_gets_the_parsed_request() -> None:
    seen = []

    def responder(body):
        seen.append(body)
        return "# Title\n\nBody."

    with ModelServer(responder=responder) as server:
        data = httpx.post(f"{server.root_url}/v1/messages", json=CHAT).json()
    assert seen == [CHAT]
    assert data["content"] == [{"type": "text", "text": "# Title\n\nBody."}]


def test_default_responder_is_deterministic() -> None:
    assert echo_responder(CHAT) == echo_responder(json.loads(json.dumps(CHAT)))
    assert echo_responder(CHAT) != echo_responder({"messages": [{"role": "user", "content": "x"}]})


def test_enqueued_faults_apply_in_order_then_stop() -> None:
    with ModelServer() as server:
        server.enqueue(Fault.server_error(502), Fault.rate_limit(retry_after="4"))
        url = f"{server.base_url}/chat/completions"
        statuses = [httpx.post(url, json=CHAT).status_code for _ in range(3)]
        faults = [record.fault for record in server.requests]
    assert statuses == [502, 429, 200]
    assert faults == [Fault.server_error(502), Fault.rate_limit(retry_after="4"), None]


def fault_pattern(seed: int) -> list[bool]:
    with ModelServer() as server, httpx.Client() as client:
        server.fault_rate(Fault.server_error(503), p=0.5, seed=seed)
        url = f"{server.base_url}/chat/completions"
        return [client.post(url, json=CHAT).status_code == 503 for _ in range(24)]


def test_random_faults_are_seeded() -> None:
    first = fault_pattern(seed=5)
    assert first == fault_pattern(seed=5)
    assert 3 <= sum(first) <= 21
    assert first != fault_pattern(seed=6)


def test_peak_concurrency_and_reset_stats() -> None:
    with ModelServer(latency_s=0.2) as server:
        url = f"{server.base_url}/chat/completions"
        threads = [
            threading.Thread(target=httpx.post, args=(url,), kwargs={"json": CHAT})
            for _ in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert server.count == 3
        assert server.peak_concurrency == 3
        server.reset_stats()
        assert (server.count, server.peak_concurrency) == (0, 0)


def test_jitter_adds_seeded_latency() -> None:
    with ModelServer(latency_s=0.05, jitter_s=0.1, seed=1) as server:
        httpx.post(f"{server.base_url}/chat/completions", json=CHAT)
        [record] = server.requests
    assert record.finished is not None
    assert 0.05 <= record.finished - record.arrived < 1.0


def test_stop_releases_a_hung_request_promptly() -> None:
    server = ModelServer().start()
    server.enqueue(Fault.hang())
    provider = OpenAIProvider(ProviderSettings(name="openai", model="m", base_url=server.base_url))
    errors: list[BaseException] = []

    def call() -> None:
        try:
            provider.complete(CompletionRequest(messages=(), timeout_s=30.0))
        except TransientError as error:
            errors.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 5
    while server.count == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    caller.join(timeout=10)
    provider.close()
    assert not caller.is_alive()
    assert time.monotonic() - started < 5.0
    assert len(errors) == 1


def test_a_hung_handler_does_not_keep_the_process_alive() -> None:
    script = (
        "import threading, httpx\n"
        "from ucop.testing.model_server import Fault, ModelServer\n"
        "server = ModelServer().start()\n"
        "server.enqueue(Fault.hang())\n"
        "url = server.base_url + '/chat/completions'\n"
        "threading.Thread(target=httpx.post, args=(url,), kwargs={'json': {}, 'timeout': 60},"
        " daemon=True).start()\n"
        "import time\n"
        "while server.count == 0: time.sleep(0.01)\n"
        "print('leaving without stop()')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=20
    )
    assert result.returncode == 0, result.stderr
    assert "leaving without stop()" in result.stdout


def test_command_line_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "ucop.testing.model_server", "--port", "0", "--latency", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        base_url = first_line.split()[-1]
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        assert httpx.get(f"{base_url}/models", timeout=5).status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_command_line_rejects_an_unknown_fault(capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--port", "0", "--fault-rate", "meteor=0.5"])
    assert caught.value.code == 2
    assert "unknown fault 'meteor'" in capsys.readouterr().err
