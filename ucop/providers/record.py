"""Record every model exchange of a run as JSON Lines, and replay a run from such a file.

`--record FILE` wraps the provider in `RecordingProvider`: each call becomes one line with the
request, the answer (or the error), and how long it took; every configured key is redacted
from each string before the line is written (never from the serialized line, which a pattern
could cut mid-escape, and never by shape, which would change answers that show a
`Bearer $TOKEN` header and so break a byte-identical replay).
`--replay FILE` swaps the provider for `ReplayProvider`, which answers from the file without a
network. Lines are matched by a hash of the request (messages, model, limits, schema), and a
request asked several times (retries) gets the recorded answers in their order, so a run with
a misbehaving model replays exactly. A request the file does not hold stops the run with
exit 2: a replay that quietly called a model would not be a replay.

A user can attach a recording to a bug report; tests replay real-model behaviour with it.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ucop.errors import (
    PermanentError,
    ProviderError,
    RateLimited,
    SourceError,
    TransientError,
    UnusableOutput,
    UsageError,
)
from ucop.files import check_writable_file, open_for_writing, read_input_bytes
from ucop.providers.base import Completion, CompletionRequest, Provider
from ucop.redaction import configured_secrets, scrub

FORMAT = "ucop-recording/1"
MAX_RECORDING_BYTES = 256 * 1024 * 1024  # a long run's exchanges; read whole, so bounded
KEY_SHAPE = re.compile(r"\b(?:sk|pk|rk)-[A-Za-z0-9_\-]{12,}")  # an API key nobody configured here
ERRORS: dict[str, type[ProviderError]] = {
    "unusable": UnusableOutput,
    "rate_limited": RateLimited,
    "transient": TransientError,
    "permanent": PermanentError,
}


class ReplayError(UsageError):
    """The recording cannot be read, or does not hold a request the run made (exit 2)."""


def request_key(request: CompletionRequest) -> str:
    """A hash of what decides a model's answer; not the timeout, which depends on timing."""
    material = {
        "messages": [[m.role, m.content] for m in request.messages],
        "model": request.model,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "schema": request.schema,
    }
    text = json.dumps(material, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class RecordingProvider:
    """A `Provider` that passes each call to `inner` and appends the exchange to `path`."""

    def __init__(
        self,
        inner: Provider,
        path: Path,
        *,
        secrets: Iterable[str] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        check_writable_file(path, "--record")
        self.inner = inner
        self.name = inner.name
        self.path = path
        self._secrets = tuple(s for s in (*secrets, *configured_secrets()) if s)
        self._clock = clock
        self._lock = threading.Lock()
        self._file: Any = None

    def complete(self, request: CompletionRequest) -> Completion:
        started = self._clock()
        try:
            completion = self.inner.complete(request)
        except ProviderError as error:
            self._write(request, {"error": _error_entry(error)}, self._clock() - started)
            raise
        self._write(request, {"answer": _answer_entry(completion)}, self._clock() - started)
        return completion

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()

    def _write(self, request: CompletionRequest, outcome: dict[str, Any], took: float) -> None:
        entry = {
            "format": FORMAT,
            "key": request_key(request),
            "provider": self.name,
            "task": request.task,
            "request": _request_entry(request),
            **outcome,
            "elapsed_s": round(took, 4),
        }
        line = json.dumps(_key_shapes_out(scrub(entry, self._secrets)), ensure_ascii=False)
        with self._lock:
            if self._file is None:
                self._file = open_for_writing(self.path, "--record")
            self._file.write(line + "\n")
            self._file.flush()


class ReplayProvider:
    """A `Provider` that answers from a recording, never from the network."""

    def __init__(self, path: Path, name: str = "replay") -> None:
        self.name = name
        self.path = path
        self._entries = load_recording(path)
        self._used: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def models(self) -> list[str]:
        """The models the recorded requests named, in order of first use."""
        return self._distinct(lambda entry: entry["request"].get("model"))

    @property
    def providers(self) -> list[str]:
        """The providers that answered the recorded requests, in order of first use."""
        return self._distinct(lambda entry: entry.get("provider"))

    def _distinct(self, field: Callable[[dict[str, Any]], Any]) -> list[str]:
        seen: dict[str, None] = {}
        for entries in self._entries.values():
            for entry in entries:
                seen.setdefault(str(field(entry) or ""), None)
        return [value for value in seen if value]

    def complete(self, request: CompletionRequest) -> Completion:
        key = request_key(request)
        with self._lock:
            entries = self._entries.get(key)
            if not entries:
                raise ReplayError(
                    f"replay: {self.path} holds no answer for this {request.task or 'model'} "
                    f"request (key {key[:12]}) - the brief, sources, prompts or settings "
                    "differ from the recorded run; record it again with --record"
                )
            turn = self._used.get(key, 0)
            self._used[key] = turn + 1
        entry = entries[min(turn, len(entries) - 1)]  # more calls than recorded: repeat the last
        if "error" in entry:
            raise _rebuilt_error(entry["error"], self.name)
        return _completion(entry["answer"])

    def close(self) -> None:
        pass


def load_recording(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Recorded exchanges by request key, in file order; a ReplayError when unreadable."""
    try:
        lines = read_input_bytes(path, MAX_RECORDING_BYTES).decode("utf-8").splitlines()
    except SourceError as exc:  # a FIFO or a device (it would hang or fill memory), too big
        raise ReplayError(f"replay: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReplayError(f"replay: cannot read {path} ({type(exc).__name__})") from None
    entries: dict[str, list[dict[str, Any]]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        entry = _parse_line(line, path, number)
        entries.setdefault(entry["key"], []).append(entry)
    if not entries:
        raise ReplayError(f"replay: {path} holds no recorded exchanges")
    return entries


def _parse_line(line: str, path: Path, number: int) -> dict[str, Any]:
    try:
        entry = json.loads(line)
    except ValueError:
        entry = None
    valid = (
        isinstance(entry, dict)
        and entry.get("format") == FORMAT
        and isinstance(entry.get("key"), str)
        and isinstance(entry.get("request"), dict)
        and (isinstance(entry.get("answer"), dict) or isinstance(entry.get("error"), dict))
    )
    if not valid:
        raise ReplayError(
            f"replay: {path} line {number} is not a ucop recording line ({FORMAT}) "
            "- pass a file written by --record"
        )
    return entry


def _request_entry(request: CompletionRequest) -> dict[str, Any]:
    return {
        "model": request.model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "schema": request.schema,
    }


def _answer_entry(completion: Completion) -> dict[str, Any]:
    return {
        "text": completion.text,
        "input_tokens": completion.input_tokens,
        "output_tokens": completion.output_tokens,
        "model": completion.model,
        "finish_reason": completion.finish_reason,
    }


def _error_entry(error: ProviderError) -> dict[str, Any]:
    kind = next((k for k, cls in ERRORS.items() if isinstance(error, cls)), "permanent")
    return {"kind": kind, "message": str(error), "status": error.status}


def _rebuilt_error(entry: dict[str, Any], provider: str) -> ProviderError:
    cls = ERRORS.get(str(entry.get("kind")), PermanentError)
    status = entry.get("status")
    return cls(
        str(entry.get("message") or "recorded error"),
        provider=provider,
        status=status if isinstance(status, int) else None,
    )


def _completion(answer: dict[str, Any]) -> Completion:
    def count(name: str) -> int:
        value = answer.get(name)
        return value if isinstance(value, int) and value >= 0 else 0

    return Completion(
        text=str(answer.get("text") or ""),
        input_tokens=count("input_tokens"),
        output_tokens=count("output_tokens"),
        model=str(answer.get("model") or ""),
        finish_reason=str(answer.get("finish_reason") or ""),
    )


def _key_shapes_out(value: Any) -> Any:
    """`value` with API-key-shaped strings (`sk-...`) redacted in every string it holds."""
    if isinstance(value, str):
        return KEY_SHAPE.sub("[redacted]", value)
    if isinstance(value, dict):
        return {key: _key_shapes_out(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_key_shapes_out(item) for item in value]
    return value
