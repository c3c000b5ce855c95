"""The worker's settings on the Open Integration Hub: the ``ELASTICIO_*`` variables Ferryman 2.4.7 reads.

ferryman-protocol.md section 2: eight are required (a missing or empty one is refused, all named at once); the
others take Ferryman's defaults, parsed as it does (a number is ``parseInt(value) || default``, a string ``value
|| default``, ``pysailor.env``), except where its default is a flaw: ``ELASTICIO_ERROR_ROUTING_KEY`` defaults to
the backchannel's error key, which OIH binds, not to ``flows.error``, which nothing binds (errors vanished). The
message password is optional: OIH sets none, and then bodies are plain JSON. The worker's own
``ALLMYSMS_WORKER_*`` settings apply here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..env import SettingsError
from ..sailor.settings import PREFIX, CommonOptions, amqp_uri, common_options, number

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
class FerrymanSettings(CommonOptions):
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
    output_rate_limit: int = 10
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
            output_rate_limit=number(env, "OUTPUT_RATE_LIMIT", 10),
            **common_options(env),
        )


def _text(env: Mapping[str, str], name: str, default: str) -> str:
    """``value || default``, as Ferryman reads a string option."""
    return env.get(PREFIX + name) or default
