"""One pacer for a whole batch, wherever its articles run.

Every article of a batch sends its model calls through the same `Pacer` (concurrency with
AIMD, requests and tokens per minute, rate-limit headers, cost budget):

    threads     the `Pacer` itself, shared by reference
    processes   a `PacerServer` thread in the batch's process, on 127.0.0.1; each task
    dask        gets a `RemotePacer` (its address and key) that pickles into the task

A `RemotePacer` call is one round trip on a socket the calling thread keeps open: about
0.1 ms on loopback, two per model call (acquire, release). The delay a grant asks for is
slept in the worker, so the server never blocks on pacing, only on a free slot. The socket
is authenticated with a random key (HMAC challenge, `multiprocessing.connection`), so only
the batch's own tasks can use it.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import threading
from collections.abc import Iterator
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from typing import Any

from ucop.providers.pacer import Grant, Outcome, Pacer, PacingLimits

METHODS = frozenset({"acquire", "release", "snapshot"})


class PacerServer:
    """Serves one `Pacer` to other processes; one thread per connected client thread."""

    def __init__(self, pacer: Pacer, host: str = "127.0.0.1") -> None:
        self.pacer = pacer
        self._key = secrets.token_bytes(32)
        # The default backlog of 1 drops connections that arrive together (every agent
        # thread opens one): they then hang until TCP retransmits, seconds later.
        self._listener = Listener((host, 0), backlog=128, authkey=self._key)
        self.address: tuple[str, int] = self._listener.address
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="ucop-pacer", daemon=True)
        self._thread.start()

    def client(self) -> RemotePacer:
        return RemotePacer(self.address, self._key)

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._listener.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                connection = self._listener.accept()
            except (OSError, EOFError, AuthenticationError):  # closed, or a stranger
                if self._closed.is_set():
                    return
                continue
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: Connection) -> None:
        """Answer one client thread; slots it still holds when it goes away are given back."""
        held: set[int] = set()
        with connection:
            try:
                while True:
                    method, args = connection.recv()
                    if method not in METHODS:
                        connection.send(ValueError(f"unknown pacer method {method!r}"))
                        continue
                    answer = getattr(self.pacer, method)(*args)
                    _track(held, method, args, answer)
                    connection.send(answer)
            except (EOFError, OSError):  # the worker finished, or died mid-call
                for ticket in held:
                    self.pacer.release(Outcome(ticket))


def _track(held: set[int], method: str, args: tuple, answer: Any) -> None:
    if method == "acquire" and isinstance(answer, Grant) and not answer.refused:
        held.add(answer.ticket)
    elif method == "release" and args:
        held.discard(args[0].ticket)


class RemotePacer:
    """The `Pacer` interface, served by a `PacerServer`; pickles as its address and key."""

    def __init__(self, address: tuple[str, int], key: bytes) -> None:
        self.address = address
        self._key = key
        self._local = threading.local()

    def __getstate__(self) -> tuple[tuple[str, int], bytes]:
        return (self.address, self._key)

    def __setstate__(self, state: tuple[tuple[str, int], bytes]) -> None:
        self.address, self._key = state
        self._local = threading.local()

    def acquire(self, tokens: int = 0, cost: float = 0.0, timeout: float = 60.0) -> Grant:
        return self._call("acquire", tokens, cost, timeout)

    def release(self, outcome: Outcome) -> None:
        self._call("release", outcome)

    def snapshot(self) -> dict[str, Any]:
        return self._call("snapshot")

    def _call(self, method: str, *args: Any) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = Client(self.address, authkey=self._key)
        connection.send((method, args))
        answer = connection.recv()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def __repr__(self) -> str:
        return f"RemotePacer({self.address[0]}:{self.address[1]})"


@contextlib.contextmanager
def served(limits: PacingLimits, host: str = "127.0.0.1") -> Iterator[RemotePacer]:
    """A pacer for tasks in other processes, served from this one until the block ends."""
    server = PacerServer(Pacer(limits), host)
    try:
        yield server.client()
    finally:
        server.close()


def host_towards(address: str) -> str:
    """This machine's address as seen on the route to `address` (a Dask scheduler URL)."""
    host = address.split("://")[-1].rsplit(":", 1)[0].strip("[]")
    if host in ("127.0.0.1", "localhost", "::1"):
        return "127.0.0.1"
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect((host, 9))  # UDP: no packet is sent, it only picks the route
        return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()
