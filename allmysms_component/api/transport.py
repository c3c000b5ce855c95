"""POSTs to AllMySMS over one kept-alive connection pool, with the retry rules that never send an SMS twice.

A request is retried only when it certainly did not reach AllMySMS (no connection, no proxy tunnel, no TLS
session: nothing of the request was written) or the API said so (HTTP 429/503, honouring ``Retry-After``);
after a read timeout, a dropped connection or any other server error the outcome is unknown and the error says
so instead of trying again. The read timeout is a deadline for the whole answer, counted from the moment the
request starts to leave. Credentials travel only in the POST body; proxies from the environment are used for
the real API but never for a loopback URL. A Transport is safe to share between threads.

The proxy variables are read once, when the Transport is built (once per process), not by requests for every
request: that per-request read walks the whole environment twice and costs about as much as the rest of the
post's preparation (bench/README.md). The CA-bundle variables are still read per request, as requests does.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import os
import random
import ssl
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError, ReadTimeoutError
from urllib3.util.ssl_match_hostname import CertificateError

from ..errors import (
    AllMySmsError,
    ConfigurationError,
    MalformedResponseError,
    OutcomeUnknownError,
    RateLimitedError,
    Rebound,
    ServiceUnavailableError,
    consequence,
)
from ..settings import Timeouts, is_loopback
from .answer import describe, json_object, quoted, read_capped
from .connection import SENT, Watch, WatchedAdapter

log = logging.getLogger(__name__)

# Explicit "no proxy" for every scheme: requests then ignores HTTP(S)_PROXY and ALL_PROXY for the request.
NO_PROXY: dict[str, Any] = {"http": None, "https": None, "all": None}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DRAIN_BYTES = 64 * 1024  # of a 429/503 answer read to keep its connection; past that it is closed instead
# Raised while the request is being prepared, before any connection: a URL or proxy that cannot be used.
_UNUSABLE = (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema,
             requests.exceptions.InvalidHeader)


class RetryPolicy(NamedTuple):
    """Bounded retries for requests that certainly sent nothing."""

    attempts: int = 3
    backoff: float = 0.5        # seconds before the 2nd try; doubled each time, plus up to 10 % jitter
    max_wait: float = 5.0       # a longer wait (Retry-After included) becomes a Rebound instead of blocking

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        base = self.backoff * 2.0 ** (attempt - 1)
        return base * (1 + random.random() / 10)  # noqa: S311 - jitter, not cryptography


class _Retry(NamedTuple):
    """A try that certainly sent nothing and may be repeated: why, and after how long at the least."""

    reason: str
    retry_after: float | None = None
    error: type[Rebound] = ServiceUnavailableError


class _Session(requests.Session):
    def get_redirect_target(self, resp: requests.Response) -> None:
        """None: a redirect is never followed, nor even looked at by requests, which would read its whole body
        (past any size cap) and decode its Location as UTF-8 (failing on a Latin-1 byte)."""


class Transport:
    """Form POSTs to ``{base_url}{path}``, the path given by the caller; ``sleep`` and ``clock`` are the seams for
    time."""

    def __init__(self, base_url: str, *, user_agent: str, timeouts: Timeouts, verify: bool | str,
                 retry: RetryPolicy, pool_size: int, sleep: Callable[[float], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self.host = parts.netloc  # for error messages
        # A proxy cannot reach this machine's loopback, and would see a plain-http request's key: never use one.
        # Otherwise the environment's, resolved now for this one URL (NO_PROXY included), as requests would for
        # each request; requests' own per-request reading is switched off (trust_env) with the .netrc lookup,
        # which would add an Authorization header the API does not use.
        self.proxies = (NO_PROXY if is_loopback(parts.hostname or "")
                        else requests.utils.get_environ_proxies(self.base_url))
        self.timeouts = timeouts
        self.retry = retry
        self.verify = verify
        self.sleep = sleep
        self.watch = Watch(clock)
        self.session: requests.Session = _Session()
        self.session.trust_env = False
        adapter = WatchedAdapter(self.watch, pool_size)
        for scheme in ("https://", "http://"):
            self.session.mount(scheme, adapter)
        self.session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})

    def close(self) -> None:
        self.session.close()

    def post(self, path: str, body: str, *, sends: bool, secret: str = "") -> dict[str, Any]:
        """The answer's JSON object for the url-encoded form ``body`` posted to ``{base_url}{path}``; raises the
        component's errors, with ``may_have_been_sent`` = ``sends`` wherever the request may have reached
        AllMySMS. ``secret`` (the API key) never appears in an error, whatever the server echoes."""
        endpoint = path.rstrip("/").rpartition("/")[2]  # how messages name the call: "sendSms"
        for attempt in range(1, self.retry.attempts + 1):
            outcome = self._try(path, endpoint, body, sends, secret)
            if not isinstance(outcome, _Retry):
                return outcome
            wait = self.retry.delay(attempt, outcome.retry_after)
            if attempt == self.retry.attempts:
                raise outcome.error(f"{outcome.reason} after {attempt} tries of {endpoint}; nothing was sent")
            if wait > self.retry.max_wait:
                raise outcome.error(f"{outcome.reason} and asked to wait {wait:g} s; nothing was sent")
            log.warning("%s; trying %s again in %.1f s (try %d of %d)", outcome.reason, endpoint, wait,
                        attempt + 1, self.retry.attempts)
            self.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover

    def _try(self, path: str, endpoint: str, body: str, sends: bool, secret: str) -> dict[str, Any] | _Retry:
        """One try. Errors are raised outside ``except`` blocks: no exception chain keeps the HTTP library's
        exception, whose request holds the form and the key in it."""
        started = time.monotonic()
        self.watch.begin(self.timeouts.read)
        failure: AllMySmsError | _Retry | None = None
        try:
            # Never follow a redirect: it would turn the POST into a GET, or carry the credentials elsewhere.
            response = self.session.post(f"{self.base_url}{path}", data=body, headers=FORM,
                                         verify=_verify(self.verify), allow_redirects=False, stream=True,
                                         proxies=self.proxies, timeout=(self.timeouts.connect, self.timeouts.read))
            with response:
                if log.isEnabledFor(logging.DEBUG):
                    log.debug("POST %s -> HTTP %d in %.0f ms", path, response.status_code,
                              (time.monotonic() - started) * 1000)
                return self._answer(response, endpoint, sends, secret)
        except requests.RequestException as exc:
            failure = self._failure(exc, endpoint, sends, secret)
        if isinstance(failure, AllMySmsError):
            raise failure
        return failure

    def _failure(self, exc: requests.RequestException, endpoint: str, sends: bool,
                 secret: str) -> AllMySmsError | _Retry:
        """What a failed try means, judged by how far the request got (the watch), else by the exception."""
        host, unknown, reason = self.host, consequence(sends), quoted(_reason(exc), secret)
        nothing_sent = self.watch.nothing_sent() or (self.watch.phase is None and _never_connected(exc))
        if self.watch.phase != SENT and isinstance(exc, requests.exceptions.SSLError) and _certificate(exc):
            return ConfigurationError(f"The TLS connection to {host} failed ({reason}); its certificate could "
                                      f"not be verified; nothing was sent")
        if nothing_sent:
            return _Retry(f"Could not connect to {host} ({reason})")
        if self.watch.phase is None and isinstance(exc, _UNUSABLE):
            return ConfigurationError(f"The request to {host} could not be made ({reason}); check ALLMYSMS_API_URL "
                                      f"and the proxy variables (HTTPS_PROXY, ALL_PROXY); nothing was sent")
        if self.watch.expired() or _timed_out(exc):
            return OutcomeUnknownError(f"AllMySMS did not answer {endpoint} within {self.timeouts.read:g} s; "
                                       f"{unknown}", may_have_been_sent=sends)
        if isinstance(exc, requests.exceptions.ConnectionError):
            return OutcomeUnknownError(f"The connection to {host} broke before AllMySMS answered {endpoint} "
                                       f"({reason}); {unknown}", may_have_been_sent=sends)
        return OutcomeUnknownError(f"The answer of AllMySMS to {endpoint} was lost ({reason}); {unknown}",
                                   may_have_been_sent=sends)

    def _answer(self, response: requests.Response, endpoint: str, sends: bool,
                secret: str) -> dict[str, Any] | _Retry:
        code = response.status_code
        if code in (429, 503):
            with contextlib.suppress(requests.RequestException):  # read, so the connection serves the next try
                read_capped(response, DRAIN_BYTES)
            if code == 429:
                return _Retry("AllMySMS asked to slow down (HTTP 429)", _retry_after(response), RateLimitedError)
            return _Retry("AllMySMS is unavailable (HTTP 503)", _retry_after(response))
        if 300 <= code < 400:
            location = quoted(response.headers.get("Location", "nowhere"), secret)
            raise ConfigurationError(f"AllMySMS answered {endpoint} with a redirect (HTTP {code}) to {location!r}; "
                                     f"check ALLMYSMS_API_URL; nothing was sent")
        if code != 200:
            raise OutcomeUnknownError(f"AllMySMS answered {endpoint} with HTTP {code} "
                                      f"{quoted(response.reason or '', secret)}; {consequence(sends)}",
                                      may_have_been_sent=sends)
        content = read_capped(response)
        body = None if content is None else json_object(content)
        if body is None:
            raise MalformedResponseError(
                f"AllMySMS answered {endpoint} with something that is not the expected JSON object "
                f"({describe(response, None if content is None else len(content), secret)}); "
                f"{consequence(sends)}", may_have_been_sent=sends)
        return body


def _retry_after(response: requests.Response) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None when unreadable."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():  # "²".isdigit() is True too
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _never_connected(exc: requests.exceptions.RequestException) -> bool:
    """By the exception alone (no watched connection reported): True when the TCP connection was never made."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)


