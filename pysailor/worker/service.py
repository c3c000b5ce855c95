"""The one-shot credentials check the platform runs when a user saves credentials (sailor-protocol.md section 15).

``allmysms-component service verifyCredentials`` reads the credentials from ``ELASTICIO_CFG``, runs the
component's check, and POSTs ``{"status": "success", "data": <result>}`` once to ``ELASTICIO_POST_RESULT_URL``
(``{"status": "error", "data": {"message": ...}}`` when the service itself fails: a method it does not know,
``ELASTICIO_CFG`` missing or not JSON). The result is normalised as the sailor does: without a ``verified`` key it
reads as verified; an exception becomes ``{"verified": false, "reason": <its message>}``. User info in the URL
becomes Basic auth and leaves the URL. 5xx answers and network errors are retried
(``ELASTICIO_API_REQUEST_RETRY_ATTEMPTS`` tries, default 3, ``..._DELAY`` ms apart, default 100). Exit 0 once
the platform answered exactly HTTP 200, 1 otherwise or without ``ELASTICIO_POST_RESULT_URL``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import requests

from .. import execution
from .settings import PREFIX, number

log = logging.getLogger(__name__)

METHODS = ("verifyCredentials",)
TIMEOUT = 15.0  # s per try


class ServiceError(Exception):
    """What the service reports as ``{"status": "error"}``."""


def run(method: str, env: Mapping[str, str], verify: Callable[[Any], Any], *,
        session: requests.Session | None = None, sleep: Callable[[float], None] = time.sleep) -> int:
    url = env.get(f"{PREFIX}POST_RESULT_URL")
    if not url:
        log.critical("%sPOST_RESULT_URL is missing", PREFIX)
        return 1
    try:
        payload = {"status": "success", "data": _call(method, env, verify)}
    except ServiceError as exc:
        log.error("The %s service failed: %s", method, exc)
        payload = {"status": "error", "data": {"message": str(exc)}}
    tries = number(env, "API_REQUEST_RETRY_ATTEMPTS", 3)
    pause = number(env, "API_REQUEST_RETRY_DELAY", 100) / 1000
    return 0 if post(url, payload, tries=tries, pause=pause, session=session, sleep=sleep) else 1


def _call(method: str, env: Mapping[str, str], verify: Callable[[Any], Any]) -> dict[str, Any]:
    if method not in METHODS:
        raise ServiceError(f"Unknown service method {method!r}: this component has {', '.join(METHODS)}")
    raw = env.get(f"{PREFIX}CFG")
    if not raw:
        raise ServiceError(f"{PREFIX}CFG is missing")
    try:
        cfg = json.loads(raw)
    except ValueError:
        raise ServiceError("Unable to parse CFG") from None
    result = execution.verify(verify, cfg)  # normalised as the sailor does
    log.info("Credentials check: %s", "verified" if result.get("verified") else "not verified")
    return result


def post(url: str, payload: Mapping[str, Any], *, tries: int, pause: float,
         session: requests.Session | None = None, sleep: Callable[[float], None] = time.sleep) -> bool:
    """POST once (more on a 5xx or a network error); whether the answer was exactly HTTP 200."""
    target, auth = split_credentials(url)
    shown = "{0.scheme}://{0.netloc}".format(urlsplit(target))  # the path may hold a token
    http = session or requests.Session()
    for attempt in range(1, max(tries, 1) + 1):
        try:
            answer = http.post(target, json=payload, auth=auth, headers={"Connection": "Keep-Alive"},
                               timeout=TIMEOUT)
        except requests.RequestException as exc:
            problem = type(exc).__name__
        else:
            if answer.status_code == 200:
                log.info("Result posted to %s", shown)
                return True
            if answer.status_code < 500:
                log.error("Posting the result to %s: HTTP %d", shown, answer.status_code)
                return False
            problem = f"HTTP {answer.status_code}"
        if attempt < tries:
            log.warning("Posting the result to %s failed (%s); try %d of %d", shown, problem, attempt + 1, tries)
            sleep(pause)
    log.error("Posting the result to %s failed after %d tries", shown, max(tries, 1))
    return False


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``http://user:p%40ss@host/x`` -> (``http://host/x``, ("user", "p@ss"))."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=netloc)), (unquote(parts.username or ""), unquote(parts.password or ""))
