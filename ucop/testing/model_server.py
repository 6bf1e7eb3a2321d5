"""A model server on 127.0.0.1 that speaks the OpenAI and Anthropic HTTP APIs, with faults.

Tests and benchmarks start one to exercise the real HTTP providers over a real socket:

    with ModelServer(latency_s=0.05) as server:
        server.enqueue(Fault.rate_limit(retry_after="1"), Fault.server_error(503))
        ...  # point a provider at server.base_url (OpenAI) or server.root_url (Anthropic)
        assert server.count == 3

Faults are scripted (`enqueue`, applied to the next requests in order) or random
(`fault_rate`, seeded). Every request is recorded without its key. Run it by hand with
`python -m ucop.testing.model_server --port 8765 --latency 0.2`.

Real servers differ, and the server can play them (see `ucop.testing.misbehaviour`):
`misbehave=` answers like a sloppy model, `reject=("response_format",)` answers a request
carrying that argument with 400 "Unrecognized request argument", `models=` is what
`GET .../models` lists, and `/openai/deployments/{name}/chat/completions?api-version=...`
is Azure OpenAI's route (key in the `api-key` header). Chat routes match on their suffix,
so any base-URL path shape (`/api/v1`, `/openai/v1`, `/v1beta/openai`) works.
`counts` tallies requests by kind: openai, anthropic, azure, models, rejected, other.

Local servers: `persona="llama-cpp-python"` (or `openai`, `vllm`, `mistral`...) refuses
structured-output forms with that server's status and message (`ucop.testing.personas`);
`slots=1, token_rate=400` generates one answer at a time at 400 words/s and queues the rest,
and answers llama-server's `GET /props` and `/slots` (`ucop.testing.slots`; these probes
are counted in `probes`, not `requests`). `headers=` adds headers to every answer and
`usage=` replaces usage figures, to play servers that send junk.

With `limits=RateLimits(...)` it enforces request and token limits per fixed window and
sends OpenAI- or Anthropic-style rate-limit headers and 429s with Retry-After, like the real
APIs (`--limit-requests 3 --window 1` by hand).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import math
import random
import re
import socket
import socketserver
import struct
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ucop.testing.misbehaviour import MODES, check_modes, misbehave
from ucop.testing.personas import PERSONAS, Persona, refusal
from ucop.testing.slots import SlotQueue, prompt_words

# A responder answers a request body with text, or with a `Fault` to apply to that request
# (a model that fails on one particular prompt, say).
Responder = Callable[[Mapping[str, Any]], "str | Fault"]
_Slot = tuple[int, int]  # (stats generation, index in the records)
SECRET_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "proxy-authorization"})
OPENAI_PATH = "/v1/chat/completions"
ANTHROPIC_PATH = "/v1/messages"
AZURE_PATH = re.compile(r"^.*/openai/deployments/([^/]+)/chat/completions$")
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error"}


@dataclass(frozen=True)
class Fault:
    """One way for a request to go wrong; build them with the class methods."""

    kind: str  # status | reset | malformed_json | empty_content | hang | trickle
    status: int = 200
    message: str = ""
    retry_after: str | None = None
    retry_after_ms: int | None = None
    retry_after_date_in_s: float | None = None
    chunk_bytes: int = 4
    delay_s: float = 0.05

    @classmethod
    def rate_limit(cls, retry_after: str | None = "1") -> Fault:
        """429 with `Retry-After` in seconds (or no header when None)."""
        return cls("status", 429, "Rate limit reached, slow down", retry_after=retry_after)

    @classmethod
    def rate_limit_date(cls, in_s: float = 1.0) -> Fault:
        """429 with `Retry-After` as an HTTP-date `in_s` seconds after the response is sent."""
        return cls("status", 429, "Rate limit reached, slow down", retry_after_date_in_s=in_s)

    @classmethod
    def rate_limit_ms(cls, ms: int = 1000) -> Fault:
        """429 with OpenAI's `retry-after-ms` header."""
        return cls("status", 429, "Rate limit reached, slow down", retry_after_ms=ms)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls("status", status, f"The server had an error ({status})")

    @classmethod
    def client_error(cls, status: int = 400, message: str = "Invalid request") -> Fault:
        return cls("status", status, message)

    @classmethod
    def reset(cls) -> Fault:
        """Read the request, then drop the connection with a TCP reset."""
        return cls("reset")

    @classmethod
    def malformed_json(cls) -> Fault:
        return cls("malformed_json")

    @classmethod
    def empty_content(cls) -> Fault:
        return cls("empty_content")

    @classmethod
    def hang(cls) -> Fault:
        """Never answer; the handler is released when the server stops."""
        return cls("hang")

    @classmethod
    def trickle(cls, chunk_bytes: int = 4, delay_s: float = 0.05) -> Fault:
        """A valid response whose body arrives `chunk_bytes` at a time, `delay_s` apart."""
        return cls("trickle", chunk_bytes=chunk_bytes, delay_s=delay_s)

    def headers(self, now: float) -> list[tuple[str, str]]:
        """The retry headers this fault sends, with any HTTP-date computed from `now`."""
        headers = []
        if self.retry_after is not None:
            headers.append(("Retry-After", self.retry_after))
        if self.retry_after_ms is not None:
            headers.append(("retry-after-ms", str(self.retry_after_ms)))
        if self.retry_after_date_in_s is not None:
            date = formatdate(now + self.retry_after_date_in_s, usegmt=True)
            headers.append(("Retry-After", date))
        return headers