def _timed_out(exc: requests.exceptions.RequestException) -> bool:
    """A read timeout, whether requests says so (ReadTimeout) or wraps urllib3's while streaming the body."""
    reason = exc.args[0] if exc.args else None
    return isinstance(exc, requests.exceptions.Timeout) or isinstance(reason, ReadTimeoutError)


def _certificate(exc: BaseException) -> bool:
    """True when a TLS failure is the server's certificate being refused."""
    seen: object = exc
    for _ in range(5):
        if isinstance(seen, (ssl.SSLCertVerificationError, CertificateError)):
            return True
        if isinstance(seen, MaxRetryError):
            seen = seen.reason
        elif isinstance(seen, BaseException) and seen.args:
            seen = seen.args[-1] if isinstance(seen.args[-1], BaseException) else seen.args[0]
        else:
            break
    return "certificate verify failed" in str(exc).lower()


def _verify(verify: bool | str) -> bool | str:
    """What requests itself would verify with: a CA bundle named by the environment when none was given."""
    if verify is True:
        return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    return verify


def _reason(exc: BaseException) -> str:
    """The innermost cause, briefly (e.g. "ConnectionRefusedError: ..."): enough to act on."""
    cause: object = exc.args[0] if exc.args else exc
    if isinstance(cause, MaxRetryError) and cause.reason is not None:
        cause = cause.reason
    if isinstance(cause, BaseException) and cause.args and isinstance(cause.args[-1], BaseException):
        cause = cause.args[-1]  # ProtocolError("Connection aborted.", RemoteDisconnected(...))
    if isinstance(cause, BaseException):
        text = str(cause)
        return f"{type(cause).__name__}: {text}" if text else type(cause).__name__
    return str(cause)
