"""One request's handling, apart from how its bytes travel: the server's behaviour in one place.

The socket handler (`sockets.py`) and the in-process transport (`transport.py`) both build an
`Exchange` for each request and deliver the `Reply` it returns, so a test that runs in
process meets the same routes, wire formats, keys, faults, limits, personas and slot queue
as one over a socket. Waits (latency, a hang, a full slot queue) happen here, in the thread
that serves the request: a handler thread, or the in-process client's own thread.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import ucop.testing.model_server.wire as wire
from ucop.testing.misbehaviour import misbehave
from ucop.testing.model_server.faults import Fault
from ucop.testing.model_server.limits import RateWindow, Verdict
from ucop.testing.model_server.personas import Persona, refusal
from ucop.testing.model_server.prompt_cache import PromptCache
from ucop.testing.model_server.slots import SlotQueue, prompt_words

# A responder answers a request body with text, or with a `Fault` to apply to that request
# (a model that fails on one particular prompt, say).
Responder = Callable[[Mapping[str, Any]], "str | Fault"]
Slot = tuple[int, int]  # (stats generation, index in the records)
SECRET_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "proxy-authorization"})


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


class Backend(Protocol):
    """What an exchange and the socket handler need of their server (a `ModelServer`)."""

    stopping: threading.Event  # set when the server stops: every wait ends
    responder: Responder
    api_key: str | None
    models: tuple[str, ...]
    reject: frozenset[str]
    deployments: frozenset[str] | None
    persona: Persona | None
    misbehave: tuple[str, ...]
    slots: SlotQueue | None
    report_slots: bool
    prompt_cache: PromptCache
    rate_window: RateWindow | None
    extra_headers: tuple[tuple[str, str], ...]
    usage_override: dict[str, Any]

    def arrive(self, record: RequestRecord, faultable: bool) -> tuple[Slot, Fault | None, float]:
        """Record an arrival: where it is, the fault to apply and the latency to add."""
        ...

    def finish(self, slot: Slot) -> None: ...

    def count_probe(self) -> SlotQueue | None: ...

    def track(self, connection: socket.socket, add: bool) -> None: ...


@dataclass(frozen=True)
class Reply:
    """What to send back: a response (its body maybe trickled), or an end to the connection."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    trickle: Fault | None = None
    end: str = ""  # "": send it | "reset": a TCP reset | "drop": close without an answer

    def wire_headers(self) -> list[tuple[str, str]]:
        length = ("Content-Length", str(len(self.body)))
        return [("Content-Type", "application/json"), length, *self.headers]

    def chunks(self) -> list[bytes]:
        """The body in the pieces it is sent in: one, unless it trickles."""
        size = max(self.trickle.chunk_bytes, 1) if self.trickle else len(self.body) or 1
        return [self.body[i : i + size] for i in range(0, len(self.body), size)] or [b""]

    @property
    def pause_s(self) -> float:
        """The wait before each piece but the last."""
        return self.trickle.delay_s if self.trickle else 0.0


RESET = Reply(end="reset")
DROP = Reply(end="drop")


class ClientGaveUp(Exception):
    """The in-process client's read timeout passed while the server was still waiting."""


def json_reply(
    status: int,
    payload: Any,
    headers: list[tuple[str, str]] | tuple[()] = (),
    trickle: Fault | None = None,
) -> Reply:
    return Reply(status, wire.encode(payload), tuple(headers), trickle)


