"""Deployment settings under the Open Integration Hub's prefix: ``ALLMYSMS_X`` is also read as ``ELASTICIO_ALLMYSMS_X``.

OIH prefixes every variable of a component's descriptor with ``ELASTICIO_``; the unprefixed name wins when both
are set, and a blank value counts as unset.
"""

from __future__ import annotations

import pytest

from allmysms_component.errors import ConfigurationError
from allmysms_component.journal import JournalSettings
from allmysms_component.settings import Settings, deployment_env, deployment_value
from pysailor.sailor.settings import REQUIRED, REQUIRED_FOR_MESSAGES, WorkerSettings

SANDBOX = "https://sandbox.example.com"
OIH = "https://oih.example.com"


def test_a_setting_is_read_under_the_oih_prefix() -> None:
    settings = Settings.from_env({"ELASTICIO_ALLMYSMS_API_URL": SANDBOX, "ELASTICIO_ALLMYSMS_READ_TIMEOUT": "12"})
    assert (settings.api_url, settings.timeouts.read) == (SANDBOX, 12.0)


def test_the_unprefixed_name_wins_when_both_are_set() -> None:
    env = {"ALLMYSMS_API_URL": SANDBOX, "ELASTICIO_ALLMYSMS_API_URL": OIH}
    assert Settings.from_env(env).api_url == SANDBOX


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_unprefixed_value_counts_as_unset(blank: str) -> None:
    assert deployment_value({"ALLMYSMS_API_URL": blank, "ELASTICIO_ALLMYSMS_API_URL": OIH}, "ALLMYSMS_API_URL") == OIH


def test_neither_set_reads_as_blank_and_gives_the_default() -> None:
    assert deployment_value({}, "ALLMYSMS_API_URL") == ""
    assert Settings.from_env({}).api_url == "https://api.allmysms.com"


def test_only_the_component_s_own_names_take_the_prefix() -> None:
    """The platform's own variables are not doubled: ``FLOW_ID`` is never read from ``ELASTICIO_FLOW_ID``."""
    assert deployment_value({"ELASTICIO_FLOW_ID": "f"}, "FLOW_ID") == ""
    assert "FLOW_ID" not in deployment_env({"ELASTICIO_FLOW_ID": "f"})


def test_the_trial_account_is_read_under_the_prefix_and_stays_out_of_the_repr() -> None:
    settings = Settings.from_env({"ELASTICIO_ALLMYSMS_TRIAL_LOGIN": "demo",
                                  "ELASTICIO_ALLMYSMS_TRIAL_API_KEY": "tr1al-S3cret-key"})
    assert (settings.trial_login, settings.trial_api_key) == ("demo", "tr1al-S3cret-key")
    assert "tr1al-S3cret-key" not in repr(settings)


def test_a_refused_value_under_the_prefix_names_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="ALLMYSMS_API_URL"):
        Settings.from_env({"ELASTICIO_ALLMYSMS_API_URL": "http://api.allmysms.com"})


def test_the_journal_settings_take_the_prefix() -> None:
    settings = JournalSettings.from_env({"ELASTICIO_ALLMYSMS_JOURNAL_URL": "redis://cache:6379/0",
                                         "ELASTICIO_ALLMYSMS_JOURNAL_TTL": "7200",
                                         "ALLMYSMS_JOURNAL_TTL": "3600"})
    assert (settings.url, settings.ttl) == ("redis://cache:6379/0", 3600.0)


def test_the_worker_s_own_settings_take_the_prefix_once_resolved() -> None:
    sailor = {f"ELASTICIO_{name}": "x" for name in REQUIRED + REQUIRED_FOR_MESSAGES}
    sailor.update(ELASTICIO_MESSAGE_CRYPTO_IV="iv=any16_symbols", ELASTICIO_AMQP_URI="amqp://broker")
    env = deployment_env({**sailor, "ELASTICIO_ALLMYSMS_WORKER_GRACE_PERIOD": "5"})
    assert WorkerSettings.from_env(env).grace_period == 5.0
