"""Connections that know whether the request left, hold the whole answer to one deadline, and are not reused
once idle long enough for the server to have dropped them.

requests and urllib3 cannot tell "never connected" from "connected, request written, then failed" for every
failure (a proxy's 407, a TLS handshake timing out), and their read timeout bounds each read, not the answer.
So the transport's connections report their progress to a per-thread :class:`Watch`, and their socket reads
and writes keep to the watch's deadline, armed when the first byte of the request is written.
"""

from __future__ import annotations

import io
import math
import re
import threading
from collections.abc import Callable
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, PoolManager, ProxyManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.response import HTTPResponse

# Apache httpd and Node.js close a kept-alive connection after 5 s idle, the shortest of the common defaults;
# reusing one near that age races the server's close, and a request lost in that race may have been read.
IDLE_REUSE_LIMIT = 4.0
KEEP_ALIVE_MARGIN = 1.0  # seconds kept clear of a server's own ``Keep-Alive: timeout=N``
_KEEP_ALIVE_TIMEOUT = re.compile(r"(?:^|[,;\s])timeout\s*=\s*([0-9]{1,6})(?![0-9.])", re.IGNORECASE)

CONNECTING, CONNECTED, SENT = "connecting", "connected", "sent"


class Watch(threading.local):
    """Where the current thread's try got to: ``phase`` is CONNECTING or CONNECTED while nothing of the request
    was written, SENT once a byte was, None when no watched connection reported (responses' mocks, SOCKS)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.phase: str | None = None
        self.budget = math.inf
        self.deadline = math.inf

    def begin(self, budget: float) -> None:
        """A new try whose answer must be complete ``budget`` seconds after its request starts to leave."""
        self.phase, self.budget, self.deadline = None, budget, math.inf

    def nothing_sent(self) -> bool:
        return self.phase in (CONNECTING, CONNECTED)

    def expired(self) -> bool:
        return self.clock() >= self.deadline

    def sending(self) -> None:
        if self.phase != SENT:
            self.phase, self.deadline = SENT, self.clock() + self.budget


class WatchedSocket:
    """A connected socket (plain or TLS) whose reads and writes keep to the watch's deadline; it stands in for
    the socket everywhere urllib3 and http.client use it and forwards what it does not change."""

    def __init__(self, sock: Any, watch: Watch) -> None:
        self.sock = sock
        self.watch = watch
        self.timeout: float | None = sock.gettimeout()
        self.last_used = watch.clock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)

    def settimeout(self, value: float | None) -> None:
        self.timeout = value
        self.sock.settimeout(value)

    def gettimeout(self) -> float | None:
        return self.timeout

    def before_io(self) -> None:
        """Each blocking call waits at most until the deadline (and never longer than the timeout urllib3 set)."""
        if self.watch.deadline == math.inf:
            return
        remaining = self.watch.deadline - self.watch.clock()
        if remaining <= 0:
            raise TimeoutError("the answer's deadline passed")
        self.sock.settimeout(remaining if self.timeout is None else min(self.timeout, remaining))

    def sendall(self, data: Any, flags: int = 0) -> None:
        self.watch.sending()  # http.client writes every byte of a request through sendall
        self.before_io()
        try:
            self.sock.sendall(data, flags)
        finally:
            self.last_used = self.watch.clock()

    def makefile(self, mode: str = "r", buffering: int | None = None, **kwargs: Any) -> Any:
        if mode != "rb":  # http.client reads answers through makefile("rb") only
            return self.sock.makefile(mode, buffering, **kwargs)
        # The socket's own raw reader keeps its reference counting: a "Connection: close" answer is still read
        # after http.client has closed the connection.
        return io.BufferedReader(_Reader(self, self.sock.makefile("rb", buffering=0)))


class _Reader(io.RawIOBase):
    def __init__(self, owner: WatchedSocket, raw: Any) -> None:
        super().__init__()
        self.owner, self.raw = owner, raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        self.owner.before_io()
        try:
            return int(self.raw.readinto(buffer))
        finally:
            self.owner.last_used = self.owner.watch.clock()

    def close(self) -> None:
        self.raw.close()
        super().close()


class WatchedHTTPConnection(HTTPConnection):
    """Reports its progress to ``watch``; says it is no longer connected once idle past ``idle_limit``."""

    watch: Watch  # set on the per-transport subclass made by watched_pools
    idle_limit = IDLE_REUSE_LIMIT

    def connect(self) -> None:
        self.watch.phase = CONNECTING  # a proxy's CONNECT and the TLS handshake happen in here: nothing sent yet
        super().connect()
        self.sock = WatchedSocket(self.sock, self.watch)
        self.watch.phase = CONNECTED

    @property
    def is_connected(self) -> bool:
        sock = self.sock
        if isinstance(sock, WatchedSocket) and self.watch.clock() - sock.last_used > self.idle_limit:
            return False  # the pool then closes it and connects afresh
        return super().is_connected

    def getresponse(self) -> HTTPResponse:  # type: ignore[override]  # as urllib3's own
        response = super().getresponse()
        match = _KEEP_ALIVE_TIMEOUT.search(response.headers.get("Keep-Alive", ""))
        if match:
            self.idle_limit = min(IDLE_REUSE_LIMIT, max(0.0, int(match[1]) - KEEP_ALIVE_MARGIN))
        return response


class WatchedHTTPSConnection(WatchedHTTPConnection, HTTPSConnection):
    pass


def watched_pools(watch: Watch) -> dict[str, type[HTTPConnectionPool]]:
    """Pool classes, by scheme, whose connections report to ``watch``."""
    http = type("WatchedHTTPConnection", (WatchedHTTPConnection,), {"watch": watch})
    https = type("WatchedHTTPSConnection", (WatchedHTTPSConnection,), {"watch": watch})
    return {"http": type("WatchedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("WatchedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https})}


class WatchedAdapter(HTTPAdapter):
    """requests' adapter over watched connections: directly and through an HTTP(S) proxy (a SOCKS proxy keeps
    urllib3's own connections, and the transport then falls back to judging failures by their type).

    At most ``pool_size`` connections; a thread beyond that waits for a free one instead of opening a
    connection that the pool would discard afterwards."""

    def __init__(self, watch: Watch, pool_size: int) -> None:
        self.pools = watched_pools(watch)  # before HTTPAdapter.__init__, which builds the pool manager
        super().__init__(pool_connections=1, pool_maxsize=pool_size, pool_block=True, max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = self.pools

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, ProxyManager):
            manager.pool_classes_by_scheme = self.pools
        return manager

