"""The worker's settings: the sailor's ``ELASTICIO_*`` variables, its defaults and parsing rules, and our own.

Parsing follows sailor-nodejs 2.7.8 ``lib/settings.js`` (sailor-protocol.md section 2.1) where a flow could
notice: a required variable missing or empty is an error; a number is JavaScript's ``parseInt(value) ||
default`` (so ``"0"``, ``"abc"`` and ``""`` give the default, ``"12ms"`` gives 12); a boolean is false for
``""`` and ``"false"`` and true for any other string. We refuse a negative number (the sailor would pass it
to the broker or to ``setTimeout``). The settings this worker adds are ``ALLMYSMS_WORKER_*``.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..execution import OUTGOING_MESSAGE_SIZE_LIMIT

PREFIX = "ELASTICIO_"

REQUIRED = ("FLOW_ID", "EXEC_ID", "STEP_ID", "CONTAINER_ID", "WORKSPACE_ID", "USER_ID", "COMP_ID", "FUNCTION",
            "API_URI", "API_USERNAME", "API_KEY")
REQUIRED_FOR_MESSAGES = ("AMQP_URI", "LISTEN_MESSAGES_ON", "PUBLISH_MESSAGES_TO", "DATA_ROUTING_KEY",
                         "ERROR_ROUTING_KEY", "REBOUND_ROUTING_KEY", "SNAPSHOT_ROUTING_KEY", "MESSAGE_CRYPTO_IV",
                         "MESSAGE_CRYPTO_PASSWORD")

DEFAULT_GRACE_PERIOD = 60.0         # s: over the Send SMS worst case (5 s connect + 30 s read, with retries)
DEFAULT_RECONNECT_TIMEOUT = 300.0   # s: a broker restart or fail-over takes seconds to a minute or two
_INT = re.compile(r"\s*([+-]?\d+)")


class SettingsError(Exception):
    """A variable is missing or refused: the worker logs one fatal line and exits 1."""


@dataclass(frozen=True)
class Ids:
    """The ids of the step, sent in every outgoing message's headers."""

    flow_id: str
    exec_id: str
    step_id: str
    container_id: str
    workspace_id: str
    user_id: str
    comp_id: str
    function: str


