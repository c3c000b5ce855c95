"""A thin, honest client of the AllMySMS HTTPS API v9: one method per endpoint, typed answers, typed errors.

Honest means: the outcome is read from the body's ``status`` (the API answers HTTP 200 for errors too); a
request is retried only when it certainly did not reach AllMySMS (the connection could not be made) or the
API said so (HTTP 429/503); after a read timeout or any other server error the SMS may have been sent, and
the error says so instead of sending it twice. Credentials travel only in the POST body.

One client holds one connection pool (a ``requests.Session``); it is safe to share between threads.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypedDict
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError

from . import descriptor
from .credentials import Credentials
from .errors import (
    AllMySmsError,
    ApiRejectedError,
    AuthenticationError,
    ConfigurationError,
    InsufficientCreditError,
    MalformedResponseError,
    OutcomeUnknownError,
    RateLimitedError,
    ServiceUnavailableError,
)
from .settings import DEFAULT_API_URL, Timeouts

log = logging.getLogger(__name__)

API_PATH = "/http/9.0/"
SUCCESS = frozenset({100, 101})          # sent, scheduled
PARTIAL = 113                            # some numbers invalid, the others sent
# Statuses that say the request was refused as a whole: nothing was sent (reference, section 2.3).
REFUSED = {
    102: "AllMySMS refused the login and API key",
    103: "the AllMySMS account has no SMS credit left",
    104: "the AllMySMS account does not have enough credit for this send",
    105: "AllMySMS received an empty request",
    106: "AllMySMS could not read the request",
    107: "AllMySMS could not read the request",
    108: "AllMySMS refused the client code in the request",
    109: "AllMySMS could not read the request",
    110: "AllMySMS received an empty message",
    111: "AllMySMS refused the message as too long",
    112: "AllMySMS could not read the request",
    113: "AllMySMS refused some phone numbers",
    114: "AllMySMS found no valid phone number in the request",
    115: "AllMySMS refused the send date",
    117: "AllMySMS refused a link as too long",
    118: "AllMySMS does not know the master account",
}
# A str as a JSON string literal, non-ASCII kept as is (UTF-8 on the wire, not \u escapes): json.dumps's own.
_json_string = json.encoder.encode_basestring


class SmsId(TypedDict):
    phoneNumber: str
    smsId: str


@dataclass(frozen=True)
class SmsRequest:
    """One SMS text from one sender to many numbers (already validated and normalized)."""

    text: str
    sender: str
    recipients: Sequence[str]
    cli_msg_id: str | None = None

    def sms_data(self) -> str:
        """The ``smsData`` JSON: the bytes json.dumps(..., ensure_ascii=False, separators=(",", ":")) gives
        (tested), assembled around json's own string escaper. json.dumps would build a dict per number and an
        encoder per call: a tenth of the component's own time for one recipient, and 10,000 dicts for a large
        message (bench/README.md)."""
        numbers = '},{"MOBILEPHONE":'.join(map(_json_string, self.recipients))
        sms = f'{{"MOBILEPHONE":{numbers}}}' if self.recipients else ""
        climsgid = f',"CLIMSGID":{_json_string(self.cli_msg_id)}' if self.cli_msg_id else ""
        return (f'{{"DATA":{{"MESSAGE":{_json_string(self.text)},"TPOA":{_json_string(self.sender)},'
                f'"SMS":[{sms}]{climsgid}}}}}')


@dataclass(frozen=True)
class SendResult:
    status: int
    status_text: str
    invalid_numbers: list[str]
    campaign_id: str | None
    credits: float | None
    credits_used: float | None
    nb_contacts: float | None
    nb_sms: float | None
    sms_ids: list[SmsId]


@dataclass(frozen=True)
class SimulationResult:
    status: int
    status_text: str
    invalid_numbers: list[str]
    nb_credits: float | None
    nb_contacts: float | None
    nb_sms: float | None


@dataclass(frozen=True)
class AccountInfo:
    status_text: str
    credits: float | None
    login: str


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


DEFAULT_TIMEOUTS = Timeouts()
DEFAULT_RETRY = RetryPolicy()


class AllMySmsClient:
    """The AllMySMS API v9 over one kept-alive connection pool."""

    def __init__(self, base_url: str = DEFAULT_API_URL, *, timeouts: Timeouts = DEFAULT_TIMEOUTS,
                 verify: bool | str = True, retry: RetryPolicy = DEFAULT_RETRY, pool_size: int = 16,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._host = urlsplit(self.base_url).netloc  # for error messages
        self.timeouts = timeouts
        self.retry = retry
        self._verify = verify
        self._sleep = sleep  # None: time.sleep, looked up when needed
        self._session = requests.Session()
        self._session.mount("https://", HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0))
        self._session.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0))
        self._session.headers.update({
            "User-Agent": f"allmysms-component/{descriptor.load().version} python-requests/{requests.__version__}",
            "Accept": "application/json",
        })

    def __repr__(self) -> str:
        return f"AllMySmsClient({self.base_url!r})"

    def _pause(self, seconds: float) -> None:
        (time.sleep if self._sleep is None else self._sleep)(seconds)

    def close(self) -> None:
        self._session.close()

    # -- endpoints ---------------------------------------------------------------------------------------

    def send_sms(self, credentials: Credentials, request: SmsRequest) -> SendResult:
        """Send one text to every recipient. Raises unless AllMySMS accepted at least one number."""
        body = self._call("sendSms", credentials, {"smsData": request.sms_data()}, sends=True)
        status = _status(body, sends=True)
        sms_ids = _sms_ids(body.get("smsIds"))
        if status not in SUCCESS and not (status == PARTIAL and sms_ids):
            raise _rejection(status, body, credentials, sends=True)
        return SendResult(
            status=status,
            status_text=_text(body.get("statusText")),
            invalid_numbers=_invalid_numbers(body.get("invalidNumbers")),
            campaign_id=_text(body.get("campaignId")) or None,
            credits=_number(body, "credits"),
            credits_used=_number(body, "creditsUsed"),
            nb_contacts=_number(body, "nbContacts"),
            nb_sms=_number(body, "nbSms"),
            sms_ids=sms_ids,
        )

    def simulate_campaign(self, credentials: Credentials, request: SmsRequest) -> SimulationResult:
        """What sendSms would do and cost, without sending anything."""
        body = self._call("simulateCampaign", credentials, {"smsData": request.sms_data()}, sends=False)
        status = _status(body, sends=False)
        if status not in SUCCESS:
            raise _rejection(status, body, credentials, sends=False)
        return SimulationResult(
            status=status,
            status_text=_text(body.get("statusText")),
            invalid_numbers=_invalid_numbers(body.get("invalidNumbers")),
            nb_credits=_number(body, "nbCredits"),
            nb_contacts=_number(body, "nbContacts"),
            nb_sms=_number(body, "nbSms"),
        )

    def get_info(self, credentials: Credentials) -> AccountInfo:
        """The account's state and credits: the cheap call that proves credentials work."""
        body = self._call("getInfo", credentials, {}, sends=False)
        status = body.get("status")
        # getInfo answers a text status ("Active Account") on success and the numeric 102 family on failure.
        if _as_int(status) is not None:
            raise _rejection(_as_int(status), body, credentials, sends=False)
        if not isinstance(status, str):
            raise MalformedResponseError("AllMySMS answered getInfo without a status; nothing was sent")
        return AccountInfo(status_text=status, credits=_number(body, "credits"), login=credentials.login)

    # -- transport ---------------------------------------------------------------------------------------

    def _call(self, endpoint: str, credentials: Credentials, fields: Mapping[str, str], *,
              sends: bool) -> dict[str, Any]:
        url = f"{self.base_url}{API_PATH}{endpoint}/"
        form = {"login": credentials.login, "apiKey": credentials.api_key, "returnformat": "json", **fields}
        unknown, host = _consequence(sends), self._host
        for attempt in range(1, self.retry.attempts + 1):
            started = time.monotonic()
            try:
                # Never follow a redirect: it would turn the POST into a GET, or carry the credentials elsewhere.
                response = self._session.post(url, data=form, verify=self._verify, allow_redirects=False,
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
                self._pause(wait)
                continue
            except requests.exceptions.Timeout:
                raise OutcomeUnknownError(
                    f"AllMySMS did not answer {endpoint} within {self.timeouts.read:g} s; {unknown}",
                    may_have_been_sent=sends) from None
            except requests.exceptions.RequestException as exc:
                raise OutcomeUnknownError(
                    f"The answer of AllMySMS to {endpoint} was lost ({_reason(exc)}); {unknown}",
                    may_have_been_sent=sends) from None
            if log.isEnabledFor(logging.DEBUG):
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
        self._pause(wait)


# -- reading answers ------------------------------------------------------------------------------------

def _consequence(sends: bool) -> str:
    """What a failed call means for the user's SMS when its outcome is unknown."""
    if sends:
        return "the SMS may have been sent: check the AllMySMS account before sending it again"
    return "this call sends no SMS"


def _json_body(response: requests.Response, endpoint: str, sends: bool) -> dict[str, Any]:
    code = response.status_code
    if 300 <= code < 400:
        raise ConfigurationError(
            f"AllMySMS answered {endpoint} with a redirect (HTTP {code}) to "
            f"{response.headers.get('Location', 'nowhere')!r}; check ALLMYSMS_API_URL; nothing was sent")
    if code != 200:
        raise OutcomeUnknownError(f"AllMySMS answered {endpoint} with HTTP {code} {response.reason}; "
                                  f"{_consequence(sends)}", may_have_been_sent=sends)
    try:
        # JSON on the wire is UTF-8 (RFC 8259); json.loads(bytes) would first sniff for UTF-16 and UTF-32.
        body = json.loads(response.content.decode("utf-8").removeprefix("\ufeff"))
    except ValueError:  # UnicodeDecodeError included
        body = None
    if not isinstance(body, dict):
        raise MalformedResponseError(
            f"AllMySMS answered {endpoint} with something that is not the expected JSON object "
            f"({_describe_content(response)}); {_consequence(sends)}", may_have_been_sent=sends)
    return body


def _status(body: Mapping[str, Any], *, sends: bool) -> int:
    status = _as_int(body.get("status"))
    if status is None:
        raise MalformedResponseError(f"AllMySMS answered without a numeric status; {_consequence(sends)}",
                                     may_have_been_sent=sends)
    return status


def _rejection(status: int | None, body: Mapping[str, Any], credentials: Credentials, *,
               sends: bool) -> ApiRejectedError:
    status_text = _redact(_text(body.get("statusText")), credentials)
    said = f" (status {status}: {status_text})" if status_text else f" (status {status})"
    if status == 102:
        return AuthenticationError(REFUSED[102] + said + "; check the login and API key of the step's "
                                   "credentials; nothing was sent", status=status, status_text=status_text)
    if status in (103, 104):
        return InsufficientCreditError(f"{REFUSED[status]}{said}; nothing was sent", status=status,
                                       status_text=status_text)
    if status in REFUSED:
        return ApiRejectedError(f"{REFUSED[status]}{said}; nothing was sent", status=status,
                                status_text=status_text)
    return ApiRejectedError(f"AllMySMS answered a status this component does not know{said}; "
                            f"{_consequence(sends)}",
                            status=status, status_text=status_text, may_have_been_sent=sends)


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _number(body: Mapping[str, Any], key: str) -> float | None:
    """A counter as a number; the API sends them as strings. Garbage is dropped, not fatal: after a
    success status the SMS is out, and failing now would invite a second send."""
    value = body.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, (int, float)):
        number = value
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        log.warning("AllMySMS answered a %s that is not a number; left out", key)
        return None
    return int(number) if float(number).is_integer() else number


