"""The step's data from the platform API: its configuration (credentials included), snapshot and passthrough flag.

``GET {API_URI}/v1/tasks/{FLOW_ID}/steps/{STEP_ID}`` with Basic auth, once per process (section 9), as
elasticio-rest-node does it for the sailor: 3 tries, 1 s apart, on a 5xx or a network error, 15 s timeout
each; any other non-2xx fails the start. Nothing of the answer is logged: ``config`` holds the credentials.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

log = logging.getLogger(__name__)

TRIES = 3
PAUSE = 1.0     # s between tries
TIMEOUT = 15.0  # s per try


class StepDataError(Exception):
    """The step data could not be had; the worker cannot start."""


@dataclass(frozen=True)
class StepData:
    config: Mapping[str, Any] = field(default_factory=dict, repr=False)
    snapshot: Mapping[str, Any] = field(default_factory=dict)
    is_passthrough: bool = False
    variables: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: object) -> StepData:
        if not isinstance(data, Mapping):
            raise StepDataError("the step data is not a JSON object")
        config, snapshot, variables = data.get("config"), data.get("snapshot"), data.get("variables")
        return cls(config=config if isinstance(config, Mapping) else {},
                   snapshot=snapshot if isinstance(snapshot, Mapping) else {},
                   is_passthrough=data.get("is_passthrough") is True,
                   variables=variables if isinstance(variables, Mapping) else {})


def fetch(api_uri: str, flow_id: str, step_id: str, username: str, api_key: str, *,
          session: requests.Session | None = None, sleep: Callable[[float], None] = time.sleep) -> StepData:
    url = f"{api_uri}/v1/tasks/{flow_id}/steps/{step_id}"
    http = session or requests.Session()
    problem = ""
    for attempt in range(1, TRIES + 1):
        try:
            answer = http.get(url, auth=(username, api_key), headers={"Connection": "Keep-Alive"},
                              timeout=TIMEOUT)
        except requests.RequestException as exc:
            problem = f"{type(exc).__name__}"
        else:
            if answer.ok:
                try:
                    return StepData.from_json(answer.json())
                except ValueError:
                    raise StepDataError(f"the step data from {url} is not JSON") from None
            if answer.status_code < 500:
                raise StepDataError(f"the platform API answered HTTP {answer.status_code} for {url}")
            problem = f"HTTP {answer.status_code}"
        if attempt < TRIES:
            log.warning("Fetching the step data failed (%s); try %d of %d in %g s", problem, attempt + 1, TRIES,
                        PAUSE)
            sleep(PAUSE)
    raise StepDataError(f"the step data could not be fetched from {url} after {TRIES} tries: {problem}")
