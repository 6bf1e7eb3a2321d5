"""The server's socket side: a `ThreadingHTTPServer` whose handler delivers each `Exchange`.

Only what needs a real connection lives here: keep-alive, TCP_NODELAY, trickling bytes onto
the wire, a TCP reset, and releasing every connection when the server stops.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import struct
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ucop.testing.model_server.exchange import Backend, Exchange, Reply


class LoopbackHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], owner: Backend) -> None:
        self.owner = owner
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name, which can stall without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # clients hanging up are part of the job
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """One connection; requests on it are handled in turn (HTTP/1.1 keep-alive)."""

    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections end on their own
    server: LoopbackHTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and
        # delayed ACKs add 40 ms to every response on a kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.owner = self.server.owner
        self.owner.track(self.connection, add=True)

    def finish(self) -> None:
        self.owner.track(self.connection, add=False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._serve(b"")

    def do_POST(self) -> None:  # noqa: N802
        self._serve(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _serve(self, raw: bytes) -> None:
        exchange = Exchange(self.owner, self.command, self.path, dict(self.headers.items()))
        try:
            self._deliver(exchange, exchange.answer(raw))
        except OSError:  # the client hung up
            self._drop(exchange)

    def _deliver(self, exchange: Exchange, reply: Reply) -> None:
        """Send the reply, marking the request finished before its last bytes leave.

        Finishing first means a client that waits for the whole response before sending
        its next request can never be counted as overlapping this one.
        """
        if reply.end == "reset":
            return self._reset(exchange)
        if reply.end == "drop":
            return self._drop(exchange)
        self.send_response(reply.status)
        for name, value in reply.wire_headers():
            self.send_header(name, value)
        self.end_headers()
        chunks = reply.chunks()
        for chunk in chunks[:-1]:
            if self.owner.stopping.wait(reply.pause_s):
                return self._drop(exchange)
            self.wfile.write(chunk)
        exchange.done()
        self.wfile.write(chunks[-1])

    def _reset(self, exchange: Exchange) -> None:
        """Close with SO_LINGER 0, which sends a TCP reset instead of a clean close."""
        exchange.done()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.rfile.close()  # the socket really closes once its last file is closed
        self.connection.close()

    def _drop(self, exchange: Exchange) -> None:
        exchange.done()
        self.close_connection = True


def shut(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