def _text(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _invalid_numbers(value: object) -> list[str]:
    if not value:  # the usual answer: ""
        return []
    if isinstance(value, list):
        return [str(v) for v in value if str(v)]
    return [n for n in _text(value).split("|") if n]


def _sms_ids(value: object) -> list[SmsId]:
    if not isinstance(value, list):
        return []
    return [{"phoneNumber": str(e["phoneNumber"]), "smsId": str(e["smsId"])}
            for e in value if isinstance(e, dict) and "phoneNumber" in e and "smsId" in e]


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


def _redact(text: str, credentials: Credentials) -> str:
    # Defence in depth: whatever the API echoes, the key never reaches an error message.
    return text.replace(credentials.api_key, "***") if credentials.api_key else text


_clients: dict[tuple[str, Timeouts], AllMySmsClient] = {}
_clients_lock = threading.Lock()


def shared_client(base_url: str, timeouts: Timeouts) -> AllMySmsClient:
    """The process-wide client for a base URL: one connection pool reused across messages and threads."""
    key = (base_url, timeouts)
    client = _clients.get(key)  # a dict read is atomic: the lock is only for creating the client, once
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = AllMySmsClient(base_url, timeouts=timeouts)
    return client


__all__ = [
    "AccountInfo", "AllMySmsClient", "AllMySmsError", "RetryPolicy", "SendResult", "SimulationResult", "SmsId",
    "SmsRequest", "shared_client",
]
