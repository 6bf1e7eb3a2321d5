"""`ModelServer`: the loopback server's state, its lifecycle and what it counts."""

from __future__ import annotations

import contextlib
import json
import random
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ucop.testing.misbehaviour import check_modes
from ucop.testing.model_server.exchange import RequestRecord, Responder, Slot
from ucop.testing.model_server.faults import Fault
from ucop.testing.model_server.limits import RateLimits, RateWindow
from ucop.testing.model_server.personas import PERSONAS, Persona
from ucop.testing.model_server.prompt_cache import PromptCache
from ucop.testing.model_server.slots import SlotQueue
from ucop.testing.model_server.sockets import LoopbackHTTPServer, shut
from ucop.testing.model_server.transport import LoopbackTransport
from ucop.testing.model_server.wire import last_user_text


def echo_responder(body: Mapping[str, Any]) -> str:
    """A short Markdown paragraph, always the same for the same last user message."""
    words = last_user_text(body).split()
    topic = " ".join(words[:8]) or "an empty prompt"
    return (
        f"**Answer.** This paragraph responds to _{topic}_. It was written by the loopback "
        f"model server from a prompt of {len(words)} words, so the same prompt always gets "
        "the same text."
    )


class ModelServer:
    """The server: over a socket on 127.0.0.1 once started (a context manager), and in
    process through `transport()`, started or not; both share the faults and the counts."""

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
        # How a real server refuses structured-output forms (see model_server.personas).
        self.persona: Persona | None = PERSONAS[persona] if persona else None
        # slots: requests generated at once, the rest queue (see model_server.slots).
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
        self.stopping = threading.Event()  # set by stop(): every wait in a handler ends
        self._port = port
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._queue: deque[Fault] = deque()
        self._rates: list[tuple[Fault, float, int, Counter[str]]] = []
        self._records: list[RequestRecord] = []
        self._generation = 0  # bumped by reset_stats so late finishes skip cleared records
        self._in_flight = 0
        self._peak = 0
        self._connections: set[socket.socket] = set()
        self._httpd: LoopbackHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.rate_window = RateWindow(limits) if limits else None
        self.prompt_cache = prompt_cache or PromptCache()

    # lifecycle

    def start(self) -> ModelServer:
        if self._httpd is not None:
            raise RuntimeError("this ModelServer was already started; make a new one")
        self._httpd = LoopbackHTTPServer(("127.0.0.1", self._port), self)
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
        self.stopping.set()
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            shut(connection)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ModelServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def transport(self) -> LoopbackTransport:
        """An httpx transport serving this server's requests in process (no socket)."""
        return LoopbackTransport(self)

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
        """Apply `fault` to each later request with probability `p` (after queued faults).

        The draw for a request depends only on the seed, its body and how many times that body
        came before, never on the order concurrent requests arrive in: a seeded run faults the
        same attempts of the same requests however its threads interleave."""
        with self._lock:
            self._rates.append((fault, p, seed, Counter()))

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

    # used by the exchange and the socket handler (see exchange.Backend)

    def arrive(self, record: RequestRecord, faultable: bool) -> tuple[Slot, Fault | None, float]:
        """Record an arrival; return where it is, the fault to apply and the latency to add."""
        with self._lock:
            fault = self._pick_fault(record.body) if faultable else None
            self._records.append(replace(record, fault=fault))
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
            delay = self.latency_s + (self._rng.uniform(0, self.jitter_s) if self.jitter_s else 0)
            if self.slots is not None:
                delay = 0.0  # the slot queue applies the latency
            return (self._generation, len(self._records) - 1), fault, delay

    def _pick_fault(self, body: Any) -> Fault | None:
        if self._queue:
            return self._queue.popleft()
        key = json.dumps(body, sort_keys=True, default=str)
        for fault, p, seed, seen in self._rates:
            seen[key] += 1
            if random.Random(f"{seed}|{seen[key]}|{key}").random() < p:
                return fault
        return None

    def finish(self, slot: Slot) -> None:
        generation, index = slot
        with self._lock:
            self._in_flight -= 1
            if generation == self._generation:
                self._records[index] = replace(self._records[index], finished=time.monotonic())

    def count_probe(self) -> SlotQueue | None:
        """Count a slot report asked for; the slot queue that answers it, if any."""
        with self._lock:
            self.probes += 1
        return self.slots

    def track(self, connection: socket.socket, add: bool) -> None:
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
