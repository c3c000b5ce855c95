"""What the Send SMS benchmarks share: the simulator, the inputs, the bare baseline, the in-place timer, stats.

Public seams only: the component runs as deployed (its context follows the environment), and its HTTP call is
timed by a ``requests.Session`` subclass that takes over the client's session (``client.transport.session``).
Like with like: both sides url-encode the form before ``session.post`` and read the answer's body after it
(``stream=True``), so the time inside ``post`` is the same work for both.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

import pysailor as runtime
from allmysms_component import context
from allmysms_component.api import DEFAULT_TIMEOUTS
from allmysms_component.sandbox import SANDBOX_ACCOUNT, Account, AllMySmsSimulator

SEND_PATH = "/http/9.0/sendSms/"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CFG = {"login": SANDBOX_ACCOUNT.login, "apiKey": SANDBOX_ACCOUNT.api_key}
SENDER = "MyShop"
TEXT = "Your parcel 4711 is ready for pick-up at the counter until Saturday 6 pm. Thank you!"  # GSM-7, 1 part
MESSAGE_ID = "bench-msg-0001"
TIMEOUT = (DEFAULT_TIMEOUTS.connect, DEFAULT_TIMEOUTS.read)
RICH = 10**15  # credits: one 10,000-recipient send costs 150,000, ten times the sandbox account's default
# Deployment settings that would change what process() does; the run clears them, as the tests do.
CLEARED_ENV = ("ALLMYSMS_TRIAL_LOGIN", "ALLMYSMS_TRIAL_API_KEY", "ALLMYSMS_CONNECT_TIMEOUT",
               "ALLMYSMS_READ_TIMEOUT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "LOG_LEVEL")

Form = dict[str, str]
_STARTED = time.perf_counter()


def progress(text: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:5.1f} s] {text}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def simulator() -> Iterator[AllMySmsSimulator]:
    """A simulator in a thread of this process, with an account rich enough for the whole run, and the
    component pointed at it the way a deployment is (``ALLMYSMS_API_URL``), logging as deployed (bunyan lines
    at ``info``) into /dev/null."""
    account = Account(SANDBOX_ACCOUNT.login, SANDBOX_ACCOUNT.api_key, credits=RICH)
    with AllMySmsSimulator(accounts=[account]) as sim:
        for name in CLEARED_ENV:
            os.environ.pop(name, None)
        os.environ["ALLMYSMS_API_URL"] = sim.url
        os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))
        with deployed():
            yield sim


@contextlib.contextmanager
def deployed() -> Iterator[None]:
    """Logging as the platform's default (bunyan lines at ``info``) into /dev/null, one write per line; on
    leaving, the context built from the environment is closed."""
    with open(os.devnull, "w") as sink:
        handler = runtime.configure_logging(sink, "info")
        try:
            yield
        finally:
            context.use(None)  # closes the pool built from the environment
            logging.getLogger().removeHandler(handler)


# --- Inputs and the bare baseline ---------------------------------------------------------------------------


def numbers(count: int) -> list[str]:
    """``count`` distinct French mobile numbers in the international form the documentation shows."""
    return [f"336{10_000_000 + index:08d}" for index in range(count)]


def incoming(count: int) -> dict[str, Any]:
    """A platform message as a flow maps it: numbers separated by ", ", a fixed id (the CLIMSGID)."""
    body = {"mobileNumbers": ", ".join(numbers(count)), "senderName": SENDER, "messageText": TEXT}
    return runtime.new_incoming(body, message_id=MESSAGE_ID)


def bare_form(mobile_numbers: str) -> Form:
    """What a hand-written client posts for the same input: the numbers split, the smsData JSON."""
    recipients = [number.strip() for number in mobile_numbers.split(",")]
    sms_data = {"DATA": {"MESSAGE": TEXT, "TPOA": SENDER, "SMS": [{"MOBILEPHONE": n} for n in recipients],
                         "CLIMSGID": MESSAGE_ID}}
    return {"login": SANDBOX_ACCOUNT.login, "apiKey": SANDBOX_ACCOUNT.api_key, "returnformat": "json",
            "smsData": json.dumps(sms_data, ensure_ascii=False, separators=(",", ":"))}


def bare_body(mobile_numbers: str) -> str:
    """The same form url-encoded, as the component posts it (a string body, fields in the same order)."""
    return urlencode(bare_form(mobile_numbers))


@dataclass(frozen=True)
class Timing:
    """One send: its whole wall time and the part of it spent inside ``session.post`` (ns)."""

    total: int
    http: int

    @property
    def own(self) -> int:
        return self.total - self.http


class BareClient:
    """The baseline: a kept-alive ``requests.Session`` posting the same form, reading the JSON answer. Like the
    component it encodes the form before ``post`` and reads the body after it (``stream=True``)."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url + SEND_PATH
        self.session = requests.Session()
        # As the component's transport: proxy variables not walked for every request, no .netrc lookup (the
        # component resolves its proxies once per process), so the two sides do the same work per post.
        self.session.trust_env = False

    def send(self, msg: dict[str, Any], count: int) -> Timing:
        started = time.perf_counter_ns()
        body = bare_body(msg["body"]["mobileNumbers"])
        posting = time.perf_counter_ns()
        response = self.session.post(self.url, data=body, headers=FORM, timeout=TIMEOUT, allow_redirects=False,
                                     stream=True)
        posted = time.perf_counter_ns()
        answer = json.loads(response.content)
        if response.status_code != 200 or answer.get("status") != 100 or len(answer["smsIds"]) != count:
            raise RuntimeError(f"the bare post failed: HTTP {response.status_code}, {str(answer)[:200]}")
        return Timing(time.perf_counter_ns() - started, posted - posting)

    def close(self) -> None:
        self.session.close()


