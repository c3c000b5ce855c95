"""A local AllMySMS HTTP API v9 simulator, for offline runs and end-to-end tests over real sockets.

It reproduces the legacy "HTTP/HTTPS API" v9.0 as far as public sources document it (the research note
``reference/allmysms-api.md``, sections 2 and 6), so this module doubles as a readable summary of that API.
Standard library only; ``trustme`` is imported when TLS is asked for.

Transport
    Paths ``/http/9.0/<method>/``, trailing slash optional. GET query string, or POST
    ``application/x-www-form-urlencoded`` or ``multipart/form-data``. Parameters ``login``, ``apiKey``,
    ``smsData`` (a JSON string), ``campId``, ``returnformat`` (ignored: replies are always JSON). Business
    outcomes are always HTTP 200 with the outcome in the body's ``status``; the body is JSON served as
    ``text/html`` like the real server does (configurable). HTTP/1.1 with keep-alive.

``sendSms``
    ``smsData`` = ``{"DATA": {"MESSAGE", "TPOA", "SMS": [{"MOBILEPHONE": ...}], "CLIMSGID", "DATE",
    "MASTERACCOUNT", "DYNAMIC", "CAMPAIGN_NAME", ...}}``. Checked in this order, the first failure answers
    ``{"status": <int>, "statusText": "..."}``:

    ===  =================================================================
    102  no account matches ``login`` and ``apiKey``
    105  ``smsData`` missing or empty
    106  ``smsData`` is not JSON, or has no ``DATA`` object with an ``SMS`` list of objects
    110  ``MESSAGE`` missing or empty
    111  ``MESSAGE`` longer than ``max_message_length`` characters (640)
    115  ``DATE`` not ``YYYY-MM-DD HH:MM:SS``
    118  ``MASTERACCOUNT`` is not a known login
    114  no valid number
    103  no credit left
    104  not enough credit ("to use: XX credits, available: YY credits")
    ===  =================================================================

    Otherwise 100 (sent), or 101 when ``DATE`` is in the future: ``status`` (int), ``statusText``,
    ``invalidNumbers`` ("|"-joined, as received), ``campaignId``, then ``credits`` (left), ``creditsUsed``,
    ``nbContacts``, ``nbSms`` as strings like the real API, and ``smsIds`` ``[{"phoneNumber", "smsId"}]``
    (UUIDs) for the accepted numbers, in request order.
``simulateCampaign``
    Same checks, nothing sent or debited: ``{status, statusText, invalidNumbers, nbCredits, nbContacts,
    nbSms}`` (counters as JSON numbers here, as in the only documented example).
``getInfo``
    ``{"status": "Active Account", "credits": "<str>", "firstName", "lastName", "society", "email"}``, or
    the 102 body. The real reply also echoes the ``apiKey``; this one does not, so that a client logging
    replies cannot leak a key in tests.
``getAcks``
    ``campId`` -> ``{"acks": [{"phoneNumber", "status", "statut", "comment", "receptionDate"}],
    "cliMsgId"}``; ``status`` (and its French twin ``statut``, sources disagree on the name) is "3"
    (transmitted to operator) until :meth:`AllMySmsSimulator.deliver` sets 1 delivered, 2 not delivered,
    4 message rejected or 5 SMS rejected. Unknown campaign: ``{"status": "0"}``.
Anything else
    HTTP 404.

Numbers: ``0XXXXXXXXX`` (French national) becomes ``33XXXXXXXXX``; ``+`` or ``00`` prefixes are dropped;
any other 6-15 digit number not starting with 0 is kept as is. Anything else, and blacklisted numbers, go
to ``invalidNumbers`` and are not sent (status still 100 when at least one number is valid).

Cost: 15 credits per SMS part per recipient (the French rate). Parts: a text the GSM 03.38 alphabet can
carry counts septets (extension characters twice): 1 part up to 160, else ceil(septets / 153); any other
text counts UTF-16 code units: 1 part up to 70, else ceil(units / 67).

Faults (:meth:`AllMySmsSimulator.inject`) make the next requests slow, answer an HTTP error or a non-JSON
page, or drop the connection, with or without the SMS being recorded: what a client's retry logic must
survive without sending an SMS twice.

Usage::

    with AllMySmsSimulator() as sim:
        data = {"login": "sandbox", "apiKey": "sandbox-api-key", "smsData": json.dumps(
            {"DATA": {"MESSAGE": "Hello", "SMS": [{"MOBILEPHONE": "0612345678"}]}})}
        requests.post(f"{sim.url}/http/9.0/sendSms/", data=data, timeout=10)
        assert sim.received[0].phone_number == "33612345678"

Command line: ``allmysms-component sandbox --port 8080 [--tls]`` serves until Ctrl-C.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import math
import os
import re
import socket
import socketserver
import ssl
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from email import policy
from email.parser import BytesParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, cast
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "SANDBOX_ACCOUNT",
    "TRIAL_ACCOUNT",
    "Account",
    "AllMySmsSimulator",
    "Fault",
    "ReceivedSms",
    "RecordedRequest",
]

API_PATH = "/http/9.0/"
ENDPOINTS = frozenset({"sendSms", "simulateCampaign", "getInfo", "getAcks"})
CREDITS_PER_PART = 15

STATUS_TEXTS = {
    100: "Your messages have been sent",
    101: "Your messages have been scheduled for deferred sending",
    102: "Connection problem: no account matches this login and API key",
    103: "Your SMS credit is exhausted",
    105: "Empty flow: smsData is missing or empty",
    106: 'Invalid or incomplete flow: smsData must be JSON {"DATA": {..., "SMS": [{"MOBILEPHONE": ...}]}}',
    110: "Message not defined",
    114: "No valid phone number in the flow",
    115: "Invalid flow or badly formatted date between the DATE tags (expected YYYY-MM-DD HH:MM:SS)",
    118: "The specified master account does not exist",
}

ACK_COMMENTS = {
    1: "Delivered",
    2: "Not delivered",
    3: "Transmitted to operator",
    4: "Message rejected",
    5: "SMS rejected",
}
_TRANSMITTED = 3

# GSM 03.38 default alphabet (without the escape code) and its extension table, whose characters take two
# septets (escape + code).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

_NUMBER = re.compile(r"[1-9][0-9]{5,14}")
_FRENCH_NATIONAL = re.compile(r"0[1-9][0-9]{8}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
_PATH = re.compile(re.escape(API_PATH) + r"(?P<method>[A-Za-z]+)/?")

_NOT_JSON_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1><p>The proxy could not reach the upstream server.</p></body></html>\n"
)


# --- What tests configure and inspect -----------------------------------------------------------------


@dataclass
class Account:
    """An AllMySMS account. The simulator works on its own copy: read live credits with ``account()``."""

    login: str
    api_key: str = field(repr=False)
    credits: int = 15_000  # 15 credits per SMS part per recipient (France)


SANDBOX_ACCOUNT = Account("sandbox", "sandbox-api-key")
TRIAL_ACCOUNT = Account("trial", "trial-api-key")


@dataclass(frozen=True)
class ReceivedSms:
    """One SMS accepted by sendSms, one per recipient."""

    sms_id: str  # a UUID, as reported in smsIds
    campaign_id: str
    phone_number: str  # normalised, e.g. 33612345678
    text: str  # MESSAGE exactly as received
    sender: str  # TPOA, "" when absent (the real API then sends from the short code 36180)
    cli_msg_id: str | None  # CLIMSGID
    parts: int
    login: str


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as seen by the simulator. It never keeps the apiKey."""

    method: str
    endpoint: str  # "sendSms", "simulateCampaign", "getInfo", "getAcks", or the raw path if unknown
    login: str | None
    fault: str | None  # Fault.name of the injected fault applied to it


