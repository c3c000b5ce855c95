"""POSTs to AllMySMS over one kept-alive connection pool, with the retry rules that never send an SMS twice.

A request is retried only when it certainly did not reach AllMySMS (the connection could not be made) or the
API said so (HTTP 429/503, honouring ``Retry-After``); after a read timeout, a dropped connection or any other
server error the outcome is unknown and the error says so instead of trying again. Credentials travel only in
the POST body. A Transport is safe to share between threads.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError

from ..errors import (
    ConfigurationError,
    MalformedResponseError,
    OutcomeUnknownError,
    RateLimitedError,
    ServiceUnavailableError,
)
from ..settings import Timeouts
from .wire import API_PATH, consequence

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries for requests that certainly sent nothing."""

    attempts: int = 3
    backoff: float = 0.5        # seconds before the 2nd try; doubled each time, plus up to 10 % jitter
    max_wait: float = 5.0       # a longer wait (Retry-After included) becomes a Rebound instead of blocking

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        base = self.backoff * 2.0 ** (attempt - 1)
        return base * (1 + random.random() / 10)  # noqa: S311 - jitter, not cryptography


class Transport:
    """Form POSTs to ``{base_url}/http/9.0/{endpoint}/``; ``sleep`` is the one seam for waiting."""

    def __init__(self, base_url: str, *, user_agent: str, timeouts: Timeouts, verify: bool | str,
                 retry: RetryPolicy, pool_size: int, sleep: Callable[[float], None]) -> None:
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(self.base_url).netloc  # for error messages
        self.timeouts = timeouts
        self.retry = retry
        self.verify = verify
        self.sleep = sleep
        self.session = requests.Session()
        for scheme in ("https://", "http://"):
            self.session.mount(scheme, HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0))
        self.session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})

    def close(self) -> None:
        self.session.close()

    def post(self, endpoint: str, form: Mapping[str, str], *, sends: bool) -> dict[str, Any]:
        """The answer's JSON object; raises the component's errors, with ``may_have_been_sent`` = ``sends``
        wherever the request may have reached AllMySMS."""
        url = f"{self.base_url}{API_PATH}{endpoint}/"
        unknown, host = consequence(sends), self.host
        for attempt in range(1, self.retry.attempts + 1):
            started = time.monotonic()
            try:
                # Never follow a redirect: it would turn the POST into a GET, or carry the credentials elsewhere.
                response = self.session.post(url, data=form, verify=self.verify, allow_redirects=False,
                                             timeout=(self.timeouts.connect, self.timeouts.read))
            except requests.exceptions.SSLError as exc:
                raise ConfigurationError(
                    f"The TLS connection to {host} failed ({_reason(exc)}); its certificate could not be "
                    f"verified; nothing was sent") from None
            except (requests.exceptions.ConnectTimeout, requests.exceptions.ConnectionError) as exc:
                if not _never_connected(exc):
                    raise OutcomeUnknownError(
                        f"The connection to {host} broke before AllMySMS answered {endpoint} ({_reason(exc)}); "
                        f"{unknown}", may_have_been_sent=sends) from None
                wait = self.retry.delay(attempt, None)
                if attempt == self.retry.attempts:
                    raise ServiceUnavailableError(f"Could not connect to {host} after {attempt} tries "
                                                  f"({_reason(exc)}); nothing was sent") from None
                log.warning("Could not connect to %s (%s); trying again in %.1f s (try %d of %d)",
                            host, _reason(exc), wait, attempt + 1, self.retry.attempts)
                self.sleep(wait)
                continue
            except requests.exceptions.Timeout:
                raise OutcomeUnknownError(
                    f"AllMySMS did not answer {endpoint} within {self.timeouts.read:g} s; {unknown}",
                    may_have_been_sent=sends) from None
            except requests.exceptions.RequestException as exc:
                raise OutcomeUnknownError(
                    f"The answer of AllMySMS to {endpoint} was lost ({_reason(exc)}); {unknown}",
                    may_have_been_sent=sends) from None
            log.debug("POST %s%s -> HTTP %d in %.0f ms", API_PATH, endpoint, response.status_code,
                      (time.monotonic() - started) * 1000)
            if response.status_code in (429, 503):
                self._wait_or_rebound(response, attempt, endpoint)
                continue
            return _json_body(response, endpoint, sends)
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover

    def _wait_or_rebound(self, response: requests.Response, attempt: int, endpoint: str) -> None:
        code = response.status_code
        retry_after = _retry_after(response.headers.get("Retry-After"))
        wait = self.retry.delay(attempt, retry_after)
        error = RateLimitedError if code == 429 else ServiceUnavailableError
        what = "asked to slow down (HTTP 429)" if code == 429 else "is unavailable (HTTP 503)"
        if attempt == self.retry.attempts:
            raise error(f"AllMySMS {what} after {attempt} tries of {endpoint}; nothing was sent")
        if wait > self.retry.max_wait:
            raise error(f"AllMySMS {what} and asked to wait {wait:g} s; nothing was sent")
        log.warning("AllMySMS %s; trying %s again in %.1f s (try %d of %d)",
                    what, endpoint, wait, attempt + 1, self.retry.attempts)
        self.sleep(wait)


def _json_body(response: requests.Response, endpoint: str, sends: bool) -> dict[str, Any]:
    code = response.status_code
    if 300 <= code < 400:
        raise ConfigurationError(
            f"AllMySMS answered {endpoint} with a redirect (HTTP {code}) to "
            f"{response.headers.get('Location', 'nowhere')!r}; check ALLMYSMS_API_URL; nothing was sent")
    if code != 200:
        raise OutcomeUnknownError(f"AllMySMS answered {endpoint} with HTTP {code} {response.reason}; "
                                  f"{consequence(sends)}", may_have_been_sent=sends)
    try:
        # JSON on the wire is UTF-8 (RFC 8259); json.loads(bytes) would first sniff for UTF-16 and UTF-32.
        body = json.loads(response.content.decode("utf-8").removeprefix("\ufeff"))
    except ValueError:  # UnicodeDecodeError included
        body = None
    if not isinstance(body, dict):
        raise MalformedResponseError(
            f"AllMySMS answered {endpoint} with something that is not the expected JSON object "
            f"({_describe_content(response)}); {consequence(sends)}", may_have_been_sent=sends)
    return body


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _never_connected(exc: requests.exceptions.RequestException) -> bool:
    """True when the TCP connection was never made, so the request certainly did not reach the server."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)


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


def _describe_content(response: requests.Response) -> str:
    kind = response.headers.get("Content-Type", "no content type")
    return f"HTTP {response.status_code}, {kind}, {len(response.content)} bytes"