# --- The component, timed in place ---------------------------------------------------------------------------


class TimedSession(requests.Session):
    """A session that adds up the time spent in ``post`` and keeps the last form posted."""

    def __init__(self) -> None:
        super().__init__()
        self.http_ns = 0
        self.posts = 0
        self.last_form: object = None
        self.streamed = False  # the last post left the body to be read after it

    @classmethod
    def replacing(cls, session: requests.Session) -> TimedSession:
        """A timed session with the state of ``session`` (headers, mounted adapters and their pools, ...)."""
        timed = cls()
        for name in requests.Session.__attrs__:
            setattr(timed, name, getattr(session, name))
        return timed

    def post(self, url: str | bytes, data: Any = None, json: Any = None, **kwargs: Any) -> requests.Response:
        started = time.perf_counter_ns()
        try:
            return super().post(url, data=data, json=json, **kwargs)
        finally:
            self.http_ns += time.perf_counter_ns() - started
            self.posts += 1
            self.last_form = data
            self.streamed = bool(kwargs.get("stream"))


class Component:
    """The Send SMS action as a deployment runs it, its client's HTTP calls timed."""

    def __init__(self) -> None:
        from allmysms_component.actions.send_sms import process

        self.process = process
        transport = context.current().client.transport
        self.session = TimedSession.replacing(transport.session)
        transport.session = self.session

    def send(self, msg: dict[str, Any], count: int, *, execute: bool = False) -> Timing:
        """One message through ``process`` (or, with ``execute``, through the runtime's ``execute`` around it:
        the events and the emitted message's size check)."""
        posts, http_ns = self.session.posts, self.session.http_ns
        started = time.perf_counter_ns()
        if execute:
            event = runtime.execute(self.process, msg, CFG).events[0]
            output = event.payload if event.name == "data" else {"body": event.payload}
        else:
            output = self.process(msg, CFG)
        total = time.perf_counter_ns() - started
        if self.session.posts != posts + 1:  # e.g. a changed environment gave the context a new client
            raise RuntimeError("the component's HTTP call was not timed: the measurement is void")
        body = output["body"]
        if "status" not in body:
            raise RuntimeError(f"the component did not send: {str(body)[:200]}")
        if body["status"] != 100 or len(body["smsIds"]) != count:
            raise RuntimeError(f"process() did not send to {count} number(s): {str(body)[:200]}")
        return Timing(total, self.session.http_ns - http_ns)

    def check_like_with_like(self, msg: dict[str, Any]) -> None:
        """The bare client must post exactly the body the component posted, already encoded, as it does."""
        posted = self.session.last_form
        if not isinstance(posted, str):
            raise RuntimeError(f"the component posted a {type(posted).__name__}, not an encoded form: the bare "
                               f"client no longer does the same work; the comparison is void")
        if not self.session.streamed:
            raise RuntimeError("the component read the answer inside session.post, the bare client after it: "
                               "the comparison is void")
        if posted != bare_body(msg["body"]["mobileNumbers"]):
            raise RuntimeError("the bare post does not send what the component sends: the comparison is void")


# --- Statistics ----------------------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def quartiles(values: Sequence[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    q1, _, q3 = statistics.quantiles(values, n=4)
    return q1, q3


def us(ns: float) -> str:
    return f"{ns / 1e3:,.0f} µs" if ns >= 10_000 else f"{ns / 1e3:,.1f} µs"


def ms(ns: float) -> str:
    return f"{ns / 1e6:,.1f} ms"
