"""The worker's settings on the Open Integration Hub: the variables Ferryman 2.4.7 reads, with its defaults."""

from __future__ import annotations

import math

import pytest

from pysailor.env import SettingsError
from pysailor.ferryman.settings import REQUIRED, FerrymanSettings

OIH = {**{f"ELASTICIO_{name}": name.lower() for name in REQUIRED}, "ELASTICIO_AMQP_URI": "amqp://broker"}


def test_ferryman_s_defaults() -> None:
    s = FerrymanSettings.from_env(OIH)
    assert (s.listen_messages_on, s.backchannel_exchange, s.node_exchange) == \
        ("listen_messages_on", "backchannel_exchange", "node_exchange")
    assert (s.state_routing_key, s.snapshots_exchange, s.snapshot_routing_key) == \
        ("orchestrator_backchannel.step_state", "component-events-collector", "")
    assert (s.prefetch, s.rebound_initial_expiration, s.rebound_limit, s.protocol_version) == (1, 15000, 20, 1)
    assert (s.output_rate_limit, s.error_rate_limit, s.snapshot_rate_limit, s.rate_interval) == (10, 2, 2, 100)
    assert s.publish_retry_attempts == math.inf
    assert (s.container_id, s.workspace_id, s.exec_id) == \
        ("dc1c8c3f-f9cb-49e1-a6b8-716af9e15948", "5559edd38968ec073600683", "")
    assert s.secret_service_url == "http://secret-service.oih.svc.cluster.local:3000/api/v1"


def test_errors_default_to_the_key_oih_binds_not_ferryman_s_unbound_flows_error() -> None:
    assert FerrymanSettings.from_env(OIH).error_routing_key == "orchestrator_backchannel.error"


def test_numbers_are_read_as_ferryman_reads_them() -> None:
    s = FerrymanSettings.from_env({**OIH, "ELASTICIO_RABBITMQ_PREFETCH_SAILOR": "4", "ELASTICIO_REBOUND_LIMIT": "0",
                                   "ELASTICIO_OUTPUT_RATE_LIMIT": "12ms"})
    assert (s.prefetch, s.rebound_limit, s.output_rate_limit) == (4, 20, 12)  # parseInt(value) || default


def test_service_urls_lose_their_trailing_slash() -> None:
    s = FerrymanSettings.from_env({**OIH, "ELASTICIO_SECRET_SERVICE_BASE_URL": "http://secrets/api/v1/"})
    assert s.secret_service_url == "http://secrets/api/v1"


def test_each_missing_variable_is_named() -> None:
    with pytest.raises(SettingsError, match="ELASTICIO_NODE_EXCHANGE, ELASTICIO_OUTPUT_ROUTING_KEY are missing"):
        FerrymanSettings.from_env({**OIH, "ELASTICIO_NODE_EXCHANGE": "", "ELASTICIO_OUTPUT_ROUTING_KEY": ""})


def test_a_message_password_needs_a_16_byte_iv() -> None:
    with pytest.raises(SettingsError, match="16 bytes"):
        FerrymanSettings.from_env({**OIH, "ELASTICIO_MESSAGE_CRYPTO_PASSWORD": "pw",
                                   "ELASTICIO_MESSAGE_CRYPTO_IV": "x"})


def test_the_broker_url_and_password_stay_out_of_the_repr() -> None:
    s = FerrymanSettings.from_env({**OIH, "ELASTICIO_AMQP_URI": "amqp://node:S3cret@broker",
                                   "ELASTICIO_MESSAGE_CRYPTO_PASSWORD": "pw-S3cret",
                                   "ELASTICIO_MESSAGE_CRYPTO_IV": "iv=any16_symbols"})
    assert "S3cret" not in repr(s)
