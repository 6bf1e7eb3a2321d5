"""RecordingProvider and ReplayProvider on their own, with a fake inner provider."""

from __future__ import annotations

import json

import pytest

from ucop.errors import UnusableOutput
from ucop.providers.base import Completion, CompletionRequest, Message
from ucop.providers.record import RecordingProvider, ReplayError, ReplayProvider, request_key

SECRET = "sk-live-abcdefghijklmnop0123"


class ScriptedProvider:
    """Answers from a list, raising the entries that are exceptions."""

    name = "scripted"

    def __init__(self, *answers):
        self.answers = list(answers)

    def complete(self, request):
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return Completion(answer, 3, 4, "m", "stop")


def _request(text="explain", **overrides):
    return CompletionRequest(messages=(Message("user", text),), model="m", **overrides)


def test_request_key_ignores_the_timeout_but_not_the_prompt_or_schema() -> None:
    assert request_key(_request(timeout_s=1)) == request_key(_request(timeout_s=99))
    assert request_key(_request("a")) != request_key(_request("b"))
    assert request_key(_request()) != request_key(_request(schema={"type": "object"}))


def test_errors_and_answers_replay_in_their_recorded_order(tmp_path) -> None:
    path = tmp_path / "r.jsonl"
    inner = ScriptedProvider(UnusableOutput("not JSON"), "first", "second")
    recorder = RecordingProvider(inner, path)
    with pytest.raises(UnusableOutput):
        recorder.complete(_request())
    assert recorder.complete(_request()).text == "first"
    assert recorder.complete(_request()).text == "second"
    recorder.close()

    replay = ReplayProvider(path, name="openai")
    with pytest.raises(UnusableOutput, match="not JSON"):
        replay.complete(_request())
    assert [replay.complete(_request()).text for _ in range(3)] == ["first", "second", "second"]
    assert replay.models == ["m"]
    with pytest.raises(ReplayError, match="holds no answer"):
        replay.complete(_request("something else"))


def test_key_shaped_strings_and_known_secrets_are_redacted(tmp_path) -> None:
    path = tmp_path / "r.jsonl"
    recorder = RecordingProvider(
        ScriptedProvider(f"the key is {SECRET} and also hunter2-secret"),
        path,
        secrets=["hunter2-secret"],
    )
    recorder.complete(_request(f"my key {SECRET}"))
    recorder.close()
    text = path.read_text()
    assert SECRET not in text and "hunter2-secret" not in text
    assert json.loads(text)["answer"]["text"] == "the key is [redacted] and also [redacted]"
