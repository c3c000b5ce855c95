"""The platform API, on one session: the step's data at start, and a one-shot service's result.

Both as the sailor's HTTP client does them (sections 9 and 15): a 5xx or a network error is retried, with the
same pause before each try (urllib3's ``Retry``, which counts and waits; ``EvenPause`` makes its pause even),
15 s timeout per try, redirects not followed (a 302 from the result URL would turn the POST into a GET that
carries no result). Nothing of an answer is logged (the step data holds the credentials); URLs are logged
as their origin only (``urls``).

- ``GET {API_URI}/v1/tasks/{FLOW_ID}/steps/{STEP_ID}`` with Basic auth: 3 tries, 1 s apart; another non-2xx
  fails the start.
- ``POST`` of the result: ``ELASTICIO_API_REQUEST_RETRY_ATTEMPTS`` tries, ``..._DELAY`` apart; done only when the
  platform answers exactly HTTP 200.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .urls import origin, split_credentials

log = logging.getLogger(__name__)

TIMEOUT = 15.0        # s per try
STEP_DATA_TRIES = 3
STEP_DATA_PAUSE = 1.0  # s


class PlatformError(Exception):
    """The platform API could not be used; ``str()`` says why, without secrets."""


class EvenPause(Retry):
    """urllib3's Retry with the same pause (``backoff_factor`` seconds) before every retry."""

    def get_backoff_time(self) -> float:
        return float(self.backoff_factor) if self.history else 0.0


@dataclass(frozen=True)
class StepData:
    config: Mapping[str, Any] = field(default_factory=dict, repr=False)
    snapshot: Mapping[str, Any] = field(default_factory=dict)
    is_passthrough: bool = False
    variables: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: object) -> StepData:
        if not isinstance(data, Mapping):
            raise PlatformError("the step data is not a JSON object")
        config, snapshot, variables = data.get("config"), data.get("snapshot"), data.get("variables")
        return cls(config=config if isinstance(config, Mapping) else {},
                   snapshot=snapshot if isinstance(snapshot, Mapping) else {},
                   is_passthrough=data.get("is_passthrough") is True,
                   variables=variables if isinstance(variables, Mapping) else {})


def session(tries: int, pause: float) -> requests.Session:
    """A session that retries a 5xx or a network error ``tries - 1`` times, ``pause`` seconds apart."""
    retries = EvenPause(total=max(tries, 1) - 1, backoff_factor=pause, status_forcelist=range(500, 600),
                        allowed_methods=None, raise_on_status=False, redirect=0, respect_retry_after_header=False)
    http = requests.Session()
    adapter = HTTPAdapter(max_retries=retries)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http


class PlatformApi:
    def __init__(self, api_uri: str, username: str, api_key: str, *, http: requests.Session | None = None) -> None:
        self._api_uri = api_uri.rstrip("/")
        self._auth = (username, api_key)
        self._http = http or session(STEP_DATA_TRIES, STEP_DATA_PAUSE)

    def __repr__(self) -> str:
        return f"PlatformApi({origin(self._api_uri)})"

    def step_data(self, flow_id: str, step_id: str) -> StepData:
        url = f"{self._api_uri}/v1/tasks/{flow_id}/steps/{step_id}"
        try:
            answer = self._http.get(url, auth=self._auth, timeout=TIMEOUT, allow_redirects=False)
        except (requests.RequestException, ValueError) as exc:
            raise PlatformError(f"the step data could not be fetched from {origin(url)} after {STEP_DATA_TRIES} "
                                f"tries: {type(exc).__name__}") from None
        if not answer.ok:
            raise PlatformError(f"the platform API answered HTTP {answer.status_code} for the step data at "
                                f"{origin(url)}")
        try:
            return StepData.from_json(answer.json())
        except (ValueError, RecursionError):
            raise PlatformError(f"the step data from {origin(url)} is not JSON") from None


def post_result(url: str, payload: Mapping[str, Any], *, tries: int, pause: float,
                http: requests.Session | None = None) -> bool:
    """POST once (more on a 5xx or a network error); whether the platform answered exactly HTTP 200. The URL's
    userinfo becomes Basic auth."""
    target, auth = split_credentials(url)
    http = http or session(tries, pause)
    try:
        answer = http.post(target, json=payload, auth=auth, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        log.error("Posting the result to %s failed after %d tries: %s", origin(target), max(tries, 1),
                  type(exc).__name__)
        return False
    if answer.status_code != 200:
        log.error("Posting the result to %s: HTTP %d", origin(target), answer.status_code)
        return False
    log.info("Result posted to %s", origin(target))
    return True