@dataclass(frozen=True)
class RequestRecord:
    """What arrived: never a key, only whether one was sent."""

    method: str
    path: str
    body: Any
    headers: Mapping[str, str]  # lower-case names, secret headers left out
    has_authorization: bool
    has_api_key: bool
    arrived: float
    finished: float | None = None
    fault: Fault | None = None
    kind: str = "other"  # openai | anthropic | azure | models | other
    rejected: bool = False  # answered 400 for an argument the server plays as unknown
    has_azure_key: bool = False


def echo_responder(body: Mapping[str, Any]) -> str:
    """A short Markdown paragraph, always the same for the same last user message."""
    words = _last_user_text(body).split()
    topic = " ".join(words[:8]) or "an empty prompt"
    return (
        f"**Answer.** This paragraph responds to _{topic}_. It was written by the loopback "
        f"model server from a prompt of {len(words)} words, so the same prompt always gets "
        "the same text."
    )


@dataclass(frozen=True)
class RateLimits:
    """What the server allows per fixed window: requests and tokens (None: no limit)."""

    requests: int | None = None
    tokens: int | None = None
    window_s: float = 60.0


@dataclass(frozen=True)
class Verdict:
    """One request's admission, with the figures its rate-limit headers report."""

    ok: bool
    exceeded: str  # "requests" | "tokens" | ""
    limits: RateLimits
    requests_left: int | None
    tokens_left: int | None
    reset_s: float  # until the window ends

    def headers(self, path: str, now: float) -> list[tuple[str, str]]:
        """OpenAI- or Anthropic-style limit headers, plus Retry-After on a refusal."""
        style = anthropic_headers if path == ANTHROPIC_PATH else openai_headers
        headers = style(self, now)
        if not self.ok:
            headers.append(("Retry-After", str(max(1, math.ceil(self.reset_s)))))
            headers.append(("retry-after-ms", str(max(1, math.ceil(self.reset_s * 1000)))))
        return headers


class RateWindow:
    """Fixed-window request and token counting, like a provider's per-minute limits.

    Tokens are charged as the prompt's words when a request arrives and its answer's words
    when it is sent. A refused request is not counted against the window.
    """

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._start = clock()
        self._lock = threading.Lock()
        self._index = 0
        self._requests = 0
        self._tokens = 0
        self.admitted = 0
        self.refused = 0
        self.tokens_charged = 0  # over every window: what the admitted requests used

    def admit(self, prompt_tokens: int, now: float) -> Verdict:
        with self._lock:
            reset = self._roll(now)
            exceeded = self._exceeded()
            if not exceeded:
                self._requests += 1
                self._tokens += prompt_tokens
                self.tokens_charged += prompt_tokens
                self.admitted += 1
            else:
                self.refused += 1
            return self._verdict(not exceeded, exceeded, reset)

    def charge(self, output_tokens: int, verdict: Verdict) -> None:
        with self._lock:
            self._tokens += output_tokens
            self.tokens_charged += output_tokens

    def _roll(self, now: float) -> float:
        """Move to the window `now` falls in; the seconds until it ends."""
        window = self.limits.window_s
        index = int((now - self._start) // window)
        if index != self._index:
            self._index, self._requests, self._tokens = index, 0, 0
        return self._start + (index + 1) * window - now

    def _exceeded(self) -> str:
        if self.limits.requests is not None and self._requests >= self.limits.requests:
            return "requests"
        if self.limits.tokens is not None and self._tokens >= self.limits.tokens:
            return "tokens"
        return ""

    def _verdict(self, ok: bool, exceeded: str, reset: float) -> Verdict:
        requests = self.limits.requests
        tokens = self.limits.tokens
        return Verdict(
            ok=ok,
            exceeded=exceeded,
            limits=self.limits,
            requests_left=None if requests is None else max(0, requests - self._requests),
            tokens_left=None if tokens is None else max(0, tokens - self._tokens),
            reset_s=reset,
        )


def go_duration(seconds: float) -> str:
    """OpenAI's reset format: "20ms", "1.5s", "6m0s"."""
    if seconds < 1:
        return f"{max(1, round(seconds * 1000))}ms"
    if seconds < 60:
        return f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:.0f}s"


