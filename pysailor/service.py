"""The one-shot credentials check the platform runs when a user saves credentials (sailor-protocol.md section 15).

``service verifyCredentials`` reads the credentials from ``ELASTICIO_CFG``, runs the component's check, and
POSTs ``{"status": "success", "data": <result>}`` once to ``ELASTICIO_POST_RESULT_URL``
(``{"status": "error", "data": {"message": ...}}`` when the service itself fails: a method it does not know,
``ELASTICIO_CFG`` missing or unreadable, a retry setting refused). The result is normalised as the sailor does:
without a ``verified`` key it reads as verified; an exception becomes ``{"verified": false, "reason": ...}``.
The POST (``platform.post_result``): exit 0 once the platform answered exactly HTTP 200, 1 otherwise, or when
``ELASTICIO_POST_RESULT_URL`` is missing or cannot be read (one fatal line, the URL never quoted).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from . import execution
from .env import SettingsError, js_number
from .platform import post_result
from .urls import split_credentials

log = logging.getLogger(__name__)

PREFIX = "ELASTICIO_"
METHODS = ("verifyCredentials",)
DEFAULT_TRIES = 3
DEFAULT_DELAY = 100  # ms


class ServiceError(Exception):
    """What the service reports as ``{"status": "error"}``."""


def run(method: str, env: Mapping[str, str], verify: Callable[[Any], Any]) -> int:
    url = env.get(f"{PREFIX}POST_RESULT_URL")
    if not url:
        log.critical("%sPOST_RESULT_URL is missing", PREFIX)
        return 1
    try:
        split_credentials(url)
    except ValueError as exc:
        log.critical("%sPOST_RESULT_URL cannot be read as a URL: %s", PREFIX, exc)
        return 1
    tries, pause = DEFAULT_TRIES, DEFAULT_DELAY / 1000
    try:
        tries = js_number(env, f"{PREFIX}API_REQUEST_RETRY_ATTEMPTS", DEFAULT_TRIES, high=100)
        pause = js_number(env, f"{PREFIX}API_REQUEST_RETRY_DELAY", DEFAULT_DELAY, high=60_000) / 1000
        payload = {"status": "success", "data": _call(method, env, verify)}
    except (ServiceError, SettingsError) as exc:  # posted with the default retries when a retry setting is refused
        log.error("The %s service failed: %s", method, exc)
        payload = {"status": "error", "data": {"message": str(exc)}}
    return 0 if post_result(url, payload, tries=tries, pause=pause) else 1


def _call(method: str, env: Mapping[str, str], verify: Callable[[Any], Any]) -> dict[str, Any]:
    if method not in METHODS:
        raise ServiceError(f"Unknown service method {method!r}: this component has {', '.join(METHODS)}")
    raw = env.get(f"{PREFIX}CFG")
    if not raw:
        raise ServiceError(f"{PREFIX}CFG is missing")
    try:
        cfg = json.loads(raw)
    except (ValueError, RecursionError):
        raise ServiceError("Unable to parse CFG") from None
    result = execution.verify(verify, cfg)  # normalised as the sailor does
    log.info("Credentials check: %s", "verified" if result.get("verified") else "not verified")
    return result
