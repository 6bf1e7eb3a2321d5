"""The server in process: an httpx transport that hands each request to the server's
`Exchange` in the calling thread, with no socket in between.

    server = ModelServer(api_key=KEY)
    provider = OpenAIProvider(ProviderSettings(..., transport=server.transport()))

It is httpx's `MockTransport` idea with the real server behind it: the same routes, wire
formats, keys, faults, limits, personas and slot queue as over a socket, and the same
records and counts. What a socket adds stays with the socket tests: keep-alive, bytes
trickling onto the wire under httpx's read timeout, a TCP reset, other processes. Here a
reset or a dropped connection raises the httpx error a socket client gets, and a wait
longer than the request's read timeout raises `httpx.ReadTimeout` after that timeout.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from ucop.testing.model_server.exchange import Backend, ClientGaveUp, Exchange, Reply

# What httpx raises when a server ends the connection these ways (seen over a socket).
RESET_MESSAGE = "[Errno 104] Connection reset by peer"
DROP_MESSAGE = "Server disconnected without sending a response."
CUT_MESSAGE = "peer closed connection without sending complete message body"


class LoopbackTransport(httpx.BaseTransport):
    """Serve requests from `server` in the caller's thread."""

    def __init__(self, server: Backend) -> None:
        self.server = server

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        target = request.url.raw_path.decode("ascii")
        patience = _read_timeout(request)
        exchange = Exchange(self.server, request.method, target, request.headers, patience)
        try:
            reply = exchange.answer(request.read())
        except ClientGaveUp:
            exchange.done()
            raise httpx.ReadTimeout("timed out", request=request) from None
        if reply.end == "reset":
            exchange.done()
            raise httpx.ReadError(RESET_MESSAGE, request=request)
        if reply.end == "drop":
            exchange.done()
            raise httpx.RemoteProtocolError(DROP_MESSAGE, request=request)
        stream = _Body(self.server, exchange, reply)
        return httpx.Response(reply.status, headers=reply.wire_headers(), stream=stream)


class _Body(httpx.SyncByteStream):
    """The reply's body, trickled like the socket handler sends it."""

    def __init__(self, server: Backend, exchange: Exchange, reply: Reply) -> None:
        self._server = server
        self._exchange = exchange
        self._reply = reply

    def __iter__(self) -> Iterator[bytes]:
        chunks = self._reply.chunks()
        for chunk in chunks[:-1]:
            if self._server.stopping.wait(self._reply.pause_s):
                self._exchange.done()
                raise httpx.RemoteProtocolError(CUT_MESSAGE)
            yield chunk
        self._exchange.done()
        yield chunks[-1]

    def close(self) -> None:
        self._exchange.done()


def _read_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout")
    read = timeout.get("read") if isinstance(timeout, dict) else None
    return float(read) if isinstance(read, (int, float)) else None
