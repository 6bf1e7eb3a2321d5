"""One pacer for a whole batch, wherever its articles run.

Every article of a batch sends its model calls through the same `Pacer` (concurrency with
AIMD, requests and tokens per minute, rate-limit headers, cost budget):

    threads        the `Pacer` itself, shared by reference
    processes      a `PacerServer` thread in the batch's process, on 127.0.0.1; each task
                   gets a `RemotePacer` (its address and key) that pickles into the task
    dask           the pacer lives on the Dask scheduler (`ucop.batch.dask_pacer`)

A `RemotePacer` call is one round trip on a socket the calling thread keeps open: about
0.1 ms on loopback, two per model call (acquire, release). The delay a grant asks for is
slept in the worker, so the server never blocks on pacing, only on a free slot.

The socket is authenticated with a random key (a mutual HMAC challenge), so only the batch's
own tasks can use it. Nothing a stranger does to the port can stop the batch: each
connection is greeted on its own thread and dropped if it has not proved the key within
`AUTH_TIMEOUT_S`, at most `MAX_CONNECTIONS` are open at once (more are closed on arrival),
and a client gives up on a server that does not answer its connection within
`CONNECT_TIMEOUT_S`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from multiprocessing import AuthenticationError
from multiprocessing.connection import Connection
from typing import Any

from ucop.providers.pacer import Grant, Outcome, Pacer, PacingLimits

METHODS = frozenset({"acquire", "release", "snapshot"})
AUTH_TIMEOUT_S = 5.0  # a client that has not proved the key by then is dropped
CONNECT_TIMEOUT_S = 10.0  # connecting and proving the key, from the client's side
MAX_CONNECTIONS = 512  # open at once, authenticated or not: every agent thread holds one
_HELLO = b"ucop-pacer/1 "
_NONCE = 32


class PacerServer:
    """Serves one `Pacer` to other processes; one thread per connected client thread."""

    def __init__(
        self,
        pacer: Pacer,
        host: str = "127.0.0.1",
        *,
        max_connections: int = MAX_CONNECTIONS,
        auth_timeout_s: float = AUTH_TIMEOUT_S,
    ) -> None:
        self.pacer = pacer
        self._key = secrets.token_bytes(32)
        # The default backlog of 1 drops connections that arrive together (every agent
        # thread opens one): they then hang until TCP retransmits, seconds later.
        self._socket = socket.create_server((host, 0), backlog=128)
        self.address: tuple[str, int] = self._socket.getsockname()[:2]
        self._auth_timeout_s = auth_timeout_s
        self._open = threading.BoundedSemaphore(max_connections)
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="ucop-pacer", daemon=True)
        self._thread.start()

    def client(self) -> RemotePacer:
        return RemotePacer(self.address, self._key)

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._socket.close()

    def _accept(self) -> None:
        """Only accepts: each connection is greeted on its own thread, so none can stall it."""
        while not self._closed.is_set():
            try:
                sock, _ = self._socket.accept()
            except OSError:
                if self._closed.is_set():
                    return
                continue
            if not self._open.acquire(blocking=False):  # too many: this one is turned away
                sock.close()
                continue
            thread = threading.Thread(target=self._welcome, args=(sock,), daemon=True)
            thread.start()

    def _welcome(self, sock: socket.socket) -> None:
        try:
            try:
                sock.settimeout(self._auth_timeout_s)
                prove_server(sock, self._key)
                sock.settimeout(None)
            except (OSError, AuthenticationError):  # a stranger, a silent client, a port scan
                sock.close()
                return
            self._serve(Connection(sock.detach()))
        finally:
            self._open.release()

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
            except Exception:  # noqa: BLE001 - it finished (EOF), died mid-call, sent garbage
                pass
            finally:
                for ticket in held:
                    self.pacer.release(Outcome(ticket))


class TurnedAway(ConnectionError):
    """The pacer server hung up before greeting us: it is at its bound of connections."""


def _connect_once(address: tuple[str, int], key: bytes, timeout: float) -> Connection:
    sock = socket.create_connection(address, timeout=timeout)
    try:
        prove_client(sock, key)
        sock.settimeout(None)  # calls may wait as long as their own timeout for a slot
    except BaseException:
        sock.close()
        raise
    return Connection(sock.detach())


def prove_server(sock: socket.socket, key: bytes) -> None:
    """The server's half of the handshake: the client proves the key, then the server does."""
    challenge = secrets.token_bytes(_NONCE)
    sock.sendall(_HELLO + challenge)
    reply = _exactly(sock, 32 + _NONCE)
    answer, counter = reply[:32], reply[32:]
    if not hmac.compare_digest(answer, _mac(key, b"client", challenge)):
        raise AuthenticationError("pacer client: wrong key")
    sock.sendall(_mac(key, b"server", counter))


def prove_client(sock: socket.socket, key: bytes) -> None:
    """The client's half: answer the server's challenge, then check the server knows the key."""
    try:
        hello = _exactly(sock, len(_HELLO) + _NONCE)
    except (AuthenticationError, ConnectionResetError):
        raise TurnedAway("pacer server: too many connections open, or closing") from None
    if not hello.startswith(_HELLO):
        raise AuthenticationError("pacer server: not a ucop pacer")
    counter = secrets.token_bytes(_NONCE)
    sock.sendall(_mac(key, b"client", hello[len(_HELLO) :]) + counter)
    if not hmac.compare_digest(_exactly(sock, 32), _mac(key, b"server", counter)):
        raise AuthenticationError("pacer server: wrong key")


def _mac(key: bytes, role: bytes, nonce: bytes) -> bytes:
    return hmac.new(key, role + nonce, hashlib.sha256).digest()


def _exactly(sock: socket.socket, size: int) -> bytes:
    """`size` bytes; the socket's timeout bounds the whole read, so a trickle cannot stretch it."""
    timeout = sock.gettimeout()
    deadline = None if timeout is None else time.monotonic() + timeout
    data = b""
    while len(data) < size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("pacer handshake: too slow")
            sock.settimeout(left)
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise AuthenticationError("pacer handshake: the other side hung up")
        data += chunk
    return data


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

    def acquire(
        self, tokens: int = 0, cost: float = 0.0, timeout: float = 60.0, prefix: Any = ()
    ) -> Grant:
        return self._call("acquire", tokens, cost, timeout, tuple(prefix))

    def release(self, outcome: Outcome) -> None:
        self._call("release", outcome)

    def snapshot(self) -> dict[str, Any]:
        return self._call("snapshot")

    def _call(self, method: str, *args: Any) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect()
        connection.send((method, args))
        answer = connection.recv()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def _connect(self) -> Connection:
        """An authenticated connection within `CONNECT_TIMEOUT_S`, or the error why not.

        A server at its bound of connections hangs up before its greeting: that is tried
        again until the deadline (someone may be holding places open on purpose; they are
        dropped after `AUTH_TIMEOUT_S`, shorter than this deadline). A wrong key is not.
        """
        deadline = time.monotonic() + CONNECT_TIMEOUT_S
        pause = 0.02
        while True:
            left = deadline - time.monotonic()
            try:
                return _connect_once(self.address, self._key, max(left, 0.01))
            except TurnedAway:
                if left <= pause:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

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
