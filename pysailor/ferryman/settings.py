"""The worker's settings on the Open Integration Hub: the ``ELASTICIO_*`` variables Ferryman 2.4.7 reads.

ferryman-protocol.md section 2: eight are required (a missing or empty one is refused, all named at once); the
others take Ferryman's defaults, parsed as it does (a number is ``parseInt(value) || default``, a string ``value
|| default``, ``pysailor.env``), except where its default is a flaw: ``ELASTICIO_ERROR_ROUTING_KEY`` defaults to
the backchannel's error key, which OIH binds, not to ``flows.error``, which nothing binds (errors vanished). The
message password is optional: OIH sets none, and then bodies are plain JSON. The worker's own
``ALLMYSMS_WORKER_*`` settings apply here too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..env import SettingsError, seconds
from ..execution import OUTGOING_MESSAGE_SIZE_LIMIT
from ..sailor.rebound import MAX_LIMIT
from ..sailor.settings import (
    DEFAULT_GRACE_PERIOD,
    DEFAULT_RECONNECT_TIMEOUT,
    MAX_PREFETCH,
    PREFIX,
    additional_headers,
    amqp_uri,
    number,
)

REQUIRED = ("COMP_ID", "API_URI", "AMQP_URI", "LISTEN_MESSAGES_ON", "BACKCHANNEL_EXCHANGE", "NODE_EXCHANGE",
            "OUTPUT_ROUTING_KEY", "REBOUND_ROUTING_KEY")
BACKCHANNEL = "orchestrator_backchannel"
DEFAULT_ERROR_ROUTING_KEY = f"{BACKCHANNEL}.error"  # Ferryman's "flows.error" is bound by nothing
DEFAULT_STATE_ROUTING_KEY = f"{BACKCHANNEL}.step_state"
DEFAULT_SNAPSHOTS_EXCHANGE = "component-events-collector"
DEFAULT_SECRET_SERVICE = "http://secret-service.oih.svc.cluster.local:3000/api/v1"  # noqa: S105 (a URL)
DEFAULT_SNAPSHOTS_SERVICE = "https://localhost:2345"
# Ferryman's fixed sample ids, sent as headers when OIH sets none (it never does)
DEFAULT_CONTAINER_ID = "dc1c8c3f-f9cb-49e1-a6b8-716af9e15948"
DEFAULT_WORKSPACE_ID = "5559edd38968ec073600683"


@dataclass(frozen=True, kw_only=True)
class FerrymanSettings:
    comp_id: str
    api_uri: str  # required by Ferryman, used by nothing on the message path
    amqp_uri: str = field(repr=False)  # holds the node's broker password
    listen_messages_on: str
    backchannel_exchange: str
    node_exchange: str
    output_routing_key: str
    rebound_routing_key: str
    error_routing_key: str = DEFAULT_ERROR_ROUTING_KEY
    state_routing_key: str = DEFAULT_STATE_ROUTING_KEY
    snapshot_routing_key: str = ""  # unset: snapshot events are not published (Ferryman's is undefined)
    snapshots_exchange: str = DEFAULT_SNAPSHOTS_EXCHANGE
    secret_service_url: str = DEFAULT_SECRET_SERVICE
    snapshots_service_url: str = DEFAULT_SNAPSHOTS_SERVICE
    container_id: str = DEFAULT_CONTAINER_ID
    workspace_id: str = DEFAULT_WORKSPACE_ID
    exec_id: str = ""  # the header execId goes out only when set
    crypto_password: str = field(default="", repr=False)
    crypto_iv: str = field(default="", repr=False)
    component_path: Path = Path()
    prefetch: int = 1
    rebound_initial_expiration: int = 15000
    rebound_limit: int = 20
    output_rate_limit: int = 10
    error_rate_limit: int = 2
    snapshot_rate_limit: int = 2
    rate_interval: int = 100
    publish_retry_delay: int = 100
    publish_max_retry_delay: int = 300000
    publish_retry_attempts: float = math.inf
    outgoing_message_size_limit: int = OUTGOING_MESSAGE_SIZE_LIMIT
    protocol_version: int = 1
    additional_headers: Mapping[str, str] = field(default_factory=dict)
    grace_period: float = DEFAULT_GRACE_PERIOD
    reconnect_timeout: float = DEFAULT_RECONNECT_TIMEOUT

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> FerrymanSettings:
        missing = [PREFIX + name for name in REQUIRED if not env.get(PREFIX + name)]
        if missing:
            raise SettingsError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing")
        value = {name: env[PREFIX + name] for name in REQUIRED}
        password, iv = _text(env, "MESSAGE_CRYPTO_PASSWORD", ""), _text(env, "MESSAGE_CRYPTO_IV", "")
        if password and len(iv.encode(errors="surrogatepass")) != 16:
            raise SettingsError(f"{PREFIX}MESSAGE_CRYPTO_IV must be 16 bytes long with a message password")
        return cls(
            comp_id=value["COMP_ID"], api_uri=value["API_URI"], amqp_uri=amqp_uri(value["AMQP_URI"]),
            listen_messages_on=value["LISTEN_MESSAGES_ON"], backchannel_exchange=value["BACKCHANNEL_EXCHANGE"],
            node_exchange=value["NODE_EXCHANGE"], output_routing_key=value["OUTPUT_ROUTING_KEY"],
            rebound_routing_key=value["REBOUND_ROUTING_KEY"],
            error_routing_key=_text(env, "ERROR_ROUTING_KEY", DEFAULT_ERROR_ROUTING_KEY),
            state_routing_key=_text(env, "STATE_ROUTING_KEY", DEFAULT_STATE_ROUTING_KEY),
            snapshot_routing_key=_text(env, "SNAPSHOT_ROUTING_KEY", ""),
            snapshots_exchange=_text(env, "SNAPSHOTS_EXCHANGE", DEFAULT_SNAPSHOTS_EXCHANGE),
            secret_service_url=_text(env, "SECRET_SERVICE_BASE_URL", DEFAULT_SECRET_SERVICE).rstrip("/"),
            snapshots_service_url=_text(env, "SNAPSHOTS_SERVICE_BASE_URL", DEFAULT_SNAPSHOTS_SERVICE).rstrip("/"),
            container_id=_text(env, "CONTAINER_ID", DEFAULT_CONTAINER_ID),
            workspace_id=_text(env, "WORKSPACE_ID", DEFAULT_WORKSPACE_ID),
            exec_id=_text(env, "EXEC_ID", ""),
            crypto_password=password, crypto_iv=iv,
            component_path=Path(_text(env, "COMPONENT_PATH", ".")),
            prefetch=number(env, "RABBITMQ_PREFETCH_SAILOR", 1, high=MAX_PREFETCH),
            rebound_initial_expiration=number(env, "REBOUND_INITIAL_EXPIRATION", 15000),
            rebound_limit=number(env, "REBOUND_LIMIT", 20, high=MAX_LIMIT),
            output_rate_limit=number(env, "OUTPUT_RATE_LIMIT", 10),
            error_rate_limit=number(env, "ERROR_RATE_LIMIT", 2),
            snapshot_rate_limit=number(env, "SNAPSHOT_RATE_LIMIT", 2),
            rate_interval=number(env, "RATE_INTERVAL", 100),
            publish_retry_delay=number(env, "AMQP_PUBLISH_RETRY_DELAY", 100),
            publish_max_retry_delay=number(env, "AMQP_PUBLISH_MAX_RETRY_DELAY", 300000),
            publish_retry_attempts=number(env, "AMQP_PUBLISH_RETRY_ATTEMPTS", 0) or math.inf,
            outgoing_message_size_limit=number(env, "OUTGOING_MESSAGE_SIZE_LIMIT", OUTGOING_MESSAGE_SIZE_LIMIT),
            protocol_version=number(env, "PROTOCOL_VERSION", 1),
            additional_headers=additional_headers(env),
            grace_period=seconds("ALLMYSMS_WORKER_GRACE_PERIOD", env.get("ALLMYSMS_WORKER_GRACE_PERIOD") or "",
                                 DEFAULT_GRACE_PERIOD),
            reconnect_timeout=seconds("ALLMYSMS_WORKER_RECONNECT_TIMEOUT",
                                      env.get("ALLMYSMS_WORKER_RECONNECT_TIMEOUT") or "", DEFAULT_RECONNECT_TIMEOUT),
        )


def _text(env: Mapping[str, str], name: str, default: str) -> str:
    """``value || default``, as Ferryman reads a string option."""
    return env.get(PREFIX + name) or default