def openai_headers(verdict: Verdict, now: float) -> list[tuple[str, str]]:
    headers = []
    for kind, left, limit in _kinds(verdict):
        headers += [
            (f"x-ratelimit-limit-{kind}", str(limit)),
            (f"x-ratelimit-remaining-{kind}", str(left)),
            (f"x-ratelimit-reset-{kind}", go_duration(verdict.reset_s)),
        ]
    return headers


def anthropic_headers(verdict: Verdict, now: float) -> list[tuple[str, str]]:
    reset = dt.datetime.fromtimestamp(now + verdict.reset_s, dt.timezone.utc)
    stamp = reset.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    headers = []
    for kind, left, limit in _kinds(verdict):
        headers += [
            (f"anthropic-ratelimit-{kind}-limit", str(limit)),
            (f"anthropic-ratelimit-{kind}-remaining", str(left)),
            (f"anthropic-ratelimit-{kind}-reset", stamp),
        ]
    return headers


def _kinds(verdict: Verdict) -> list[tuple[str, int, int]]:
    pairs = [
        ("requests", verdict.requests_left, verdict.limits.requests),
        ("tokens", verdict.tokens_left, verdict.limits.tokens),
    ]
    return [(k, left, limit) for k, left, limit in pairs if left is not None and limit is not None]


class PromptCache:
    """Reports cached input tokens the way OpenAI and Anthropic decide them (tokens are words).

    OpenAI caches by itself: the longest prefix of the whole prompt (every message, in order)
    seen before, counted in whole blocks (128 tokens) and only from a minimum (1024 tokens).
    Anthropic caches only what a request marks: each block carrying `cache_control` (tools,
    then system, then messages) writes the prefix up to its end; a later request reads the
    longest such prefix it repeats, checked at every block boundary up to its last breakpoint;
    its minimum is 1024 tokens too (2048 on the small models). The loopback server scales the
    real figures down 8x by default (`min_tokens=128`, `block=16`), as its prompts are short.
    """

    def __init__(self, min_tokens: int = 128, block: int = 16) -> None:
        if min_tokens < 1 or block < 1:
            raise ValueError("the prompt cache needs min_tokens >= 1 and block >= 1")
        self.min_tokens = min_tokens
        self.block = block
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def cached_words(self, path: str, body: Mapping[str, Any]) -> int:
        """Tokens of `body` read from the cache; records what it writes for later requests."""
        return self.usage(path, body)[0]

    def usage(self, path: str, body: Mapping[str, Any]) -> tuple[int, int]:
        """(tokens read from the cache, tokens written to it) for one request."""
        if path == ANTHROPIC_PATH:
            return self._marked(body)
        words = " ".join(_text(m.get("content")) for m in _messages(body)).split()
        ends = range(self.block, len(words) + 1, self.block)
        keys = [(end, _key(" ".join(words[:end]))) for end in ends if end >= self.min_tokens]
        with self._lock:
            hits = [end for end, key in keys if key in self._seen]
            self._seen.update(key for _, key in keys)
        return (max(hits) if hits else 0), 0

    def _marked(self, body: Mapping[str, Any]) -> tuple[int, int]:
        boundaries, breakpoints = _anthropic_blocks(body)
        if not breakpoints:
            return 0, 0
        last = breakpoints[-1]
        candidates = [(n, _key(k)) for n, k in boundaries[: last + 1] if n >= self.min_tokens]
        writes = [(n, _key(k)) for n, k in (boundaries[i] for i in breakpoints)]
        writes = [(n, key) for n, key in writes if n >= self.min_tokens]
        with self._lock:
            hits = [n for n, key in candidates if key in self._seen]
            self._seen.update(key for _, key in writes)
        read = max(hits) if hits else 0
        written = max((n for n, _ in writes), default=0)
        return read, max(written - read, 0)


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _anthropic_blocks(body: Mapping[str, Any]) -> tuple[list[tuple[int, str]], list[int]]:
    """Every block boundary of an Anthropic request as (tokens so far, the text so far), and
    the indexes of the boundaries that end a block marked `cache_control`.

    Tools come first in Anthropic's prefix; they count in the key but not as prompt tokens,
    since the loopback server does not bill them."""
    blocks: list[tuple[str, int, bool]] = []
    for tool in body.get("tools") or ():
        if isinstance(tool, dict):
            blocks.append((json.dumps(tool, sort_keys=True), 0, bool(tool.get("cache_control"))))
    system = body.get("system")
    parts: list[Any] = [system] if isinstance(system, str) else list(system or ())
    for message in _messages(body):
        content = message.get("content")
        parts += content if isinstance(content, list) else [content]
    for part in parts:
        text = _text([part] if isinstance(part, dict) else part)
        marked = isinstance(part, dict) and bool(part.get("cache_control"))
        blocks.append((text, len(text.split()), marked))
    boundaries: list[tuple[int, str]] = []
    breakpoints: list[int] = []
    count, key = 0, ""
    for text, words, marked in blocks:
        count, key = count + words, key + "\x00" + " ".join(text.split())
        if marked:
            breakpoints.append(len(boundaries))
        boundaries.append((count, key))
    return boundaries, breakpoints


