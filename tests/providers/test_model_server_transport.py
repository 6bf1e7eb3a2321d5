"""The model server in process (its httpx transport) answers exactly as it does on a socket."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from ucop.testing.model_server import Fault, ModelServer, RateLimits

KEY = "sk-transport-test-0123456789"
CHAT = {"model": "m", "messages": [{"role": "user", "content": "count these four words"}]}
VOLATILE = {"date", "server", "connection"}  # http.server's own headers, not the exchange's


def _answer(client: httpx.Client, base: str, path: str, body: object, key: str = KEY) -> tuple:
    response = client.post(base + path, json=body, headers={"Authorization": f"Bearer {key}"})
    data = response.json()
    if isinstance(data, dict):
        data.pop("created", None)
    headers = {k: v for k, v in response.headers.items() if k not in VOLATILE}
    return response.status_code, data, headers


CASES = [
    pytest.param("/v1/chat/completions", CHAT, None, KEY, id="openai"),
    pytest.param("/v1/messages", CHAT, None, KEY, id="anthropic"),
    pytest.param("/v1/chat/completions", CHAT, None, "sk-wrong-key-000000", id="401"),
    pytest.param("/v1/chat/completions", CHAT, Fault.rate_limit("7"), KEY, id="429"),
    pytest.param("/v1/messages", CHAT, Fault.server_error(503), KEY, id="503"),
    pytest.param("/v1/chat/completions", CHAT, Fault.empty_content(), KEY, id="empty"),
    pytest.param("/v1/nope", CHAT, None, KEY, id="404"),
    pytest.param(
        "/openai/deployments/d/chat/completions?api-version=1", CHAT, None, KEY, id="azure"
    ),
    pytest.param("/v1/chat/completions", {**CHAT, "response_format": {}}, None, KEY, id="reject"),
]


@pytest.mark.parametrize(("path", "body", "fault", "key"), CASES)
def test_each_answer_is_the_same_in_process_and_over_the_socket(path, body, fault, key) -> None:
    answers, records = [], []
    for over_socket in (True, False):
        with ModelServer(api_key=KEY, reject=["response_format"]) as server:
            client = httpx.Client() if over_socket else httpx.Client(transport=server.transport())
            with client:
                server.enqueue(*([fault] if fault else []))
                answers.append(_answer(client, server.root_url, path, body, key))
            records.append([(r.path, r.body, r.kind, r.fault, r.rejected) for r in server.requests])
    assert answers[0] == answers[1]
    assert records[0] == records[1] and len(records[0]) == 1


def test_rate_limits_and_their_headers_are_the_same_in_process() -> None:
    seen = []
    for over_socket in (True, False):
        with ModelServer(limits=RateLimits(requests=2, window_s=60)) as server:
            client = httpx.Client() if over_socket else httpx.Client(transport=server.transport())
            with client:
                url = server.base_url + "/chat/completions"
                responses = [client.post(url, json=CHAT) for _ in range(3)]
            seen.append(
                [(r.status_code, r.headers["x-ratelimit-remaining-requests"]) for r in responses]
            )
            assert server.rate_limited == 1
    assert seen[0] == seen[1] == [(200, "1"), (200, "0"), (429, "0")]


def test_a_server_that_was_never_started_serves_in_process() -> None:
    server = ModelServer()
    with httpx.Client(transport=server.transport()) as client:
        data = client.post("http://model-server/v1/chat/completions", json=CHAT).json()
        models = client.get("http://model-server/v1/models").json()
    assert data["usage"]["prompt_tokens"] == 4
    assert [m["id"] for m in models["data"]] == ["model-server"]
    assert [r.kind for r in server.requests] == ["openai", "models"]
    with pytest.raises(RuntimeError, match="not started"):
        server.base_url  # noqa: B018


def test_a_reset_is_the_read_error_a_socket_client_gets() -> None:
    errors = []
    for over_socket in (True, False):
        with ModelServer() as server:
            client = httpx.Client() if over_socket else httpx.Client(transport=server.transport())
            server.enqueue(Fault.reset())
            with client, pytest.raises(httpx.ReadError) as caught:
                client.post(server.base_url + "/chat/completions", json=CHAT)
            errors.append(str(caught.value))
            assert server.requests[0].finished is not None
    assert errors[0] == errors[1]


def test_a_hang_in_process_ends_at_the_read_timeout_and_is_marked_finished() -> None:
    server = ModelServer()
    server.enqueue(Fault.hang())
    with httpx.Client(transport=server.transport()) as client, pytest.raises(httpx.ReadTimeout):
        client.post("http://model-server/v1/chat/completions", json=CHAT, timeout=0.2)
    [record] = server.requests
    assert record.fault == Fault.hang()
    assert record.finished is not None and record.finished - record.arrived >= 0.2


def test_stop_releases_an_in_process_hang_as_a_dropped_connection() -> None:
    server = ModelServer()
    server.enqueue(Fault.hang())
    errors: list[BaseException] = []

    def call() -> None:
        with httpx.Client(transport=server.transport()) as client:
            try:
                client.post("http://model-server/v1/chat/completions", json=CHAT, timeout=30)
            except httpx.HTTPError as error:
                errors.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    while server.count == 0:
        threading.Event().wait(0.01)
    server.stop()
    caller.join(timeout=10)
    assert not caller.is_alive()
    assert [type(e) for e in errors] == [httpx.RemoteProtocolError]


def test_a_trickled_body_arrives_whole_in_pieces_and_finishes_before_its_last() -> None:
    server = ModelServer()
    server.enqueue(Fault.trickle(chunk_bytes=50, delay_s=0.001))
    with httpx.Client(transport=server.transport()) as client:
        url = "http://model-server/v1/chat/completions"
        with client.stream("POST", url, json=CHAT) as response:
            pieces = []
            for piece in response.iter_raw():
                pieces.append(piece)
                if len(pieces) == 1:
                    assert server.requests[0].finished is None  # still sending
    body = json.loads(b"".join(pieces))
    assert body["choices"][0]["message"]["content"]
    assert len(pieces) > 3 and all(len(p) <= 50 for p in pieces)
    assert server.requests[0].finished is not None
