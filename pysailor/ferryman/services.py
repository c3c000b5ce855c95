"""OIH's secret service (the step's credentials) and snapshots service, called per message with the token's apiKey.

As Ferryman does (ferryman-protocol.md 5.1, 5.2): ``GET {secret service}/secrets/{secretId}`` and ``GET
{snapshots service}/snapshots/flows/{flowId}/steps/{stepId}``, ``Authorization: Bearer <apiKey>``, ``Accept:
application/json``. A MIXED secret's ``value.payload`` is JSON text (or becomes ``{"payload": text}``); any
other type's ``value`` is the object itself.

Unlike Ferryman, each call has timeouts (it set none) and a bounded retry (urllib3's ``Retry``: connection
failures, read timeouts and 502/503/504, never a wait the server asks for), and a secret that cannot be had is
not taken as "no credentials" (Ferryman goes on with ``{}``: for this component, trial mode on someone else's
flow): ServiceError says whether it may pass (``transient``: the worker rebounds the message) or not (an error).
A snapshot that cannot be had is ``{}`` with a warning, as in Ferryman: every component already copes with an
empty snapshot on its first message. Nothing logged or raised carries the apiKey or the secret.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

log = logging.getLogger(__name__)

TIMEOUT = (5.0, 15.0)  # s to connect, s to read: a platform service inside the cluster answers in milliseconds
RETRY = Retry(total=2, connect=2, read=2, status=2, other=0, backoff_factor=0.2,
              status_forcelist=(502, 503, 504), allowed_methods=frozenset({"GET"}), raise_on_status=False,
              respect_retry_after_header=False)  # a Retry-After of minutes would hold the message that long


class ServiceError(Exception):
    """A platform service could not give what the message needs; ``transient``: it may well answer later."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class PlatformServices:
    """One session (keep-alive, a pool as large as the prefetch) for both services; thread-safe for GETs."""

    def __init__(self, secret_service_url: str, snapshots_service_url: str, *, pool_size: int = 1,
                 timeout: tuple[float, float] = TIMEOUT, retry: Retry = RETRY) -> None:
        self._secrets = secret_service_url.rstrip("/")
        self._snapshots = snapshots_service_url.rstrip("/")
        self._timeout = timeout
        self._session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry, pool_connections=2, pool_maxsize=max(pool_size, 1))
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def secret(self, secret_id: str, api_key: str) -> dict[str, Any]:
        """The credentials the secret holds, as the object merged into cfg."""
        what = f"secret {secret_id!r}"
        answer = self._get(f"{self._secrets}/secrets/{quote(secret_id, safe='')}", api_key, what)
        if answer.status_code != 200:
            transient = answer.status_code >= 500 or answer.status_code == 429
            raise ServiceError(f"the secret service answered HTTP {answer.status_code} for {what}"
                               + ("" if transient else " (does the flow's token allow reading it?)"),
                               transient=transient)
        data = _json(answer, what).get("data")
        value = data.get("value") if isinstance(data, dict) else None
        if isinstance(data, dict) and data.get("type") == "MIXED" and isinstance(value, dict):
            payload = value.get("payload")
            try:
                parsed = json.loads(payload) if isinstance(payload, str) else None
            except ValueError:
                parsed = None
            value = parsed if isinstance(parsed, dict) else {"payload": payload}
        if not isinstance(value, dict):
            raise ServiceError(f"the secret service's answer for {what} holds no credentials object",
                               transient=False)
        return value

    def snapshot(self, flow_id: str, step_id: str, api_key: str) -> dict[str, Any]:
        """The step's snapshot; ``{}`` when there is none or it cannot be had (logged)."""
        url = f"{self._snapshots}/snapshots/flows/{quote(flow_id, safe='')}/steps/{quote(step_id, safe='')}"
        try:
            answer = self._get(url, api_key, "the snapshot")
            if answer.status_code == 404:
                return {}
            if answer.status_code != 200:
                raise ServiceError(f"the snapshots service answered HTTP {answer.status_code}", transient=True)
            data = _json(answer, "the snapshot").get("data")
        except ServiceError as exc:
            log.warning("The step's snapshot could not be had (%s): the message runs with an empty one", exc)
            return {}
        return data if isinstance(data, dict) else {}

    def close(self) -> None:
        self._session.close()

    def _get(self, url: str, api_key: str, what: str) -> requests.Response:
        try:
            return self._session.get(url, timeout=self._timeout, allow_redirects=False,
                                     headers={"Accept": "application/json", "Content-Type": "application/json",
                                              "Authorization": f"Bearer {api_key}"})
        except requests.RequestException as exc:
            # the exception's text would name the URL only, but its type says enough and carries nothing else
            raise ServiceError(f"{what} could not be fetched ({type(exc).__name__})", transient=True) from None


def _json(answer: requests.Response, what: str) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        raise ServiceError(f"the answer for {what} is not JSON", transient=True) from None
    if not isinstance(body, dict):
        raise ServiceError(f"the answer for {what} is not a JSON object", transient=False)
    return body
