"""The platform the worker serves, chosen from its environment: the sailor's variables or OIH's, complete."""

from __future__ import annotations

import pytest

from pysailor.platforms import FERRYMAN_REQUIRED, SAILOR_REQUIRED, Platform, PlatformError, choose


def sailor_env() -> dict[str, str]:
    return {f"ELASTICIO_{name}": "x" for name in SAILOR_REQUIRED}


def oih_env() -> dict[str, str]:
    """What OIH's orchestrator sets for a flow node, the eight variables Ferryman requires among them."""
    env = {f"ELASTICIO_{name}": "x" for name in FERRYMAN_REQUIRED}
    env.update(ELASTICIO_ERROR_ROUTING_KEY="orchestrator_backchannel.error", ELASTICIO_USER_ID="remove me",
               LOG_LEVEL="info")
    return env


def test_the_sailor_s_variables_mean_elastic_io() -> None:
    assert choose(sailor_env()) is Platform.ELASTICIO


def test_oih_s_variables_mean_the_open_integration_hub() -> None:
    assert choose(oih_env()) is Platform.OIH


def test_oih_s_set_with_sailor_leftovers_is_still_oih() -> None:
    assert choose({**oih_env(), "ELASTICIO_FLOW_ID": "f", "ELASTICIO_FUNCTION": "sendSMS"}) is Platform.OIH


def test_neither_set_is_one_line_naming_what_each_lacks() -> None:
    with pytest.raises(PlatformError) as caught:
        choose({"ELASTICIO_AMQP_URI": "amqp://broker", "ELASTICIO_NODE_EXCHANGE": "flow-1"})
    text = str(caught.value)
    assert "\n" not in text
    sailor_part, oih_part = text.split("for the Open Integration Hub")
    assert "ELASTICIO_PUBLISH_MESSAGES_TO" in sailor_part
    assert "ELASTICIO_MESSAGE_CRYPTO_IV" in sailor_part
    assert "ELASTICIO_BACKCHANNEL_EXCHANGE" in oih_part
    assert "ELASTICIO_COMP_ID" in oih_part
    assert "ELASTICIO_AMQP_URI" not in text
    assert "ELASTICIO_NODE_EXCHANGE" not in text


def test_an_empty_environment_names_every_variable_of_both() -> None:
    with pytest.raises(PlatformError) as caught:
        choose({})
    for name in {*SAILOR_REQUIRED, *FERRYMAN_REQUIRED}:
        assert f"ELASTICIO_{name}" in str(caught.value)


@pytest.mark.parametrize("name", FERRYMAN_REQUIRED)
def test_oih_with_one_variable_empty_names_it(name: str) -> None:
    with pytest.raises(PlatformError, match=f"Open Integration Hub.*it lacks ELASTICIO_{name}$"):
        choose({**oih_env(), f"ELASTICIO_{name}": ""})


def test_both_sets_complete_is_refused_rather_than_guessed() -> None:
    with pytest.raises(PlatformError, match="both"):
        choose({**sailor_env(), **oih_env()})