@dataclass(frozen=True)
class WorkerSettings:
    ids: Ids
    api_uri: str
    api_username: str
    api_key: str = field(repr=False)
    amqp_uri: str = field(repr=False)
    listen_messages_on: str
    publish_messages_to: str
    data_routing_key: str
    error_routing_key: str
    rebound_routing_key: str
    snapshot_routing_key: str
    crypto_password: str = field(repr=False)
    crypto_iv: str = field(repr=False)
    component_path: Path = Path()
    prefetch: int = 1
    rebound_initial_expiration: int = 15000
    rebound_limit: int = 20
    data_rate_limit: int = 10
    error_rate_limit: int = 2
    snapshot_rate_limit: int = 2
    rate_interval: int = 100
    publish_retry_delay: int = 100
    publish_max_retry_delay: int = 300000
    publish_retry_attempts: float = math.inf
    persistent_messages: bool = False
    outgoing_message_size_limit: int = OUTGOING_MESSAGE_SIZE_LIMIT
    protocol_version: int = 1
    no_error_replies: bool = False
    no_self_passthrough: bool = False
    input_format: str = "default"
    additional_headers: Mapping[str, str] = field(default_factory=dict)
    grace_period: float = DEFAULT_GRACE_PERIOD
    reconnect_timeout: float = DEFAULT_RECONNECT_TIMEOUT

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WorkerSettings:
        env = os.environ if env is None else env
        values = {name: _required(env, name) for name in REQUIRED + REQUIRED_FOR_MESSAGES}
        iv = values["MESSAGE_CRYPTO_IV"]
        if len(iv.encode()) != 16:
            # The sailor only fails at the first message, rejecting every input; we refuse to start.
            raise SettingsError(f"{PREFIX}MESSAGE_CRYPTO_IV must be 16 bytes long, not {len(iv.encode())}")
        input_format = env.get(f"{PREFIX}INPUT_FORMAT") or "default"
        return cls(
            ids=Ids(values["FLOW_ID"], values["EXEC_ID"], values["STEP_ID"], values["CONTAINER_ID"],
                    values["WORKSPACE_ID"], values["USER_ID"], values["COMP_ID"], values["FUNCTION"]),
            api_uri=values["API_URI"].rstrip("/"),
            api_username=values["API_USERNAME"],
            api_key=values["API_KEY"],
            amqp_uri=values["AMQP_URI"],
            listen_messages_on=values["LISTEN_MESSAGES_ON"],
            publish_messages_to=values["PUBLISH_MESSAGES_TO"],
            data_routing_key=values["DATA_ROUTING_KEY"],
            error_routing_key=values["ERROR_ROUTING_KEY"],
            rebound_routing_key=values["REBOUND_ROUTING_KEY"],
            snapshot_routing_key=values["SNAPSHOT_ROUTING_KEY"],
            crypto_password=values["MESSAGE_CRYPTO_PASSWORD"],
            crypto_iv=iv,
            component_path=Path(env.get(f"{PREFIX}COMPONENT_PATH") or "."),
            prefetch=number(env, "RABBITMQ_PREFETCH_SAILOR", 1),
            rebound_initial_expiration=number(env, "REBOUND_INITIAL_EXPIRATION", 15000),
            rebound_limit=number(env, "REBOUND_LIMIT", 20),
            data_rate_limit=number(env, "DATA_RATE_LIMIT", 10),
            error_rate_limit=number(env, "ERROR_RATE_LIMIT", 2),
            snapshot_rate_limit=number(env, "SNAPSHOT_RATE_LIMIT", 2),
            rate_interval=number(env, "RATE_INTERVAL", 100),
            publish_retry_delay=number(env, "AMQP_PUBLISH_RETRY_DELAY", 100),
            publish_max_retry_delay=number(env, "AMQP_PUBLISH_MAX_RETRY_DELAY", 300000),
            publish_retry_attempts=number(env, "AMQP_PUBLISH_RETRY_ATTEMPTS", 0) or math.inf,
            persistent_messages=flag(env, "AMQP_PERSISTENT_MESSAGES", False),
            outgoing_message_size_limit=number(env, "OUTGOING_MESSAGE_SIZE_LIMIT", OUTGOING_MESSAGE_SIZE_LIMIT),
            protocol_version=number(env, "PROTOCOL_VERSION", 1),
            no_error_replies=flag(env, "NO_ERROR_REPLIES", False),
            no_self_passthrough=flag(env, "NO_SELF_PASSTRHOUGH", False),  # sic: the sailor's spelling
            input_format=input_format,
            additional_headers=additional_headers(env),
            grace_period=seconds(env, "ALLMYSMS_WORKER_GRACE_PERIOD", DEFAULT_GRACE_PERIOD),
            reconnect_timeout=seconds(env, "ALLMYSMS_WORKER_RECONNECT_TIMEOUT", DEFAULT_RECONNECT_TIMEOUT),
        )


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(PREFIX + name)
    if not value:
        raise SettingsError(f"{PREFIX}{name} is missing")
    return value


def parse_int(raw: str) -> int | None:
    """JavaScript's ``parseInt(raw)`` for decimal text: the leading integer, or None where it gives NaN."""
    match = _INT.match(raw)
    return int(match.group(1)) if match else None


def number(env: Mapping[str, str], name: str, default: int) -> int:
    """``parseInt(value) || default``, as the sailor reads a numeric option; a negative value is refused."""
    raw = env.get(PREFIX + name)
    value = parse_int(raw) if raw else None
    if not value:
        return default
    if value < 0:
        raise SettingsError(f"{PREFIX}{name} must not be negative, not {raw!r}")
    return value


def flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """Unset gives the default; ``""`` and ``"false"`` give false; anything else true."""
    raw = env.get(PREFIX + name)
    if raw is None:
        return default
    return raw not in ("", "false")


def seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < math.inf:
        raise SettingsError(f"{name} must be a number of seconds above 0, not {raw!r}")
    return value


def additional_headers(env: Mapping[str, str]) -> dict[str, str]:
    """``ELASTICIO_ADDITIONAL_VARS_FOR_HEADERS=ELASTICIO_TENANT_ID`` -> ``{"tenantId": <its value>}``."""
    names = env.get(f"{PREFIX}ADDITIONAL_VARS_FOR_HEADERS") or ""
    headers = {}
    for raw in names.split(","):
        name = raw.strip()
        if not name:
            continue
        value = env.get(name)
        if value is not None:  # the sailor sends an absent variable as an absent header too
            headers[camel_case(name.removeprefix(PREFIX))] = value
    return headers


def camel_case(name: str) -> str:
    """lodash's camelCase for environment names: ``TENANT_ID`` -> ``tenantId``."""
    words = [word for word in re.split(r"[^A-Za-z0-9]+", name) if word]
    return "".join(word.lower() if i == 0 else word[:1].upper() + word[1:].lower() for i, word in enumerate(words))