class ModelServer:
    """A `ThreadingHTTPServer` on 127.0.0.1 in a daemon thread; a context manager."""

    def __init__(
        self,
        *,
        latency_s: float = 0.0,
        jitter_s: float = 0.0,
        seed: int = 0,
        responder: Responder = echo_responder,
        api_key: str | None = None,
        port: int = 0,
        misbehave: str | Iterable[str] | None = None,
        reject: Iterable[str] = (),
        models: Sequence[str] = ("model-server",),
        deployments: Iterable[str] | None = None,
        limits: RateLimits | None = None,
        prompt_cache: PromptCache | None = None,
        persona: str | None = None,
        slots: int | None = None,
        token_rate: float | None = None,
        prompt_rate: float | None = None,
        headers: Sequence[tuple[str, str]] = (),
        usage: Mapping[str, Any] | None = None,
        report_slots: bool = True,
    ) -> None:
        self.latency_s = latency_s
        # How a real server refuses structured-output forms (see ucop.testing.personas).
        self.persona: Persona | None = PERSONAS[persona] if persona else None
        # slots: requests generated at once, the rest queue (see ucop.testing.slots).
        self.slots = SlotQueue(slots, latency_s, token_rate, prompt_rate) if slots else None
        self.extra_headers = tuple(headers)  # sent with every answer (junk limit headers...)
        self.usage_override = dict(usage or {})  # replaces usage figures (absurd ones...)
        self.probes = 0  # GET /props and /slots: slot reports asked for, not model requests
        self.report_slots = report_slots  # False: a queue that does not say (llama-cpp-python)
        self.misbehave = check_modes(misbehave)
        self.reject = frozenset(reject)  # request arguments answered with a 400
        self.models = tuple(models)
        self.deployments = None if deployments is None else frozenset(deployments)
        self.jitter_s = jitter_s
        self.responder = responder
        # When set, any other key gets a 401 that echoes it, so tests can prove redaction.
        self.api_key = api_key
        self._port = port
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._queue: deque[Fault] = deque()
        self._rates: list[tuple[Fault, float, random.Random]] = []
        self._records: list[RequestRecord] = []
        self._generation = 0  # bumped by reset_stats so late finishes skip cleared records
        self._in_flight = 0
        self._peak = 0
        self._connections: set[socket.socket] = set()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self.rate_window = RateWindow(limits) if limits else None
        self.prompt_cache = prompt_cache or PromptCache()

    # lifecycle

    def start(self) -> ModelServer:
        if self._httpd is not None:
            raise RuntimeError("this ModelServer was already started; make a new one")
        self._httpd = _Server(("127.0.0.1", self._port), _Handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},  # how quickly stop() is noticed
            name="model-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release every handler, including hung and trickling ones."""
        self._stopping.set()
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            _shut(connection)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ModelServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the ModelServer is not started")
        return int(self._httpd.server_address[1])

    @property
    def root_url(self) -> str:
        """`http://127.0.0.1:PORT`: the base URL for the Anthropic provider."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/v1`: the base URL for the OpenAI provider."""
        return f"{self.root_url}/v1"

    # faults

    def enqueue(self, *faults: Fault) -> None:
        """Apply `faults` to the next requests, one each, in order."""
        with self._lock:
            self._queue.extend(faults)

    def fault_rate(self, fault: Fault, p: float, seed: int = 0) -> None:
        """Apply `fault` to each later request with probability `p` (after queued faults)."""
        with self._lock:
            self._rates.append((fault, p, random.Random(seed)))

    def clear_faults(self) -> None:
        with self._lock:
            self._queue.clear()
            self._rates.clear()

    # statistics

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._records)

    @property
    def counts(self) -> Counter[str]:
        """Requests by kind (openai, anthropic, azure, models, other), plus `rejected`."""
        with self._lock:
            records = list(self._records)
        tally = Counter(r.kind for r in records)
        tally["rejected"] = sum(r.rejected for r in records)
        return tally

    @property
    def peak_concurrency(self) -> int:
        with self._lock:
            return self._peak

    @property
    def rate_limited(self) -> int:
        """Requests answered 429 by the server's own limits (scripted faults not counted)."""
        return self.rate_window.refused if self.rate_window else 0

    def reset_stats(self) -> None:
        with self._lock:
            self._records.clear()
            self._generation += 1
            self._peak = self._in_flight

    # used by the handler

    def _arrive(self, record: RequestRecord, faultable: bool) -> tuple[_Slot, Fault | None, float]:
        """Record an arrival; return where it is, the fault to apply and the latency to add."""
        with self._lock:
            fault = self._pick_fault() if faultable else None
            self._records.append(replace(record, fault=fault))
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
            delay = self.latency_s + (self._rng.uniform(0, self.jitter_s) if self.jitter_s else 0)
            if self.slots is not None:
                delay = 0.0  # the slot queue applies the latency
            return (self._generation, len(self._records) - 1), fault, delay

    def _pick_fault(self) -> Fault | None:
        if self._queue:
            return self._queue.popleft()
        for fault, p, rng in self._rates:
            if rng.random() < p:
                return fault
        return None

    def _finish(self, slot: _Slot) -> None:
        generation, index = slot
        with self._lock:
            self._in_flight -= 1
            if generation == self._generation:
                self._records[index] = replace(self._records[index], finished=time.monotonic())

    def _track(self, connection: socket.socket, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(connection)


@contextlib.contextmanager
def loopback_server(
    latency_s: float, jitter_s: float = 0.0, seed: int = 0
) -> Iterator[ModelServer]:
    """A `ModelServer` answering ucop's prompts (`article_responder`), started and stopped:
    what `ucop bench` and the benchmarks run the workflow against."""
    from ucop.testing.responders import article_responder

    with ModelServer(
        latency_s=latency_s, jitter_s=jitter_s, seed=seed, responder=article_responder
    ) as server:
        yield server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type, owner: ModelServer) -> None:
        self.owner = owner
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name, which can stall without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # clients hanging up are part of the job
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """One connection; requests on it are handled in turn (HTTP/1.1 keep-alive)."""

    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections end on their own
    server: _Server
    _open: _Slot | None = None  # the request being answered, until it is finished

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and
        # delayed ACKs add 40 ms to every response on a kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.owner = self.server.owner
        self.owner._track(self.connection, add=True)

    def finish(self) -> None:
        self.owner._track(self.connection, add=False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        if _is_slot_report(self.path):  # not a model request: counted apart, in `probes`
            return self._slot_report()
        self._arrive(None, faultable=False, kind="models" if _is_models(self.path) else "other")
        if _is_models(self.path) and not self._key_ok():
            self._send(401, _json(_error("models", 401, self._bad_key())))
        elif _is_models(self.path):
            self._send(200, _json(_model_list(self.owner.models)))
        else:
            self._send(404, _json(_error("other", 404, "Not found")))

    def _slot_report(self) -> None:
        """llama-server's `/props` and `/slots` when the server has slots; else a 404."""
        with self.owner._lock:
            self.owner.probes += 1
        queue = self.owner.slots
        if queue is None or not self.owner.report_slots:
            self._send(404, _json(_error("other", 404, "Not found")))
        elif urlsplit(self.path).path.rstrip("/").endswith("/props"):
            self._send(200, _json(queue.props()))
        else:
            self._send(200, _json(queue.slot_list()))

    def do_POST(self) -> None:  # noqa: N802
        body = _parse(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        route = _route(self.path)
        rejected = _rejected_argument(body, self.owner.reject) if route != "other" else None
        refused = self._persona_refusal(route, body)
        if refused and rejected is None:
            rejected = "response_format"
        faultable = route != "other" and body is not None and rejected is None
        fault, delay = self._arrive(body, faultable, kind=route, rejected=rejected is not None)
        self._verdict = None
        if faultable and isinstance(body, dict) and fault is None:
            self._verdict = self._admit(body)
            if self._verdict is not None and not self._verdict.ok:
                delay = 0.0  # a real API refuses at once
        try:
            if self.owner._stopping.wait(delay):
                self._drop()
            elif route == "other":
                self._send(404, _json(_error(route, 404, "Not found")))
            elif body is None:
                self._send(400, _json(_error(route, 400, "The body is not JSON")))
            elif not self._key_ok():
                self._send(401, _json(_error(route, 401, self._bad_key())))
            elif route == "azure" and (problem := self._azure_problem()):
                self._send(404, _json(_error(route, 404, problem)))
            elif refused:
                self._send(*refused)
            elif rejected is not None:
                message = f"Unrecognized request argument supplied: {rejected}"
                self._send(400, _json(_error(route, 400, message)))
            else:
                self._respond(route, body, fault)
        except OSError:  # the client hung up
            self._drop()

    def _persona_refusal(self, route: str, body: Any) -> tuple[int, bytes] | None:
        persona = self.owner.persona
        if persona is None or route not in ("openai", "azure") or not isinstance(body, dict):
            return None
        return refusal(persona, body)

    def _admit(self, body: Mapping[str, Any]) -> Verdict | None:
        """The rate-limit verdict for this request; None when the server has no limits."""
        window = self.owner.rate_window
        return window.admit(_prompt_words(body), time.monotonic()) if window else None

    def _respond(self, route: str, body: Mapping[str, Any], fault: Fault | None) -> None:
        verdict = getattr(self, "_verdict", None)
        if verdict is not None and not verdict.ok:
            message = f"Rate limit reached for {verdict.exceeded}, please try again later"
            refusal = verdict.headers(_api_path(route), time.time())
            self._send(429, _json(_error(route, 429, message)), refusal)
            return
        answer = self.owner.responder(body) if fault is None else None
        if isinstance(answer, Fault):
            fault, answer = answer, None
        kind = fault.kind if fault else "ok"
        if fault is not None and kind == "status":
            error = _json(_error(route, fault.status, fault.message))
            self._send(fault.status, error, fault.headers(time.time()))
        elif kind == "reset":
            self._reset()
        elif kind == "hang":
            self.owner._stopping.wait()
            self._drop()
        elif kind == "malformed_json":
            self._send(200, b'{"choices": [{"message": {"content": "trunc')
        else:
            if answer is None and kind != "empty_content":
                answer = self.owner.responder(body)
            text, cut = misbehave(str(answer or ""), self.owner.misbehave, body)
            trickle = fault if kind == "trickle" else None
            cached = self.owner.prompt_cache.usage(_api_path(route), body)
            reply = _completion(route, body, text, cut, self._deployment(), *cached)
            reply["usage"].update(self.owner.usage_override)
            queue = self.owner.slots
            prompt = prompt_words(body) if queue is not None and queue.prompt_rate else ()
            if queue is not None and not queue.serve(
                len(text.split()), self.owner._stopping, prompt, text
            ):
                return self._drop()
            headers: list[tuple[str, str]] = list(self.owner.extra_headers)
            if verdict is not None and self.owner.rate_window is not None:
                self.owner.rate_window.charge(len(text.split()), verdict)
                headers += verdict.headers(_api_path(route), time.time())
            self._send(200, _json(reply), headers, trickle=trickle)

    def _arrive(
        self, body: Any, faultable: bool, kind: str, rejected: bool = False
    ) -> tuple[Fault | None, float]:
        headers = {name.lower(): value for name, value in self.headers.items()}
        record = RequestRecord(
            method=self.command,
            path=self.path,
            body=body,
            headers={k: v for k, v in headers.items() if k not in SECRET_HEADERS},
            has_authorization="authorization" in headers,
            has_api_key="x-api-key" in headers,
            arrived=time.monotonic(),
            kind=kind,
            rejected=rejected,
            has_azure_key="api-key" in headers,
        )
        self._open, fault, delay = self.owner._arrive(record, faultable)
        return fault, delay

    def _deployment(self) -> str | None:
        match = AZURE_PATH.match(urlsplit(self.path).path)
        return match.group(1) if match else None

    def _azure_problem(self) -> str | None:
        """Azure's own checks: an api-version in the query and a known deployment."""
        if not parse_qs(urlsplit(self.path).query).get("api-version"):
            return "Resource not found (the api-version query parameter is missing)"
        known = self.owner.deployments
        if known is not None and self._deployment() not in known:
            return f"The API deployment {self._deployment()} does not exist (DeploymentNotFound)"
        return None

    def _presented_key(self) -> str:
        bearer = self.headers.get("Authorization", "")
        key = self.headers.get("x-api-key") or self.headers.get("api-key")
        return key or bearer.removeprefix("Bearer ").strip()

    def _key_ok(self) -> bool:
        expected = self.owner.api_key
        return expected is None or self._presented_key() == expected

    def _bad_key(self) -> str:
        return f"Incorrect API key provided: {self._presented_key() or '(none)'}"

    def _done(self) -> None:
        """Mark the open request finished, once."""
        if self._open is not None:
            self.owner._finish(self._open)
            self._open = None

    def _send(
        self,
        status: int,
        data: bytes,
        headers: list[tuple[str, str]] | None = None,
        trickle: Fault | None = None,
    ) -> None:
        """Send a response, marking the request finished before its last bytes leave.

        Finishing first means a client that waits for the whole response before sending
        its next request can never be counted as overlapping this one.
        """
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers or ():
            self.send_header(name, value)
        self.end_headers()
        chunks = _chunks(data, trickle.chunk_bytes) if trickle else [data]
        for chunk in chunks[:-1]:
            if self.owner._stopping.wait(trickle.delay_s if trickle else 0):
                return self._drop()
            self.wfile.write(chunk)
        self._done()
        self.wfile.write(chunks[-1])

    def _reset(self) -> None:
        """Close with SO_LINGER 0, which sends a TCP reset instead of a clean close."""
        self._done()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.rfile.close()  # the socket really closes once its last file is closed
        self.connection.close()

    def _drop(self) -> None:
        self._done()
        self.close_connection = True


def _chunks(data: bytes, size: int) -> list[bytes]:
    size = max(size, 1)
    return [data[start : start + size] for start in range(0, len(data), size)] or [b""]


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _json(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def _error(route: str, status: int, message: str) -> dict[str, Any]:
    kind = ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    if route == "anthropic":
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": kind, "code": None}}


def _route(path: str) -> str:
    """Which API a POST path speaks, by its suffix, so any base-URL prefix works."""
    plain = urlsplit(path).path.rstrip("/")
    if AZURE_PATH.match(plain):
        return "azure"
    if plain.endswith("/chat/completions"):
        return "openai"
    if plain.endswith(ANTHROPIC_PATH):
        return "anthropic"
    return "other"


def _is_slot_report(path: str) -> bool:
    """llama-server's slot reports: `GET /props`, `GET /slots` (at the root)."""
    return urlsplit(path).path.rstrip("/") in ("/props", "/slots")


def _is_models(path: str) -> bool:
    return urlsplit(path).path.rstrip("/").endswith("/models")


def _model_list(models: Sequence[str]) -> dict[str, Any]:
    return {"object": "list", "data": [{"id": m, "object": "model"} for m in models]}


def _rejected_argument(body: Any, reject: frozenset[str]) -> str | None:
    """The first top-level argument of `body` the server plays as unknown, if any."""
    if not isinstance(body, dict):
        return None
    return next((name for name in sorted(reject) if name in body), None)


def _forced_tool(body: Mapping[str, Any]) -> str | None:
    """The tool an Anthropic request forces with `tool_choice`, if any."""
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "tool":
        return str(choice.get("name") or "")
    return None


def _anthropic_content(body: Mapping[str, Any], text: str) -> tuple[list[dict[str, Any]], str]:
    """A forced tool gets a `tool_use` block when the answer is a JSON object, else text."""
    tool = _forced_tool(body)
    if tool:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return [{"type": "tool_use", "id": "toolu_loopback", "name": tool, "input": data}], (
                "tool_use"
            )
    return ([{"type": "text", "text": text}] if text else []), "end_turn"


def _api_path(route: str) -> str:
    """The canonical path of a route, as the rate-limit and prompt-cache helpers name APIs."""
    return ANTHROPIC_PATH if route == "anthropic" else OPENAI_PATH


def _completion(
    route: str,
    body: Mapping[str, Any],
    text: str,
    cut: bool = False,
    deployment: str | None = None,
    cached: int = 0,
    written: int = 0,
) -> dict[str, Any]:
    model = str(body.get("model") or deployment or "model-server")
    prompt_words = _prompt_words(body)
    output_words = len(text.split())
    if route == "anthropic":
        content, stop = _anthropic_content(body, text)
        usage = {"input_tokens": prompt_words - cached - written, "output_tokens": output_words}
        usage["cache_read_input_tokens"] = cached
        usage["cache_creation_input_tokens"] = written
        return {
            "id": "msg_loopback",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": "max_tokens" if cut else stop,
            "usage": usage,
        }
    return {
        "id": "chatcmpl-loopback",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "length" if cut else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_words,
            "completion_tokens": output_words,
            "total_tokens": prompt_words + output_words,
            "prompt_tokens_details": {"cached_tokens": cached},
        },
    }


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return ""


def _messages(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    messages = body.get("messages")
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []


def _last_user_text(body: Mapping[str, Any]) -> str:
    users = [m for m in _messages(body) if m.get("role") == "user"]
    return _text(users[-1].get("content")) if users else ""


def _prompt_words(body: Mapping[str, Any]) -> int:
    texts = [_text(m.get("content")) for m in _messages(body)] + [_text(body.get("system"))]
    return sum(len(text.split()) for text in texts)


def _shut(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


FAULTS: dict[str, Callable[[], Fault]] = {
    "rate_limit": Fault.rate_limit,
    "server_error": Fault.server_error,
    "reset": Fault.reset,
    "malformed_json": Fault.malformed_json,
    "empty_content": Fault.empty_content,
    "trickle": Fault.trickle,
}


def _add_behaviour_options(parser: argparse.ArgumentParser) -> None:
    """Flags that make the server act like a particular real model or server."""
    parser.add_argument(
        "--misbehave",
        action="append",
        default=[],
        choices=sorted(MODES),
        help="answer like a sloppy model: " + "; ".join(f"{k}: {v}" for k, v in MODES.items()),
    )
    parser.add_argument(
        "--reject",
        action="append",
        default=[],
        metavar="ARGUMENT",
        help="answer requests carrying this argument (e.g. response_format, tools) with a 400",
    )
    parser.add_argument(
        "--persona",
        choices=sorted(PERSONAS),
        help="refuse structured-output forms the way this real server does (status, message)",
    )
    parser.add_argument(
        "--slots",
        type=int,
        help="requests generated at once (a local llama.cpp server: 1); the rest queue",
    )
    parser.add_argument(
        "--token-rate",
        type=float,
        help="with --slots: words per second each slot generates (added to --latency)",
    )
    parser.add_argument(
        "--models",
        default="model-server",
        help="comma-separated model ids that GET /v1/models lists (empty: none)",
    )


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def main(argv: list[str] | None = None) -> int:
    """Serve until Ctrl-C, printing the base URLs to point providers at."""
    parser = argparse.ArgumentParser(
        prog="python -m ucop.testing.model_server",
        description="A loopback OpenAI/Anthropic-compatible model server for demos and benchmarks.",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per response")
    parser.add_argument("--jitter", type=float, default=0.0, help="extra random seconds, 0..J")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--responder",
        choices=("article", "echo"),
        default="article",
        help="article: answers ucop's prompts usefully (default); echo: repeats the prompt",
    )
    parser.add_argument(
        "--fault-rate",
        action="append",
        default=[],
        metavar="KIND=P",
        help=f"inject a fault with probability P; KIND is one of {', '.join(FAULTS)}",
    )
    _add_behaviour_options(parser)
    parser.add_argument("--limit-requests", type=int, help="requests allowed per window")
    parser.add_argument("--limit-tokens", type=int, help="tokens (words) allowed per window")
    parser.add_argument("--window", type=float, default=60.0, help="limit window, seconds")
    parser.add_argument(
        "--cache-min-tokens",
        type=int,
        default=128,
        help="shortest prefix the prompt cache serves (real APIs: 1024)",
    )
    parser.add_argument(
        "--cache-block", type=int, default=16, help="prompt cache granularity (OpenAI: 128)"
    )
    args = parser.parse_args(argv)
    from ucop.testing.responders import article_responder

    limits = None
    if args.limit_requests or args.limit_tokens:
        limits = RateLimits(args.limit_requests, args.limit_tokens, args.window)

    responder = article_responder if args.responder == "article" else echo_responder
    server = ModelServer(
        latency_s=args.latency,
        jitter_s=args.jitter,
        seed=args.seed,
        port=args.port,
        responder=responder,
        misbehave=args.misbehave,
        reject=args.reject,
        models=_split(args.models),
        limits=limits,
        prompt_cache=PromptCache(args.cache_min_tokens, args.cache_block),
        persona=args.persona,
        slots=args.slots,
        token_rate=args.token_rate,
    )
    for spec in args.fault_rate:
        kind, _, p = spec.partition("=")
        if kind not in FAULTS:
            parser.error(f"--fault-rate: unknown fault {kind!r}; choose one of {', '.join(FAULTS)}")
        server.fault_rate(FAULTS[kind](), float(p or 0.1), seed=args.seed)
    with server:
        print(f"OpenAI base URL:    {server.base_url}", flush=True)
        print(f"Anthropic base URL: {server.root_url}", flush=True)
        print(f"Azure endpoint:     {server.root_url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    raise SystemExit(main())