class Exchange:
    """One request to a `ModelServer`: `answer(body)` records it and decides the `Reply`.

    `patience` is how long the client waits for an answer (its read timeout): a wait longer
    than that raises `ClientGaveUp`. A socket client needs none, as its own timeout fires.
    """

    def __init__(
        self,
        server: Backend,
        method: str,
        target: str,
        headers: Mapping[str, str],
        patience: float | None = None,
    ) -> None:
        self.server = server
        self.method = method
        self.target = target  # the path and query of the request line
        self.headers = {name.lower(): value for name, value in headers.items()}
        self.patience = patience
        self._open: Slot | None = None  # the request being answered, until it is finished

    def answer(self, raw: bytes = b"") -> Reply:
        if self.method == "POST":
            return self._post(raw)
        if self.method == "GET":
            return self._get()
        return json_reply(501, wire.error("other", 501, "Unsupported method"))

    def done(self) -> None:
        """Mark the request finished, once (before the last bytes of its answer leave)."""
        if self._open is not None:
            self.server.finish(self._open)
            self._open = None

    def wait(self, seconds: float | None) -> bool:
        """Wait as the server would (None: until it stops); True when it is stopping."""
        stopping = self.server.stopping
        if self.patience is not None and (seconds is None or seconds > self.patience):
            if stopping.wait(self.patience):
                return True
            raise ClientGaveUp
        return stopping.wait(seconds)

    # GET

    def _get(self) -> Reply:
        if wire.is_slot_report(self.target):  # not a model request: counted apart, in `probes`
            return self._slot_report()
        models = wire.is_models(self.target)
        self._arrive(None, faultable=False, kind="models" if models else "other")
        if models and not self._key_ok():
            return json_reply(401, wire.error("models", 401, self._bad_key()))
        if models:
            return json_reply(200, wire.model_list(self.server.models))
        return json_reply(404, wire.error("other", 404, "Not found"))

    def _slot_report(self) -> Reply:
        """llama-server's `/props` and `/slots` when the server has slots; else a 404."""
        queue = self.server.count_probe()
        if queue is None or not self.server.report_slots:
            return json_reply(404, wire.error("other", 404, "Not found"))
        if urlsplit(self.target).path.rstrip("/").endswith("/props"):
            return json_reply(200, queue.props())
        return json_reply(200, queue.slot_list())

    # POST

    def _post(self, raw: bytes) -> Reply:
        body = wire.parse(raw)
        route = wire.route(self.target)
        rejected = wire.rejected_argument(body, self.server.reject) if route != "other" else None
        refused = self._persona_refusal(route, body)
        if refused and rejected is None:
            rejected = "response_format"
        faultable = route != "other" and body is not None and rejected is None
        fault, delay = self._arrive(body, faultable, kind=route, rejected=rejected is not None)
        verdict = None
        if faultable and isinstance(body, dict) and fault is None:
            verdict = self._admit(body)
            if verdict is not None and not verdict.ok:
                delay = 0.0  # a real API refuses at once
        if self.wait(delay):
            return DROP
        checked = self._checked(route, body, refused, rejected)
        return checked or self._respond(route, body, fault, verdict)

    def _checked(
        self, route: str, body: Any, refused: tuple[int, bytes] | None, rejected: str | None
    ) -> Reply | None:
        """The answer to a request the server turns away before any model work, if it does."""
        if route == "other":
            return json_reply(404, wire.error(route, 404, "Not found"))
        if body is None:
            return json_reply(400, wire.error(route, 400, "The body is not JSON"))
        if not self._key_ok():
            return json_reply(401, wire.error(route, 401, self._bad_key()))
        if route == "azure" and (problem := self._azure_problem()):
            return json_reply(404, wire.error(route, 404, problem))
        if refused:
            return Reply(*refused)
        if rejected is not None:
            message = f"Unrecognized request argument supplied: {rejected}"
            return json_reply(400, wire.error(route, 400, message))
        return None

    def _respond(
        self, route: str, body: Any, fault: Fault | None, verdict: Verdict | None
    ) -> Reply:
        if verdict is not None and not verdict.ok:
            message = f"Rate limit reached for {verdict.exceeded}, please try again later"
            headers = verdict.headers(wire.api_path(route), time.time())
            return json_reply(429, wire.error(route, 429, message), headers)
        answer = self.server.responder(body) if fault is None else None
        if isinstance(answer, Fault):
            fault, answer = answer, None
        kind = fault.kind if fault else "ok"
        if fault is not None and kind == "status":
            error = wire.error(route, fault.status, fault.message)
            return json_reply(fault.status, error, fault.headers(time.time()))
        if kind == "reset":
            return RESET
        if kind == "hang":
            self.wait(None)
            return DROP
        if kind == "malformed_json":
            return Reply(200, b'{"choices": [{"message": {"content": "trunc')
        if answer is None and kind != "empty_content":
            answer = self.server.responder(body)
        trickle = fault if kind == "trickle" else None
        return self._complete(route, body, str(answer or ""), trickle, verdict)

    def _complete(
        self,
        route: str,
        body: Mapping[str, Any],
        answer: str,
        trickle: Fault | None,
        verdict: Verdict | None,
    ) -> Reply:
        """A 200 with the (maybe misbehaving) answer, once a slot has generated it."""
        server = self.server
        text, cut = misbehave(answer, server.misbehave, body)
        cached = server.prompt_cache.usage(wire.api_path(route), body)
        reply = wire.completion(route, body, text, cut, wire.deployment(self.target), *cached)
        reply["usage"].update(server.usage_override)
        words = len(text.split())
        queue = server.slots
        prompt = prompt_words(body) if queue is not None and queue.prompt_rate else ()
        if queue is not None and not queue.serve(words, server.stopping, prompt, text):
            return DROP
        headers = list(server.extra_headers)
        if verdict is not None and server.rate_window is not None:
            server.rate_window.charge(words, verdict)
            headers += verdict.headers(wire.api_path(route), time.time())
        return json_reply(200, reply, headers, trickle)

    def _persona_refusal(self, route: str, body: Any) -> tuple[int, bytes] | None:
        persona = self.server.persona
        if persona is None or route not in ("openai", "azure") or not isinstance(body, dict):
            return None
        return refusal(persona, body)

    def _admit(self, body: Mapping[str, Any]) -> Verdict | None:
        """The rate-limit verdict for this request; None when the server has no limits."""
        window = self.server.rate_window
        return window.admit(wire.prompt_words_of(body), time.monotonic()) if window else None

    # bookkeeping and keys

    def _arrive(
        self, body: Any, faultable: bool, kind: str, rejected: bool = False
    ) -> tuple[Fault | None, float]:
        headers = self.headers
        record = RequestRecord(
            method=self.method,
            path=self.target,
            body=body,
            headers={k: v for k, v in headers.items() if k not in SECRET_HEADERS},
            has_authorization="authorization" in headers,
            has_api_key="x-api-key" in headers,
            arrived=time.monotonic(),
            kind=kind,
            rejected=rejected,
            has_azure_key="api-key" in headers,
        )
        self._open, fault, delay = self.server.arrive(record, faultable)
        return fault, delay

    def _azure_problem(self) -> str | None:
        """Azure's own checks: an api-version in the query and a known deployment."""
        if not parse_qs(urlsplit(self.target).query).get("api-version"):
            return "Resource not found (the api-version query parameter is missing)"
        known = self.server.deployments
        name = wire.deployment(self.target)
        if known is not None and name not in known:
            return f"The API deployment {name} does not exist (DeploymentNotFound)"
        return None

    def _presented_key(self) -> str:
        bearer = self.headers.get("authorization", "")
        key = self.headers.get("x-api-key") or self.headers.get("api-key")
        return key or bearer.removeprefix("Bearer ").strip()

    def _key_ok(self) -> bool:
        expected = self.server.api_key
        return expected is None or self._presented_key() == expected

    def _bad_key(self) -> str:
        return f"Incorrect API key provided: {self._presented_key() or '(none)'}"
