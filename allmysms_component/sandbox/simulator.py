"""The simulator that tests and the command line hold: the simulated API behind its HTTP server, faults, life
cycle. Tests touch these public methods only."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import ssl
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from types import TracebackType

from .backend import Reply, SimulatedApi, text_reply
from .faults import Fault, FaultQueue
from .push import RecordedPush, push
from .rules import API_PATH, ENDPOINTS, SANDBOX_ACCOUNT, Account, CampaignState, ReceivedSms
from .server import Server

# POST phoneNumber, message (login, smsId) to inject a reply; smsId, status to set a delivery report.
HOOKS = ("/sandbox/reply", "/sandbox/deliver")
_PATH = re.compile(re.escape(API_PATH) + r"(?P<method>[A-Za-z]+)/?")


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as seen by the simulator. It never keeps the apiKey."""

    method: str
    endpoint: str  # "sendSms", "simulateCampaign", "getInfo", "getAcks", "deleteCampaign", or the raw path
    login: str | None
    fault: str | None  # Fault.name of the injected fault applied to it


class AllMySmsSimulator:
    """An in-process AllMySMS v9 server. See the package docstring for the API it speaks.

    ``received`` and ``requests`` are appended to by the server threads, in order, under a lock; read
    them from tests directly. Account credits are the simulator's own copies: use :meth:`account`.
    ``clock`` is the API's time (aware; a test moves it to make a scheduled campaign due); ``delivery`` maps
    a number to the delivery report its SMS gets when it goes out: 1-5 or delivered, failed, pending,
    message_rejected, rejected (default pending, i.e. 3 "transmitted to operator"). ``push_url``: where
    :meth:`deliver` and :meth:`reply` push the delivery report or the reply, as AllMySMS pushes to the URL set
    in its customer area (``push_method`` POST: a form; GET: the query), recorded in ``pushes``.
    """

    def __init__(
        self,
        accounts: Iterable[Account] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
        blacklist: Iterable[str] = (),
        max_message_length: int = 640,
        content_type: str = "text/html; charset=UTF-8",
        on_receive: Callable[[ReceivedSms], None] | None = None,
        clock: Callable[[], datetime] | None = None,
        delivery: Mapping[str, int | str] | None = None,
        push_url: str | None = None,
        push_method: str = "POST",
    ) -> None:
        self.api = SimulatedApi(accounts, blacklist=blacklist, max_message_length=max_message_length,
                                content_type=content_type, on_receive=on_receive,
                                clock=clock or _utc_now, delivery=delivery or {})
        self.received: list[ReceivedSms] = self.api.received
        self.requests: list[RecordedRequest] = []
        self.pushes: list[RecordedPush] = []
        self.push_url = push_url
        if push_method not in ("GET", "POST"):
            raise ValueError(f"push_method must be GET or POST, not {push_method!r}")
        self.push_method = push_method
        self._host = host
        self._port = port
        self._tls = tls
        self._faults = FaultQueue()
        self._connections = 0
        self._lock = threading.Lock()  # guards requests, the connection count and the server's life cycle
        self._stopped = threading.Event()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._ca_file: str | None = None

    # --- Life cycle ---

    def start(self) -> AllMySmsSimulator:
        """Listen (on a free port when ``port`` is 0) and serve from a daemon thread."""
        if self._server is not None or self._stopped.is_set():
            raise RuntimeError("a simulator starts once: create a new one")
        try:
            server = Server(self, (self._host, self._port), self._tls_context() if self._tls else None)
        except BaseException:
            self._remove_ca_file()
            raise
        self._server = server
        self._port = int(server.server_address[1])
        # A short poll interval keeps stop() quick.
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"allmysms-sandbox-{self._port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open connections. Idempotent; a pending delay is cut and not answered."""
        self._stopped.set()
        with self._lock:
            server, self._server = self._server, None
            thread, self._thread = self._thread, None
        if server is not None:
            server.shutdown()
            server.abort_connections()
            server.server_close()
        if thread is not None:
            thread.join()
        self._remove_ca_file()

    def serve_forever(self) -> None:
        """Serve until ``stop()`` is called from another thread, or Ctrl-C; starts first if needed."""
        if self._server is None and not self._stopped.is_set():
            self.start()
        try:
            # Short waits keep Ctrl-C responsive on every platform.
            while not self._stopped.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> AllMySmsSimulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL without trailing slash, e.g. ``http://127.0.0.1:54321``."""
        if self._port == 0:
            raise RuntimeError("the simulator has no port yet: call start() first")
        host = "localhost" if self._tls else _url_host(self._host)
        return f"{'https' if self._tls else 'http'}://{host}:{self._port}"

    @property
    def ca_bundle(self) -> str | None:
        """PEM file of the throw-away CA that signed the server certificate (TLS only, while running)."""
        return self._ca_file

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted so far: a client reusing its connections keeps this at 1."""
        return self._connections

    # --- Test hooks ---

    def inject(self, fault: Fault, *, times: int = 1, endpoint: str | None = None) -> None:
        """Apply ``fault`` to the next ``times`` requests of ``endpoint`` (any endpoint when None)."""
        self._faults.add(fault, times=times, endpoint=endpoint)

    def forget(self) -> None:
        """Drop what was recorded (received SMS, requests, campaigns, delivery reports), e.g. between rounds of
        a long run; accounts, credits and pending faults stay."""
        self.api.forget()
        with self._lock:
            self.requests.clear()

    def account(self, login: str) -> Account:
        """The simulator's live account (credits included); KeyError when unknown."""
        return self.api.accounts[login]

    def deliver(self, sms_id: str, status: int | str = 1) -> None:
        """Set the delivery report getAcks answers for ``sms_id``: 1 delivered ... 5 SMS rejected, or a name
        (delivered, failed, pending, message_rejected, rejected). KeyError for an SMS not gone out. With a
        ``push_url``, the report is pushed there before this returns."""
        fields = self.api.deliver(sms_id, status)
        self._push("report", fields)

    def reply(self, phone_number: str, message: str, *, login: str = SANDBOX_ACCOUNT.login,
              sms_id: str | None = None) -> str:
        """A reply from ``phone_number`` reaches ``login``'s account (answering the SMS ``sms_id``, when given):
        getPulls lists it, and with a ``push_url`` it is pushed there before this returns. Its id (smsMoId)."""
        mo = self.api.add_reply(phone_number, message, login=login, sms_id=sms_id)
        self._push("reply", mo.push_fields())
        return mo.sms_mo_id

    def _push(self, kind: str, fields: dict[str, str]) -> None:
        if self.push_url is None:
            return
        pushed = push(self.push_url, self.push_method, kind, fields)
        with self._lock:
            self.pushes.append(pushed)

    def release_due(self) -> list[str]:
        """Send the scheduled campaigns whose DATE has come by ``clock`` (every request does this first);
        the ids of those sent."""
        return self.api.release_due()

    def campaign(self, campaign_id: str) -> CampaignState:
        """A campaign's state (pending, sent, cancelled), name and date; KeyError when unknown."""
        return self.api.campaign(campaign_id)

    # --- What the HTTP server calls (server.Application) ---

    def handle(self, method: str, path: str, params: Mapping[str, str] | None) -> Reply | None:
        """Record the request, apply a pending fault, and answer it (None: close without answering)."""
        if path.rstrip("/") in HOOKS and params is not None:
            return self._hook(path.rstrip("/"), params)
        endpoint = _endpoint(path)
        if params is None:
            self._record(RecordedRequest(method, endpoint, None, None))
            return text_reply(HTTPStatus.BAD_REQUEST)
        fault = self._faults.take(endpoint)
        self._record(RecordedRequest(method, endpoint, params.get("login"), fault.name if fault else None))
        reply = self.api.answer(endpoint, params) if fault is None or fault.process else None
        return reply if fault is None else fault.apply(reply, self._stopped)

    def _hook(self, hook: str, params: Mapping[str, str]) -> Reply:
        """The test hooks over HTTP, for a simulator in another process (``allmysms-component sandbox``)."""
        try:
            if hook == HOOKS[0]:
                answer = {"smsMoId": self.reply(params.get("phoneNumber", ""), params.get("message", ""),
                                                login=params.get("login") or SANDBOX_ACCOUNT.login,
                                                sms_id=params.get("smsId") or None)}
            else:
                self.deliver(params.get("smsId", ""), params.get("status", "1"))
                answer = {"delivered": params.get("smsId", "")}
        except (KeyError, ValueError) as exc:
            return Reply(HTTPStatus.NOT_FOUND, "application/json", json.dumps({"error": str(exc)}).encode())
        return Reply(HTTPStatus.OK, "application/json", json.dumps(answer).encode())

    def connection_accepted(self) -> None:
        with self._lock:
            self._connections += 1

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _tls_context(self) -> ssl.SSLContext:
        try:
            import trustme  # only TLS runs need this test dependency
        except ImportError as exc:
            raise ImportError("the simulator's TLS needs the trustme package: pip install "
                              "'allmysms-component[test]'", name="trustme") from exc

        authority = trustme.CA()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        authority.issue_cert("localhost", "127.0.0.1", "::1").configure_cert(context)
        descriptor, self._ca_file = tempfile.mkstemp(prefix="allmysms-sandbox-ca-", suffix=".pem")
        with os.fdopen(descriptor, "wb") as pem:
            pem.write(authority.cert_pem.bytes())
        return context

    def _remove_ca_file(self) -> None:
        with self._lock:
            ca_file, self._ca_file = self._ca_file, None
        if ca_file is not None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(ca_file)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _endpoint(path: str) -> str:
    """The v9 method a path names, or the path itself when the simulator does not know it."""
    match = _PATH.fullmatch(path)
    return match["method"] if match and match["method"] in ENDPOINTS else path


def _url_host(host: str) -> str:
    """How to write the listening host in a URL a local client can use."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "127.0.0.1"
    if address.is_unspecified:
        return "127.0.0.1" if address.version == 4 else "[::1]"
    return f"[{host}]" if address.version == 6 else host
