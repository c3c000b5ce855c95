"""Faults a test injects into the simulator: slow answers, HTTP errors, pages that are not JSON, dropped
connections, with or without the SMS being recorded first."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http import HTTPStatus
from typing import Literal

from .backend import Reply, text_reply
from .rules import ENDPOINTS

FaultName = Literal["delay", "http_status", "not_json", "close"]

NOT_JSON_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1><p>The proxy could not reach the upstream server.</p></body></html>\n"
)


@dataclass(frozen=True)
class Fault:
    """What to do to the next matching request(s). Build one with the classmethods.

    ``process`` says whether the request is handled normally first (SMS recorded, credits debited) before
    the fault hides the answer: the case where a client cannot know that its SMS went out.
    """

    name: FaultName
    process: bool
    seconds: float = 0.0
    status: int = 200
    retry_after: str | None = None

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Process normally, then wait before answering; ``stop()`` cuts the wait and drops the answer."""
        if seconds < 0:
            raise ValueError("a delay cannot be negative")
        return cls("delay", process=True, seconds=seconds)

    @classmethod
    def http_status(cls, status: int, *, retry_after: str | None = None, process: bool = False) -> Fault:
        """Answer this HTTP status (429, 500, 502, 503...) with a short text body and maybe Retry-After."""
        if not 200 <= status <= 599:
            raise ValueError(f"HTTP status {status} is not a final status (200-599)")
        return cls("http_status", process=process, status=status, retry_after=retry_after)

    @classmethod
    def not_json(cls, *, process: bool = True) -> Fault:
        """Answer HTTP 200 with an HTML page, as a proxy or a crashed backend would."""
        return cls("not_json", process=process)

    @classmethod
    def close(cls, *, process: bool = True) -> Fault:
        """Read the request, then close the connection without writing a byte."""
        return cls("close", process=process)

    def apply(self, reply: Reply | None, stopped: threading.Event) -> Reply | None:
        """What to answer instead of ``reply``; None means close without answering."""
        if self.name == "delay":
            # An Event rather than sleep, so that stop() cuts the wait; a server going away does not answer.
            return None if stopped.wait(self.seconds) else reply
        if self.name == "http_status":
            retry_after = (("Retry-After", self.retry_after),) if self.retry_after is not None else ()
            return text_reply(self.status, retry_after)
        if self.name == "not_json":
            return Reply(HTTPStatus.OK, "text/html; charset=UTF-8", NOT_JSON_PAGE)
        return None


@dataclass
class _Pending:
    fault: Fault
    remaining: int
    endpoint: str | None


class FaultQueue:
    """Faults waiting for the requests they apply to, in the order they were injected; thread-safe."""

    def __init__(self) -> None:
        self._pending: list[_Pending] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault, *, times: int, endpoint: str | None) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        # A misspelt endpoint would silently never match: refuse it (raw paths of unknown ones start with /).
        if endpoint is not None and endpoint not in ENDPOINTS and not endpoint.startswith("/"):
            raise ValueError(f"unknown endpoint {endpoint!r}: one of {sorted(ENDPOINTS)} or a raw path")
        with self._lock:
            self._pending.append(_Pending(fault, times, endpoint))

    def take(self, endpoint: str) -> Fault | None:
        """The fault for this request of ``endpoint``, if any is waiting."""
        with self._lock:
            for pending in self._pending:
                if pending.endpoint in (None, endpoint):
                    pending.remaining -= 1
                    if pending.remaining == 0:
                        self._pending.remove(pending)
                    return pending.fault
        return None