FaultName = Literal["delay", "http_status", "not_json", "close"]


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


# --- The API -------------------------------------------------------------------------------------------


class _Refused(Exception):
    """A v9 business error: answered as HTTP 200 ``{"status", "statusText"}``."""

    def __init__(self, status: int, text: str | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.text = text or STATUS_TEXTS[status]


@dataclass(frozen=True)
class _Order:
    """A sendSms or simulateCampaign payload that passed the payload checks."""

    message: str
    sender: str
    cli_msg_id: str | None
    scheduled: bool
    recipients: list[str]  # normalised, in request order
    invalid: list[str]  # as received
    parts: int  # per recipient

    @property
    def nb_sms(self) -> int:
        return self.parts * len(self.recipients)

    @property
    def cost(self) -> int:
        return CREDITS_PER_PART * self.nb_sms

    @property
    def status(self) -> int:
        return 101 if self.scheduled else 100


@dataclass
class _Ack:
    phone_number: str
    status: int
    reception_date: str

    def as_json(self) -> dict[str, str]:
        status = str(self.status)
        return {"phoneNumber": self.phone_number, "status": status, "statut": status,
                "comment": ACK_COMMENTS[self.status], "receptionDate": self.reception_date}


@dataclass(frozen=True)
class _Campaign:
    login: str
    cli_msg_id: str | None
    sms_ids: list[str]


@dataclass
class _PendingFault:
    fault: Fault
    remaining: int
    endpoint: str | None


@dataclass(frozen=True)
class _Reply:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def _sms_parts(text: str) -> int:
    """How many SMS parts the network bills for ``text``, for one recipient."""
    if all(char in _GSM_BASIC or char in _GSM_EXTENSION for char in text):
        septets = len(text) + sum(char in _GSM_EXTENSION for char in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def _normalise_number(raw: str) -> str | None:
    """The number as the API reports it (``33612345678``), or None when it would be refused."""
    number = raw.strip()
    if _FRENCH_NATIONAL.fullmatch(number):
        return "33" + number[1:]
    number = number.removeprefix("+") if number.startswith("+") else number.removeprefix("00")
    # No country code starts with 0: "0612345" is a truncated national number, not an international one.
    return number if _NUMBER.fullmatch(number) else None


def _text_field(data: Mapping[str, Any], key: str) -> str:
    """A scalar field of the flow as text ("" when absent); numbers are tolerated as PHP would."""
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise _Refused(106)


def _flow_data(sms_data: str) -> dict[str, Any]:
    """The ``DATA`` object of an smsData flow, or 106."""
    try:
        flow = json.loads(sms_data)
    except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
        raise _Refused(106) from None
    data = flow.get("DATA") if isinstance(flow, dict) else None
    if not isinstance(data, dict):
        raise _Refused(106)
    recipients = data.get("SMS")
    if not isinstance(recipients, list) or not all(isinstance(entry, dict) for entry in recipients):
        raise _Refused(106)
    return data


def _parse_date(text: str) -> datetime | None:
    # strptime alone would accept "2030-1-2 3:4:5"; the API wants the padded form.
    if not _DATE.fullmatch(text):
        return None
    try:
        return datetime.strptime(text, _DATE_FORMAT)
    except ValueError:  # 2030-02-30 and the like
        return None


def _check_credit(available: int, cost: int) -> None:
    if available <= 0:
        raise _Refused(103)
    if available < cost:
        raise _Refused(104, f"Not enough credit for this send (to use: {cost} credits, "
                            f"available: {available} credits)")


def _now() -> str:
    # Local time: the real server presumably uses Europe/Paris, which a local fake cannot assume.
    return datetime.now().strftime(_DATE_FORMAT)


def _text_reply(status: int, headers: tuple[tuple[str, str], ...] = ()) -> _Reply:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:  # a status http.HTTPStatus does not name, e.g. 599
        phrase = "Error"
    return _Reply(status, "text/plain; charset=utf-8", f"{status} {phrase}\n".encode(), headers)


def _endpoint(path: str) -> str:
    """The v9 method a path names, or the path itself when the simulator does not know it."""
    match = _PATH.fullmatch(path)
    return match["method"] if match and match["method"] in ENDPOINTS else path


def _faulted(fault: Fault, reply: _Reply | None, stopped: threading.Event) -> _Reply | None:
    """What to answer instead of ``reply`` under ``fault``; None means close without answering."""
    if fault.name == "delay":
        # An Event rather than sleep, so that stop() cuts the wait; a server going away does not answer.
        return None if stopped.wait(fault.seconds) else reply
    if fault.name == "http_status":
        retry_after = (("Retry-After", fault.retry_after),) if fault.retry_after is not None else ()
        return _text_reply(fault.status, retry_after)
    if fault.name == "not_json":
        return _Reply(HTTPStatus.OK, "text/html; charset=UTF-8", _NOT_JSON_PAGE)
    return None


class AllMySmsSimulator:
    """An in-process AllMySMS v9 server. See the module docstring for the API it speaks.

    ``received`` and ``requests`` are appended to by the server threads, in order, under a lock; read
    them from tests directly. Account credits are the simulator's own copies: use :meth:`account`.
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
    ) -> None:
        self._accounts: dict[str, Account] = {}
        for account in (SANDBOX_ACCOUNT, TRIAL_ACCOUNT) if accounts is None else accounts:
            if account.login in self._accounts:
                raise ValueError(f"two accounts have the login {account.login!r}")
            # A copy, so that debits never leak into the caller's object or into another simulator.
            self._accounts[account.login] = replace(account)
        self._blacklist = frozenset(_normalise_number(number) or number for number in blacklist)
        self._host = host
        self._port = port
        self._tls = tls
        self._max_message_length = max_message_length
        self._content_type = content_type
        self._on_receive = on_receive

        self.received: list[ReceivedSms] = []
        self.requests: list[RecordedRequest] = []
        self._connections = 0
        self._faults: list[_PendingFault] = []
        self._campaigns: dict[str, _Campaign] = {}
        self._acks: dict[str, _Ack] = {}
        self._lock = threading.Lock()  # guards accounts, records, faults, campaigns and acks
        self._stopped = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ca_file: str | None = None

    # --- Life cycle ---

    def start(self) -> AllMySmsSimulator:
        """Listen (on a free port when ``port`` is 0) and serve from a daemon thread."""
        if self._server is not None or self._stopped.is_set():
            raise RuntimeError("a simulator starts once: create a new one")
        try:
            server = _Server(self, (self._host, self._port), self._tls_context() if self._tls else None)
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
        if times < 1:
            raise ValueError("times must be at least 1")
        # A misspelt endpoint would silently never match: refuse it (raw paths of unknown ones start with /).
        if endpoint is not None and endpoint not in ENDPOINTS and not endpoint.startswith("/"):
            raise ValueError(f"unknown endpoint {endpoint!r}: one of {sorted(ENDPOINTS)} or a raw path")
        with self._lock:
            self._faults.append(_PendingFault(fault, times, endpoint))

    def forget(self) -> None:
        """Drop what was recorded (received SMS, requests, campaigns, delivery reports), e.g. between rounds of
        a long run; accounts, credits and pending faults stay."""
        with self._lock:
            self.received.clear()
            self.requests.clear()
            self._campaigns.clear()
            self._acks.clear()

    def account(self, login: str) -> Account:
        """The simulator's live account (credits included); KeyError when unknown."""
        return self._accounts[login]

    def deliver(self, sms_id: str, status: int = 1) -> None:
        """Set the delivery report getAcks answers for ``sms_id``: 1 delivered ... 5 SMS rejected."""
        if status not in ACK_COMMENTS:
            raise ValueError(f"ack status {status} is not one of {sorted(ACK_COMMENTS)}")
        with self._lock:
            ack = self._acks.get(sms_id)
            if ack is None:
                raise KeyError(f"no SMS has the id {sms_id!r}")
            ack.status = status
            ack.reception_date = _now()

    # --- Request handling (called from server threads) ---

    def _take_fault(self, endpoint: str) -> Fault | None:
        with self._lock:
            for pending in self._faults:
                if pending.endpoint in (None, endpoint):
                    pending.remaining -= 1
                    if pending.remaining == 0:
                        self._faults.remove(pending)
                    return pending.fault
        return None

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _count_connection(self) -> None:
        with self._lock:
            self._connections += 1

    def _answer(self, endpoint: str, params: Mapping[str, str]) -> _Reply:
        """Process one API call and build its HTTP answer."""
        methods: dict[str, Callable[[Mapping[str, str]], dict[str, Any]]] = {
            "sendSms": self._send_sms,
            "simulateCampaign": self._simulate_campaign,
            "getInfo": self._get_info,
            "getAcks": self._get_acks,
        }
        method = methods.get(endpoint)
        if method is None:
            return _text_reply(HTTPStatus.NOT_FOUND)
        try:
            body = method(params)
        except _Refused as refused:
            body = {"status": refused.status, "statusText": refused.text}
        # ASCII escapes like PHP's json_encode; this also survives lone surrogates from a JSON payload.
        return _Reply(HTTPStatus.OK, self._content_type, json.dumps(body).encode("ascii"))

    def _authenticate(self, params: Mapping[str, str]) -> Account:
        account = self._accounts.get(params.get("login", ""))
        key = params.get("apiKey", "").encode()
        if account is None or not hmac.compare_digest(account.api_key.encode(), key):
            raise _Refused(102)
        return account

    def _order(self, params: Mapping[str, str]) -> _Order:
        """The smsData flow, checked in the documented order (105, 106, 110, 111, 115, 118, 114)."""
        sms_data = params.get("smsData", "")
        if not sms_data.strip():
            raise _Refused(105)
        data = _flow_data(sms_data)
        message = _text_field(data, "MESSAGE")
        if not message:
            raise _Refused(110)
        if len(message) > self._max_message_length:
            raise _Refused(111, f"Message longer than {self._max_message_length} characters")
        date_text = _text_field(data, "DATE")
        date = _parse_date(date_text)
        if date_text and date is None:
            raise _Refused(115)
        master = _text_field(data, "MASTERACCOUNT")
        if master and master not in self._accounts:
            raise _Refused(118)
        recipients, invalid = self._sort_numbers([_text_field(entry, "MOBILEPHONE") for entry in data["SMS"]])
        if not recipients:
            raise _Refused(114)
        return _Order(message=message, sender=_text_field(data, "TPOA"),
                      cli_msg_id=_text_field(data, "CLIMSGID") or None,
                      scheduled=date is not None and date > datetime.now(),
                      recipients=recipients, invalid=invalid, parts=_sms_parts(message))

    def _sort_numbers(self, numbers: list[str]) -> tuple[list[str], list[str]]:
        """(normalised valid numbers, invalid or blacklisted numbers as received), both in request order."""
        valid: list[str] = []
        invalid: list[str] = []
        for raw in numbers:
            number = _normalise_number(raw)
            if number is None or number in self._blacklist:
                invalid.append(raw)
            else:
                valid.append(number)
        return valid, invalid

    def _send_sms(self, params: Mapping[str, str]) -> dict[str, Any]:
        account = self._authenticate(params)
        order = self._order(params)
        campaign_id = "sb_" + uuid.uuid4().hex[:16]
        sent = [ReceivedSms(str(uuid.uuid4()), campaign_id, number, order.message, order.sender,
                            order.cli_msg_id, order.parts, account.login) for number in order.recipients]
        with self._lock:
            # Check and debit under one lock, so that concurrent sends cannot overdraw the account.
            _check_credit(account.credits, order.cost)
            account.credits -= order.cost
            credits_left = account.credits
            self.received.extend(sent)
            self._campaigns[campaign_id] = _Campaign(account.login, order.cli_msg_id, [s.sms_id for s in sent])
            sent_at = _now()
            self._acks.update((sms.sms_id, _Ack(sms.phone_number, _TRANSMITTED, sent_at)) for sms in sent)
        if self._on_receive is not None:
            for sms in sent:
                self._on_receive(sms)
        return {
            "status": order.status,
            "statusText": STATUS_TEXTS[order.status],
            "invalidNumbers": "|".join(order.invalid),
            "campaignId": campaign_id,
            "credits": str(credits_left),
            "creditsUsed": str(order.cost),
            "nbContacts": str(len(order.recipients)),
            "nbSms": str(order.nb_sms),
            "smsIds": [{"phoneNumber": sms.phone_number, "smsId": sms.sms_id} for sms in sent],
        }

    def _simulate_campaign(self, params: Mapping[str, str]) -> dict[str, Any]:
        account = self._authenticate(params)
        order = self._order(params)
        with self._lock:
            _check_credit(account.credits, order.cost)
        return {
            "status": order.status,
            "statusText": STATUS_TEXTS[order.status],
            "invalidNumbers": "|".join(order.invalid),
            "nbCredits": order.cost,
            "nbContacts": len(order.recipients),
            "nbSms": order.nb_sms,
        }

    def _get_info(self, params: Mapping[str, str]) -> dict[str, Any]:
        account = self._authenticate(params)
        with self._lock:
            credits = account.credits
        return {"status": "Active Account", "credits": str(credits), "firstName": "Sandbox",
                "lastName": account.login, "society": "AllMySMS simulator",
                "email": f"{account.login}@example.invalid"}

    def _get_acks(self, params: Mapping[str, str]) -> dict[str, Any]:
        account = self._authenticate(params)
        with self._lock:
            campaign = self._campaigns.get(params.get("campId", ""))
            if campaign is None or campaign.login != account.login:
                return {"status": "0"}
            acks = [self._acks[sms_id].as_json() for sms_id in campaign.sms_ids]
        return {"acks": acks, "cliMsgId": campaign.cli_msg_id or ""}

    def _tls_context(self) -> ssl.SSLContext:
        import trustme  # only TLS runs need this test dependency

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


def _url_host(host: str) -> str:
    """How to write the listening host in a URL a local client can use."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "127.0.0.1"
    if address.is_unspecified:
        return "127.0.0.1" if address.version == 4 else "[::1]"
    return f"[{host}]" if address.version == 6 else host


# --- HTTP plumbing -------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so that tests can see whether a client reuses connections
    server_version = "AllMySMS-simulator"
    timeout = 30  # seconds an idle kept-alive connection may hold its thread
    # Buffered, so that headers and body leave in one segment: two small writes would meet the client's
    # delayed ACK (Nagle) and cost some 40 ms per request. handle_one_request() flushes after each request.
    wbufsize = -1
    server: _Server

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            # Handshake in the connection's own thread: a slow or failing client cannot stall accept().
            self.request.settimeout(self.timeout)
            self.request.do_handshake()
        super().setup()

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the simulator records requests instead of printing them."""

    def _serve(self) -> None:
        simulator = self.server.simulator
        url = urlsplit(self.path)
        endpoint = _endpoint(url.path)
        body = self._read_body()
        if body is None:
            simulator._record(RecordedRequest(self.command, endpoint, None, None))
            self.close_connection = True  # the next request's start is unknown
            self._send(_text_reply(HTTPStatus.BAD_REQUEST))
            return
        params = _params(url.query, self.headers.get("Content-Type", ""), body)
        fault = simulator._take_fault(endpoint)
        simulator._record(RecordedRequest(self.command, endpoint, params.get("login"),
                                          fault.name if fault else None))
        reply = simulator._answer(endpoint, params) if fault is None or fault.process else None
        if fault is not None:
            reply = _faulted(fault, reply, simulator._stopped)
        if reply is None:
            self.close_connection = True  # nothing written: the client sees the connection close
            return
        self._send(reply)

    def _read_body(self) -> bytes | None:
        """The request body, or None when its length cannot be known (chunked, bad Content-Length)."""
        if "Transfer-Encoding" in self.headers:
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, reply: _Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        if self.close_connection:  # the client asked for it, or we cannot go on
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply.body)


def _params(query: str, content_type: str, body: bytes) -> dict[str, str]:
    """Query and form parameters, the body's winning; undecodable bytes become U+FFFD."""
    params = dict(parse_qsl(query, keep_blank_values=True))
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "application/x-www-form-urlencoded":
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    elif media_type == "multipart/form-data":
        params.update(_multipart_fields(content_type, body))
    return params


def _multipart_fields(content_type: str, body: bytes) -> dict[str, str]:
    # The email package parses MIME multipart; it only needs the Content-Type header in front.
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = payload.decode("utf-8", "replace")
    return fields


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, simulator: AllMySmsSimulator, address: tuple[str, int],
                 tls: ssl.SSLContext | None) -> None:
        self.simulator = simulator
        self.tls = tls
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can take seconds without a resolver.
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = self.socket.accept()
        self.simulator._count_connection()
        if self.tls is not None:
            connection = self.tls.wrap_socket(connection, server_side=True, do_handshake_on_connect=False)
        with self._open_lock:
            self._open.add(connection)
        return connection, address

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        with self._open_lock:
            self._open.discard(cast(socket.socket, request))
        super().shutdown_request(request)

    def abort_connections(self) -> None:
        """Shut every open connection down, waking the threads that wait on kept-alive ones."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                # The plain socket's shutdown: SSLSocket.shutdown would drop its TLS state under a reader.
                socket.socket.shutdown(connection, socket.SHUT_RDWR)

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        # Clients that hang up, time out or refuse our certificate are routine here, not bugs.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)
