"""The sailor's settings: its ``ELASTICIO_*`` variables with its defaults, and the worker's own.

Read with ``pysailor.env`` (the sailor's parsing rules; a required variable missing or empty is an error). We
refuse what the sailor would take and then fail on: an AMQP URI that cannot be read, a prefetch AMQP cannot carry,
an IV that is not 16 bytes of UTF-8. The settings this worker adds are ``ALLMYSMS_WORKER_*``.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from yarl import URL

from ..env import SettingsError, flag, js_number, parse_int, required, seconds
from ..execution import OUTGOING_MESSAGE_SIZE_LIMIT
from ..urls import redact
from .rebound import MAX_LIMIT

__all__ = ["Ids", "SettingsError", "WorkerSettings", "camel_case", "parse_int"]

PREFIX = "ELASTICIO_"

REQUIRED = ("FLOW_ID", "EXEC_ID", "STEP_ID", "CONTAINER_ID", "WORKSPACE_ID", "USER_ID", "COMP_ID", "FUNCTION",
            "API_URI", "API_USERNAME", "API_KEY")
REQUIRED_FOR_MESSAGES = ("AMQP_URI", "LISTEN_MESSAGES_ON", "PUBLISH_MESSAGES_TO", "DATA_ROUTING_KEY",
                         "ERROR_ROUTING_KEY", "REBOUND_ROUTING_KEY", "SNAPSHOT_ROUTING_KEY", "MESSAGE_CRYPTO_IV",
                         "MESSAGE_CRYPTO_PASSWORD")

DEFAULT_GRACE_PERIOD = 60.0         # s: over the Send SMS worst case (5 s connect + 30 s read, with retries)
DEFAULT_RECONNECT_TIMEOUT = 300.0   # s: a broker restart or fail-over takes seconds to a minute or two
MAX_PREFETCH = 65535                # AMQP's prefetch-count is a short


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
        values = {name: required(env, PREFIX + name) for name in REQUIRED + REQUIRED_FOR_MESSAGES}
        iv = values["MESSAGE_CRYPTO_IV"]
        try:
            iv_bytes = len(iv.encode())
        except UnicodeEncodeError:  # os.environ keeps bytes that are not UTF-8 as lone surrogates
            raise SettingsError(f"{PREFIX}MESSAGE_CRYPTO_IV must be UTF-8 text") from None
        if iv_bytes != 16:
            # The sailor only fails at the first message, rejecting every input; we refuse to start.
            raise SettingsError(f"{PREFIX}MESSAGE_CRYPTO_IV must be 16 bytes long, not {iv_bytes}")
        amqp_uri = _amqp_uri(values["AMQP_URI"])
        input_format = env.get(f"{PREFIX}INPUT_FORMAT") or "default"
        return cls(
            ids=Ids(values["FLOW_ID"], values["EXEC_ID"], values["STEP_ID"], values["CONTAINER_ID"],
                    values["WORKSPACE_ID"], values["USER_ID"], values["COMP_ID"], values["FUNCTION"]),
            api_uri=values["API_URI"].rstrip("/"),
            api_username=values["API_USERNAME"],
            api_key=values["API_KEY"],
            amqp_uri=amqp_uri,
            listen_messages_on=values["LISTEN_MESSAGES_ON"],
            publish_messages_to=values["PUBLISH_MESSAGES_TO"],
            data_routing_key=values["DATA_ROUTING_KEY"],
            error_routing_key=values["ERROR_ROUTING_KEY"],
            rebound_routing_key=values["REBOUND_ROUTING_KEY"],
            snapshot_routing_key=values["SNAPSHOT_ROUTING_KEY"],
            crypto_password=values["MESSAGE_CRYPTO_PASSWORD"],
            crypto_iv=iv,
            component_path=Path(env.get(f"{PREFIX}COMPONENT_PATH") or "."),
            prefetch=number(env, "RABBITMQ_PREFETCH_SAILOR", 1, high=MAX_PREFETCH),
            rebound_initial_expiration=number(env, "REBOUND_INITIAL_EXPIRATION", 15000),
            rebound_limit=number(env, "REBOUND_LIMIT", 20, high=MAX_LIMIT),
            data_rate_limit=number(env, "DATA_RATE_LIMIT", 10),
            error_rate_limit=number(env, "ERROR_RATE_LIMIT", 2),
            snapshot_rate_limit=number(env, "SNAPSHOT_RATE_LIMIT", 2),
            rate_interval=number(env, "RATE_INTERVAL", 100),
            publish_retry_delay=number(env, "AMQP_PUBLISH_RETRY_DELAY", 100),
            publish_max_retry_delay=number(env, "AMQP_PUBLISH_MAX_RETRY_DELAY", 300000),
            publish_retry_attempts=number(env, "AMQP_PUBLISH_RETRY_ATTEMPTS", 0) or math.inf,
            persistent_messages=flag(env, f"{PREFIX}AMQP_PERSISTENT_MESSAGES", False),
            outgoing_message_size_limit=number(env, "OUTGOING_MESSAGE_SIZE_LIMIT", OUTGOING_MESSAGE_SIZE_LIMIT),
            protocol_version=number(env, "PROTOCOL_VERSION", 1),
            no_error_replies=flag(env, f"{PREFIX}NO_ERROR_REPLIES", False),
            no_self_passthrough=flag(env, f"{PREFIX}NO_SELF_PASSTRHOUGH", False),  # sic: the sailor's spelling
            input_format=input_format,
            additional_headers=additional_headers(env),
            grace_period=_seconds(env, "ALLMYSMS_WORKER_GRACE_PERIOD", DEFAULT_GRACE_PERIOD),
            reconnect_timeout=_seconds(env, "ALLMYSMS_WORKER_RECONNECT_TIMEOUT", DEFAULT_RECONNECT_TIMEOUT),
        )


def number(env: Mapping[str, str], name: str, default: int, *, high: int = 2**31 - 1) -> int:
    """A numeric ``ELASTICIO_`` option, read as the sailor reads it."""
    return js_number(env, PREFIX + name, default, high=high)


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    return seconds(name, env.get(name) or "", default)


def _amqp_uri(raw: str) -> str:
    """The broker URI, refused at start (never quoted) when the AMQP client could not read it."""
    try:
        url = URL(raw)
        readable = url.scheme in ("amqp", "amqps") and bool(url.host) and not url.fragment
        url.port  # noqa: B018  (a port out of range raises here)
    except (TypeError, ValueError, UnicodeError):
        readable = False
    if not readable:
        raise SettingsError(f"{PREFIX}AMQP_URI cannot be read as an amqp:// or amqps:// URL: {redact(raw)} (a "
                            f"password with '#', '/', '?', '@' or '[' must be percent-encoded)")
    return raw


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
